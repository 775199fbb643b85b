// Pipeline benchmark (`npm run bench -- --pipeline user-login|api-requests|sunbird [--records N]`): records
// per second through a preset's pipeline end to end, and per server CPU-second, counted only once
// the pipeline's lag is 0 (throughput that only fills a backlog does not count).
// - user-login: generated login events posted over HTTP (NDJSON, 4 requests in flight, or
//   --connections N) → the stream's topic → validate → 5-minute windows → metric-event; event time advances 10 ms per
//   record, so a run replays hours of traffic.
// - api-requests: a file of seed-004 lines written first, then `start --tail FILE` → tail-lines →
//   parse → batch → store stream api_requests, until every line is searchable.
// - sunbird: generated telemetry v3 batches of 50 events posted to /v1/telemetry (4 in flight, or
//   `--connections N`: with few, an ack's fsync wait, not the server's CPU, bounds the rate) →
//   pipeline sunbird-telemetry (extractor → preprocessor → denormalizer), until it has read
//   everything (lag 0) and every event it denormalized is searchable in telemetry.denorm (ingest
//   holds requests while the index is behind, so the two end close together); `records` counts events.
// `--redis URL` runs the server with its pipeline state in that Redis (dedup keys, Sunbird's
// reference tables), to measure what Redis costs. Writes
// bench/results/<date>-<commit>-pipeline-<name>[-redis].json and .md.
import { spawn } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { createWriteStream, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { generateUserLogins, userLoginLine, type UserLoginRecord } from '../src/presets/user-login/generate.ts';
import { generateApiRequestLines } from '../src/presets/api-requests/generate.ts';
import { telemetryBatches } from '../src/presets/sunbird-telemetry/generate.ts';
import { SUNBIRD_PIPELINE } from '../src/presets/sunbird-telemetry/preset.ts';
import { TOPICS } from '../src/presets/sunbird-telemetry/topics.ts';
import { keepAliveAgent, post, sleep } from './http-post.ts';
import { readProcessStats } from './sysstats.ts';

const REPO_DIR = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(REPO_DIR, 'bin', 'tributary.js');

interface PipelineBenchResult {
  pipeline: string;
  /** Where the pipelines kept their dedup keys: in the process, or in Redis. */
  state: 'embedded' | 'redis';
  commit: string;
  date: string;
  /** Requests the load generator keeps in flight (`--connections`, default 4). */
  connections: number;
  records: number;
  seconds: number;
  recordsPerSecond: number;
  serverCpuSeconds: number;
  recordsPerCpuSecond: number;
  lagAtEnd: number;
  peakRssMb: number;
  outputs: Record<string, number>;
  deadLetters: Record<string, number>;
}

async function startServer(dataDir: string, extra: string[]): Promise<{ url: string; pid: number; stop: () => Promise<void> }> {
  const log = createWriteStream(join(dataDir, '..', 'server.log'));
  // BENCH_NODE_OPTIONS, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`, profiles the server
  const nodeArgs = (process.env.BENCH_NODE_OPTIONS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, BIN, 'start', '--port', '0', '--host', '127.0.0.1', '--data-dir', dataDir, ...extra], { cwd: join(dataDir, '..'), stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  const url = await new Promise<string>((resolve, reject) => {
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match) resolve(match[1]!);
    });
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  return { url, pid: child.pid!, stop: async () => { child.kill('SIGTERM'); await exited; } };
}

async function pipelineState(url: string, name: string): Promise<{ recordsIn: number; lag: number; out: Record<string, number>; deadLetters: Record<string, number> }> {
  const response = await fetch(`${url}/api/v1/pipelines/${name}`);
  return await response.json() as { recordsIn: number; lag: number; out: Record<string, number>; deadLetters: Record<string, number> };
}

async function storedTotal(url: string, stream: string): Promise<number> {
  return ((await (await fetch(`${url}/api/v1/search?stream=${stream}&limit=0`)).json()) as { total: number }).total;
}

/** The request bodies, built before the clock starts: building 1M records takes ~10 s of the client's CPU. */
function userLoginBodies(records: number): Buffer[] {
  const events = generateUserLogins(records, { seed: 1, startTimeSec: 1_737_417_600, secondsPerRecord: 0.01, users: 5000 });
  const bodies: Buffer[] = [];
  for (let i = 0; i < events.length; i += 5000) bodies.push(Buffer.from(events.slice(i, i + 5000).map(({ record }) => userLoginLine(record as UserLoginRecord)).join('\n')));
  return bodies;
}

const SUNBIRD_BATCH = 50;

/** Telemetry batches as request bodies, built before the clock starts; ids of this run's own, as a shared Redis keeps keys an hour. */
function sunbirdBodies(events: number): Buffer[] {
  return [...telemetryBatches(Math.ceil(events / SUNBIRD_BATCH), { seed: 1, batchSize: SUNBIRD_BATCH, startMs: Date.now(), idTag: Date.now().toString(36) })].map(({ batch }) => Buffer.from(JSON.stringify(batch)));
}

/** Whether the Sunbird pipeline has read every batch, has no lag, and what it wrote to telemetry.denorm is searchable. */
async function sunbirdDone(url: string, batches: number): Promise<{ done: boolean; state: Awaited<ReturnType<typeof pipelineState>> }> {
  const state = await pipelineState(url, SUNBIRD_PIPELINE);
  const done = state.recordsIn >= batches && state.lag === 0 && (await storedTotal(url, TOPICS.denorm)) >= (state.out.default ?? 0);
  return { done, state };
}

/** Posts the bodies with `connections` requests in flight, waiting out 429/503. */
async function postBodies(url: string, bodies: Buffer[], connections: number, path = '/api/v1/logs?stream=user-login', contentType = 'application/x-ndjson', accepted = 202): Promise<void> {
  const target = { url: new URL(`${url}${path}`), agent: keepAliveAgent(new URL(url), connections), headers: { 'content-type': contentType }, timeoutMs: 60_000 };
  let next = 0;
  const worker = async () => {
    while (next < bodies.length) {
      const body = bodies[next++]!;
      for (;;) {
        const result = await post(target, body);
        if (result.status === accepted) break;
        if (result.status !== 429 && result.status !== 503) throw new Error(`ingest answered ${result.status}: ${result.text}`);
        await sleep(100);
      }
    }
  };
  await Promise.all(Array.from({ length: connections }, worker));
}

async function run(name: string, records: number, connections: number, redis?: string, keepData = false): Promise<PipelineBenchResult> {
  const dir = mkdtempSync(join(tmpdir(), `tributary-bench-${name}-`));
  const dataDir = join(dir, 'data');
  try {
    const extra: string[] = redis ? ['--redis', redis] : [];
    // N requests in flight deliver event time out of order by up to N bodies (50 s of it each)
    if (name === 'user-login') writeFileSync(join(dir, 'tributary.yaml'), `presets:\n  user-login:\n    window:\n      lateness: ${Math.max(10, Math.ceil((connections * 50) / 60) + 5)}m\n`);
    if (name === 'api-requests') {
      const file = join(dir, 'api_requests.log');
      const lines = generateApiRequestLines(records, { seed: 1 });
      writeFileSync(file, `${lines.join('\n')}\n`);
      extra.push('--tail', file);
    }
    const bodies = name === 'user-login' ? userLoginBodies(records) : name === 'sunbird' ? sunbirdBodies(records) : [];
    const server = await startServer(dataDir, extra);
    const cpuBefore = readProcessStats(server.pid);
    const started = performance.now();
    if (name === 'user-login') await postBodies(server.url, bodies, connections);
    if (name === 'sunbird') await postBodies(server.url, bodies, connections, '/v1/telemetry', 'application/json', 200);
    const check = async () => {
      if (name === 'sunbird') return sunbirdDone(server.url, bodies.length);
      const state = await pipelineState(server.url, name);
      const done = state.recordsIn >= records && state.lag === 0
        && (name !== 'api-requests' || (await storedTotal(server.url, 'api_requests')) >= records);
      return { done, state };
    };
    let { done, state } = await check();
    let peakRss = 0;
    while (!done) {
      peakRss = Math.max(peakRss, readProcessStats(server.pid).rssBytes);
      if (performance.now() - started > 1_800_000) throw new Error(`not done in 30 minutes: ${JSON.stringify(state)}`);
      await sleep(100);
      ({ done, state } = await check());
    }
    const seconds = (performance.now() - started) / 1000;
    const cpuAfter = readProcessStats(server.pid);
    const cpuSeconds = (cpuAfter.userMs + cpuAfter.systemMs - cpuBefore.userMs - cpuBefore.systemMs) / 1000;
    await server.stop();
    return {
      pipeline: name,
      state: redis ? 'redis' : 'embedded',
      commit: execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO_DIR }).toString().trim(),
      date: new Date().toISOString().slice(0, 10),
      records,
      connections,
      seconds: Number(seconds.toFixed(2)),
      recordsPerSecond: Math.round(records / seconds),
      serverCpuSeconds: Number(cpuSeconds.toFixed(2)),
      recordsPerCpuSecond: Math.round(records / cpuSeconds),
      lagAtEnd: state.lag,
      peakRssMb: Math.round(Math.max(peakRss, cpuAfter.peakRssBytes) / 1048576),
      outputs: state.out,
      deadLetters: state.deadLetters,
    };
  } finally {
    if (keepData) process.stderr.write(`data kept in ${dataDir}\n`); else rmSync(dir, { recursive: true, force: true });
  }
}

function markdown(result: PipelineBenchResult): string {
  return [
    `# Pipeline benchmark: ${result.pipeline}${result.state === 'redis' ? ', state in Redis' : ''} (${result.commit}, ${result.date})`, '',
    '| figure | value |', '|---|---:|',
    `| records | ${result.records} |`,
    `| requests in flight | ${result.connections} |`,
    `| seconds until lag 0${result.pipeline === 'api-requests' || result.pipeline === 'sunbird' ? ' and searchable' : ''} | ${result.seconds} |`,
    `| records/s end to end | ${result.recordsPerSecond} |`,
    `| server CPU-seconds | ${result.serverCpuSeconds} |`,
    `| records per server CPU-second | ${result.recordsPerCpuSecond} |`,
    `| lag at the end | ${result.lagAtEnd} |`,
    `| peak RSS (MB) | ${result.peakRssMb} |`,
    `| outputs | ${JSON.stringify(result.outputs)} |`,
    `| dead letters | ${JSON.stringify(result.deadLetters)} |`, '',
  ].join('\n');
}

export async function pipelineBench(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { pipeline: { type: 'string' }, records: { type: 'string' }, connections: { type: 'string', default: '4' }, redis: { type: 'string' }, 'keep-data': { type: 'boolean', default: false }, 'results-dir': { type: 'string', default: join(REPO_DIR, 'bench', 'results') } } });
  const name = values.pipeline!;
  if (name !== 'user-login' && name !== 'api-requests' && name !== 'sunbird') throw new Error(`--pipeline ${name}: use user-login, api-requests or sunbird`);
  const records = Number(values.records ?? (name === 'user-login' ? 2_000_000 : name === 'sunbird' ? 500_000 : 3_000_000));
  const connections = Number(values.connections);
  if (!Number.isInteger(connections) || connections < 1) throw new Error(`--connections ${values.connections}: a count of requests in flight, 1 or more`);
  process.stderr.write(`pipeline bench ${name}: ${records} records, ${connections} requests in flight…\n`);
  const result = await run(name, records, connections, values.redis, values['keep-data']);
  mkdirSync(values['results-dir']!, { recursive: true });
  const base = join(values['results-dir']!, `${result.date}-${result.commit}-pipeline-${name}${values.redis ? '-redis' : ''}${connections === 4 ? '' : `-c${connections}`}`);
  writeFileSync(`${base}.json`, `${JSON.stringify(result, null, 2)}\n`);
  writeFileSync(`${base}.md`, markdown(result));
  process.stdout.write(markdown(result));
}

if (import.meta.main) await pipelineBench(process.argv.slice(2));
