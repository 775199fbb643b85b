// The benchmark runner: loads the deterministic workload into a fresh server, measures ingest,
// freshness, disk and queries (checked exactly against brute force), and writes
// bench/results/<date>-<commit>[-quick].json and .md, printing the change against the
// previous result of the same mode.
//
//   node bench/run.ts [--quick] [--dataset all|NAME[,NAME]] [--file logs.ndjson] [--records N]
//                     [--seed 1] [--warm-runs R] [--keep-data] [--results-dir bench/results]
//                     [--store embedded|opensearch [--opensearch-url http://127.0.0.1:9250]]
//   node bench/run.ts --pipeline user-login|api-requests|sunbird [--records N] [--redis URL] [--keep-data]   (bench/pipeline.ts)
//
// Each dataset (bench/datasets/) is written to an NDJSON file, its exact answers computed from
// that file by brute force, and the file loaded; every dataset gets its own result, and a run of
// several writes a summary naming the worst. Sizes: each dataset's default (dyte 10M), --quick
// a smoke-test size, --records N for all. --file runs on a user's own NDJSON file.
// Exit code 0 when everything ran and every answer was exact; 1 when a query answer was wrong or
// something broke (server failed, records lost, backlog never drained). Numbers are reported,
// never asserted. Progress goes to stderr, the markdown table to stdout.

import { spawn } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { checkCpu } from './cpu-check.ts';
import type { CpuCheckResult } from './cpu-check.ts';
import { checkDistinct, checkGroups, checkHistogram, checkSearch, exactAnswers } from './bench-checks.ts';
import type { ExactAnswers, ExtraRecord } from './bench-checks.ts';
import { readMetrics, startServer, stopServer, tailOf } from './bench-server.ts';
import type { ServerHandle, ServerMetrics } from './bench-server.ts';
import type { Dataset } from './datasets/dataset.ts';
import { fileDataset } from './datasets/file.ts';
import { DATASETS, datasetNamed } from './datasets/index.ts';
import { computeTruth } from './datasets/truth.ts';
import type { Truth } from './datasets/truth.ts';
import { probeFreshness } from './freshness.ts';
import type { FreshnessResult } from './freshness.ts';
import { sleep } from './http-post.ts';
import type { LoadSummary } from './loadgen.ts';
import { percentile } from './percentile.ts';
import { compareWithPrevious, datasetOf, renderMarkdown, renderSummary } from './run-report.ts';
import type { BenchResult, QueryResult } from './run-report.ts';
import { TARGETS, VICTORIALOGS } from './peers.ts';
import { directorySize, readProcessStats, waitUntilSettled } from './sysstats.ts';
import { runVictoriaLogs } from './victorialogs.ts';
import type { MeasuredPeer } from './victorialogs.ts';
import type { PeerFigures } from './peers.ts';

const BENCH_DIR = fileURLToPath(new URL('.', import.meta.url));
const REPO_DIR = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(REPO_DIR, 'bin', 'tributary.js');

interface RunOptions {
  quick: boolean;
  datasets: string[];
  file: string | undefined;
  /** Records per dataset; undefined: each dataset's default for the mode. */
  records: number | undefined;
  seed: number;
  warmRuns: number;
  warmupMs: number;
  keepData: boolean;
  resultsDir: string;
  /** A VictoriaLogs binary to run beside on the same file (--victorialogs, or VICTORIALOGS_BIN). */
  victorialogs: string | undefined;
  /** The store engine under test; opensearch runs the server with --store opensearch on this URL. */
  store: 'embedded' | 'opensearch';
  opensearchUrl: string;
}

/** Indices of the OpenSearch store under test start with this (dropped before each dataset). */
const BENCH_INDEX_PREFIX = 'tribench';

interface Sample extends ServerMetrics {
  t: number;
  cpuMs: number;
  rssBytes: number;
}

const started = performance.now();
function progress(message: string): void {
  process.stderr.write(`[bench +${((performance.now() - started) / 1000).toFixed(1)}s] ${message}\n`);
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

function gitInfo(): { commit: string; dirty: boolean } {
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO_DIR, encoding: 'utf8' }).trim();
    const status = execFileSync('git', ['status', '--porcelain'], { cwd: REPO_DIR, encoding: 'utf8' }).trim();
    return { commit, dirty: status !== '' };
  } catch {
    return { commit: 'nogit', dirty: false };
  }
}

function parseOptions(): RunOptions {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      dataset: { type: 'string', default: 'all' },
      file: { type: 'string' },
      records: { type: 'string' },
      seed: { type: 'string', default: '1' },
      'warm-runs': { type: 'string' },
      'warmup-s': { type: 'string' },
      'keep-data': { type: 'boolean', default: false },
      'results-dir': { type: 'string', default: join(BENCH_DIR, 'results') },
      victorialogs: { type: 'string' },
      store: { type: 'string', default: 'embedded' },
      'opensearch-url': { type: 'string', default: process.env.OPENSEARCH_URL ?? 'http://127.0.0.1:9250' },
    },
  });
  const quick = values.quick;
  const records = values.records === undefined ? undefined : Number(values.records);
  if (records !== undefined && (!Number.isInteger(records) || records < 1000)) throw new Error(`--records must be an integer ≥ 1000, got ${values.records}`);
  const datasets = values.file !== undefined ? [] : values.dataset === 'all' ? DATASETS.map((d) => d.name) : values.dataset.split(',');
  for (const name of datasets) datasetNamed(name);
  const warmRuns = values['warm-runs'] === undefined ? (quick ? 5 : 10) : Number(values['warm-runs']);
  if (!Number.isInteger(warmRuns) || warmRuns < 1) throw new Error('--warm-runs must be a positive integer');
  if (values.store !== 'embedded' && values.store !== 'opensearch') throw new Error(`--store must be embedded or opensearch, got ${values.store}`);
  return {
    store: values.store,
    opensearchUrl: values['opensearch-url'],
    quick,
    datasets,
    file: values.file,
    records,
    seed: Number(values.seed),
    warmRuns,
    warmupMs: (values['warmup-s'] === undefined ? (quick ? 2 : 10) : Number(values['warmup-s'])) * 1000,
    keepData: values['keep-data'],
    resultsDir: values['results-dir'],
    victorialogs: values.victorialogs ?? process.env.VICTORIALOGS_BIN,
  };
}

async function cpuCheck(phase: string, quick: boolean): Promise<CpuCheckResult> {
  const result = await checkCpu({ durationMs: quick ? 500 : 1000 });
  progress(`cpu-check before ${phase}: two threads ${result.ratio}× one thread, load ${result.loadavg1m.toFixed(2)}${result.busy ? ' — BUSY MACHINE, figures suspect' : ' (2 cores free)'}`);
  return result;
}

interface Timed {
  ms: number;
  status: number;
  body: unknown;
  tookMs: number | null;
}

async function timedGet(url: string): Promise<Timed> {
  const t = performance.now();
  const res = await fetch(url);
  const text = await res.text();
  const ms = performance.now() - t;
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // keep the text for the report
  }
  const tookMs = typeof (body as { tookMs?: unknown })?.tookMs === 'number' ? (body as { tookMs: number }).tookMs : null;
  return { ms: Number(ms.toFixed(2)), status: res.status, body, tookMs };
}

type QuerySpec = Pick<QueryResult, 'id' | 'row' | 'kind' | 'label' | 'path' | 'peerMs'> & {
  check: (body: unknown, answers: ExactAnswers) => string[];
};

function querySpecs(dataset: Dataset, truth: Truth): QuerySpec[] {
  const specs: QuerySpec[] = [];
  // VictoriaLogs' figures were measured on the dyte dataset only
  const peer = dataset.name === 'dyte' ? VICTORIALOGS : null;
  for (const q of truth.rows) {
    const params = new URLSearchParams({ q: q.q });
    if (q.from !== undefined) params.set('from', q.from);
    if (q.to !== undefined) params.set('to', q.to);
    const peerQuery = peer?.queries[q.name];
    const label = `${q.q}${q.from ? ` [${q.from.slice(0, 16)} → ${q.to!.slice(0, 16)}]` : ''}`;
    specs.push({
      id: `${q.name}.newest`, row: q.name, kind: 'newest', label, path: `/api/v1/search?${params}&limit=100&total=false`, peerMs: peerQuery?.newestMs ?? null,
      check: (body, answers) => checkSearch(q, body, answers, 100),
    });
    specs.push({
      id: `${q.name}.count`, row: q.name, kind: 'count', label, path: `/api/v1/search?${params}&limit=0`, peerMs: peerQuery?.countMs ?? null,
      check: (body, answers) => checkSearch(q, body, answers, 0),
    });
  }
  const { stats, distinct } = dataset.queries;
  if (stats) {
    specs.push({
      id: 'per_group_stats', row: 'per_group_stats', kind: 'aggregation', label: `per ${stats.by} count, avg, p99 of ${stats.numeric}`,
      path: `/api/v1/stats?by=${stats.by}&agg=count,avg:${stats.numeric},p99:${stats.numeric}&limit=1000`, peerMs: peer?.aggregations.per_group_stats ?? null,
      check: checkGroups(stats),
    });
  }
  const span = new URLSearchParams({ interval: '1h', from: new Date(truth.span.startMs).toISOString(), to: new Date(truth.span.endMs).toISOString() });
  specs.push({
    id: 'hits_per_hour', row: 'hits_per_hour', kind: 'aggregation', label: `hits per hour over the ${Math.round((truth.span.endMs - truth.span.startMs) / 86_400_000)} days`,
    path: `/api/v1/histogram?${span}`, peerMs: peer?.aggregations.hits_per_hour ?? null, check: checkHistogram,
  });
  if (distinct) {
    specs.push({
      id: 'distinct', row: 'distinct', kind: 'aggregation', label: `distinct ${distinct}`,
      path: `/api/v1/stats?agg=distinct:${distinct}`, peerMs: peer?.aggregations.distinct ?? null, check: checkDistinct(distinct),
    });
  }
  return specs;
}

/** A measured VictoriaLogs run in the shape of the published figures, for the report. */
function peerFigures(m: MeasuredPeer): PeerFigures {
  const queries: PeerFigures['queries'] = {};
  const aggregations: PeerFigures['aggregations'] = {};
  for (const f of m.queries) {
    if (f.ms !== undefined) aggregations[f.id] = f.ms;
    else queries[f.id] = { newestMs: f.newestMs!, countMs: f.countMs! };
  }
  return {
    name: 'VictoriaLogs (beside)', records: m.records,
    ingest: { recordsPerSec: m.ingest.recordsPerSec, mbPerSec: m.ingest.mbPerSec, cores: m.ingest.cores, recordsPerCpuSecond: [m.ingest.recordsPerCpuSecond, m.ingest.recordsPerCpuSecond] },
    freshness: m.freshness.visible > 0 ? { p50Ms: m.freshness.latencyMs.p50, p99Ms: m.freshness.latencyMs.p99 } : { p50Ms: Number.NaN, p99Ms: Number.NaN },
    disk: { bytesPerRecord: m.disk.bytesPerRecord, ratioToNdjson: m.disk.ratioToNdjson },
    peakRssBytes: m.peakRssBytes, queries, aggregations,
  };
}

/** Least-squares slope of y over t (per second). */
function slopePerSec(points: Array<{ t: number; y: number }>): number {
  if (points.length < 2) return 0;
  const n = points.length;
  const mt = points.reduce((a, p) => a + p.t, 0) / n;
  const my = points.reduce((a, p) => a + p.y, 0) / n;
  let num = 0;
  let den = 0;
  for (const p of points) {
    num += (p.t - mt) * (p.y - my);
    den += (p.t - mt) ** 2;
  }
  return den === 0 ? 0 : (num / den) * 1000;
}

async function runDataset(dataset: Dataset, o: RunOptions): Promise<{ code: number; result: BenchResult }> {
  const mode = o.quick ? 'quick' : 'full';
  const { commit, dirty } = gitInfo();
  const startedAt = new Date();
  const defaultRecords = o.quick ? dataset.defaultRecords.quick : dataset.defaultRecords.full;
  let records = o.records ?? defaultRecords;
  progress(`Tributary benchmark, dataset ${dataset.name}, ${mode} mode, ${o.file ? o.file : `${fmt(records)} records, seed ${o.seed}`}, commit ${commit}${dirty ? ' (dirty tree)' : ''}`);

  const failures: string[] = [];
  const wrongAnswers: string[] = [];
  const fail = (message: string): void => {
    failures.push(message);
    progress(`FAILURE: ${message}`);
  };
  const tmp = mkdtempSync(join(tmpdir(), 'tributary-bench-'));
  const dataDir = join(tmp, 'data');
  const serverLog = join(tmp, 'server.log');
  const storeTarget = o.store === 'opensearch' ? await openSearchTarget(o.opensearchUrl, tmp) : { bytes: () => directorySize(join(dataDir, 'store')).then((size) => size.diskBytes) };
  let current: ServerHandle | undefined;
  let loadgenChild: ReturnType<typeof spawn> | undefined;
  const onSignal = (signal: NodeJS.Signals): void => {
    progress(`${signal}: stopping the server and the load generator`);
    loadgenChild?.kill('SIGKILL');
    current?.child.kill('SIGKILL');
    process.exit(130);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  const cpuChecks: Record<string, CpuCheckResult> = {};
  const serverRuns: BenchResult['server']['runs'] = [];
  let peakRssBytes = 0;
  const queryResults: QueryResult[] = [];
  let ingest: BenchResult['ingest'] | undefined;
  let freshness: FreshnessResult | undefined;
  let disk: BenchResult['disk'] | undefined;
  let querySettle: { settled: boolean; afterMs: number } | undefined;
  let checksRun = 0;

  const start = async (purpose: string): Promise<ServerHandle> => {
    const h = await startServer({ node: process.execPath, bin: BIN, dataDir, cwd: tmp, logFile: serverLog });
    current = h;
    serverRuns.push({ purpose, startupMs: h.startupMs, stopMs: null, cleanStop: null, peakRssBytes: null });
    return h;
  };
  const stop = async (h: ServerHandle): Promise<void> => {
    const run = serverRuns[serverRuns.length - 1]!;
    if (!h.exit) {
      try {
        const peak = readProcessStats(h.pid).peakRssBytes;
        run.peakRssBytes = peak;
        peakRssBytes = Math.max(peakRssBytes, peak);
      } catch {
        // gone
      }
    } else {
      fail(`server (${run.purpose}) exited on its own: ${JSON.stringify(h.exit)}\n${await tailOf(h.logFile)}`);
    }
    const stopped = await stopServer(h);
    run.stopMs = stopped.ms;
    run.cleanStop = stopped.clean;
    if (!stopped.clean) fail(`server (${run.purpose}) did not stop cleanly: ${JSON.stringify(h.exit)}\n${await tailOf(h.logFile)}`);
    if (current === h) current = undefined;
  };
  const checkAnswer = (spec: QuerySpec, t: Timed, answers: ExactAnswers, when: string): void => {
    checksRun++;
    const problems = t.status === 200 ? spec.check(t.body, answers) : [`HTTP ${t.status}: ${JSON.stringify(t.body).slice(0, 300)}`];
    for (const p of problems) {
      const message = `${spec.id} (${when}) ${spec.path}: ${p}`;
      if (!wrongAnswers.includes(message)) wrongAnswers.push(message);
    }
    if (problems.length > 0) progress(`WRONG ANSWER ${spec.id} (${when}): ${problems.slice(0, 3).join('; ')}`);
  };

  let truth: Truth | undefined;
  let measuredPeer: MeasuredPeer | undefined;
  let specs: QuerySpec[] = [];
  try {
    const recordsFile = o.file ?? join(tmp, `${dataset.name}.ndjson`);
    if (!o.file) {
      const tWrite = performance.now();
      await dataset.write(recordsFile, records, o.seed);
      progress(`wrote ${fmt(records)} ${dataset.name} records to ${recordsFile} in ${((performance.now() - tWrite) / 1000).toFixed(1)} s`);
    }
    // Exact answers by brute force from the file, before anything runs (a core for a while at 10M).
    const tExpected = performance.now();
    truth = await computeTruth(recordsFile, dataset.queries, (n) => progress(`[answers] ${fmt(n)} records read`));
    records = truth.records;
    specs = querySpecs(dataset, truth);
    progress(`expected answers by brute force in ${((performance.now() - tExpected) / 1000).toFixed(1)} s: ` +
      truth.answers.map((q) => `${q.name}=${fmt(q.count)}`).join(', '));

    // ---- Phase: ingest + freshness ------------------------------------------------------------
    cpuChecks.ingest = await cpuCheck('ingest', o.quick);
    mkdirSync(dataDir, { recursive: true });
    let server = await start('ingest');
    progress(`server pid ${server.pid} at ${server.url}, ready in ${server.startupMs} ms (data ${dataDir})`);
    const samples: Sample[] = [];
    let metricErrors = 0;
    const takeSample = async (): Promise<Sample | undefined> => {
      try {
        const m = await readMetrics(server.url);
        const p = readProcessStats(server.pid);
        const s: Sample = { t: performance.now(), ...m, cpuMs: p.userMs + p.systemMs, rssBytes: p.rssBytes };
        samples.push(s);
        return s;
      } catch {
        metricErrors++;
        return undefined;
      }
    };
    const before = await takeSample();
    const loadgenArgs = [join(BENCH_DIR, 'loadgen.ts'), '--url', `${server.url}/api/v1/logs`, '--file', recordsFile,
      '--concurrency', '4', '--batch', '1000', '--format', 'ndjson', '--quiet'];
    const loadgen = spawn(process.execPath, loadgenArgs, { cwd: REPO_DIR, stdio: ['ignore', 'pipe', 'pipe'] });
    loadgenChild = loadgen;
    let loadgenOut = '';
    let loadgenErr = '';
    loadgen.stdout.on('data', (c: Buffer) => { loadgenOut += c.toString('utf8'); });
    loadgen.stderr.on('data', (c: Buffer) => { loadgenErr += c.toString('utf8'); });
    let loadgenExit: number | null | undefined;
    let loadgenEndAt = 0;
    const loadgenDone = new Promise<void>((resolve) => loadgen.once('exit', (code) => {
      loadgenExit = code;
      loadgenEndAt = performance.now();
      resolve();
    }));
    progress(`load generator pid ${loadgen.pid}: ${fmt(records)} records, NDJSON, 4 connections × 1000 lines, as fast as accepted (it builds the bodies first)`);

    const stopProbes = new AbortController();
    let freshnessRun: Promise<FreshnessResult> | undefined;
    // Probes only look at records since the run started, so the time filter skips the workload's
    // (2025) records and the 20 ms polling stays cheap for the server.
    const probeFrom = new Date(Date.now() - 60_000).toISOString();
    let loadStartAt: number | undefined;
    let lastProgress = 0;
    while (loadgenExit === undefined) {
      const tickStart = performance.now();
      const s = await takeSample();
      if (s && loadStartAt === undefined && s.ingested > (before?.ingested ?? 0)) {
        loadStartAt = s.t;
        freshnessRun = probeFreshness({
          ingestUrl: `${server.url}/api/v1/logs`,
          searchUrl: `${server.url}/api/v1/search?from=${encodeURIComponent(probeFrom)}`,
          durationMs: 24 * 3600_000, intervalMs: 1000, pollMs: 20, probe: dataset.probe, timeoutMs: o.quick ? 120_000 : 900_000, signal: stopProbes.signal,
        });
        progress('load started; freshness probes every second');
      }
      if (s && loadStartAt !== undefined && s.t - lastProgress >= (o.quick ? 1000 : 5000)) {
        lastProgress = s.t;
        const prev = samples.length >= 3 ? samples[samples.length - 3]! : samples[0]!;
        const rateNow = s.t > prev.t ? ((s.ingested - prev.ingested) * 1000) / (s.t - prev.t) : 0;
        const cores = s.t > prev.t ? (s.cpuMs - prev.cpuMs) / (s.t - prev.t) : 0;
        progress(`[ingest] ${((s.t - loadStartAt) / 1000).toFixed(1)}s loaded ${fmt(s.ingested)}/${fmt(records)} ` +
          `(${fmt(rateNow)} rec/s now) indexed ${fmt(s.indexed)} backlog ${fmt(s.lag)} server ${cores.toFixed(2)} cores rss ${(s.rssBytes / 1e6).toFixed(0)} MB`);
      }
      if (server.exit) break;
      const wait = tickStart + (o.quick ? 250 : 500) - performance.now();
      if (wait > 0) await Promise.race([sleep(wait), loadgenDone]);
    }
    await loadgenDone;
    loadgenChild = undefined;
    stopProbes.abort();
    if (server.exit) throw new Error(`server died during ingest: ${JSON.stringify(server.exit)}\n${await tailOf(serverLog)}`);
    let load: LoadSummary | undefined;
    try {
      load = JSON.parse(loadgenOut) as LoadSummary;
    } catch {
      throw new Error(`load generator failed (exit ${loadgenExit}): ${loadgenErr.slice(-2000)}`);
    }
    if (loadgenExit !== 0) fail(`load generator exited ${loadgenExit}: ${loadgenErr.slice(-500)}`);
    if (load.recordsAccepted !== records || load.recordsFailed > 0) {
      fail(`load generator: ${fmt(load.recordsAccepted)} of ${fmt(records)} accepted, ${fmt(load.recordsFailed)} failed, errors ${JSON.stringify(load.errors)}`);
    }
    const atEnd = await takeSample();
    const backlogAtEnd = atEnd?.lag ?? Number.NaN;
    progress(`load done: ${fmt(load.recordsAccepted)} accepted in ${(load.durationMs / 1000).toFixed(1)} s (${fmt(load.recordsPerSec)} rec/s overall), backlog ${fmt(backlogAtEnd)}; draining`);

    // Drain: until every accepted record is indexed.
    const drainDeadline = performance.now() + (o.quick ? 120_000 : 900_000);
    let drainedAt: number | undefined;
    let lastDrainProgress = performance.now();
    while (performance.now() < drainDeadline && !server.exit) {
      const s = await takeSample();
      if (s && s.lag === 0 && s.indexed >= s.ingested) {
        drainedAt = s.t;
        break;
      }
      if (s && s.t - lastDrainProgress >= 2000) {
        lastDrainProgress = s.t;
        progress(`[drain] backlog ${fmt(s.lag)}, indexed ${fmt(s.indexed)}/${fmt(s.ingested)}`);
      }
      await sleep(100);
    }
    if (drainedAt === undefined) fail(`backlog did not drain (${JSON.stringify(samples.at(-1))})`);
    const drainMs = drainedAt === undefined ? null : Math.max(0, drainedAt - loadgenEndAt);
    const drained = samples.at(-1)!;
    freshness = await freshnessRun;
    if (freshness) {
      progress(`freshness: ${freshness.visible}/${freshness.probes} probes visible, p50 ${freshness.latencyMs.p50} ms p99 ${freshness.latencyMs.p99} ms max ${freshness.latencyMs.max} ms`);
      // Reported (freshness target missed), not a failure: a lost record shows in the record count check.
      if (freshness.timedOut > 0) progress(`${freshness.timedOut} freshness probes were not visible within the probe timeout`);
    }
    const ingestPeakRss = readProcessStats(server.pid).peakRssBytes;

    // Sustained figures over the window after the warm-up, up to the last sample of the load.
    const t0 = loadStartAt ?? loadgenEndAt;
    const loadMs = loadgenEndAt - t0;
    // A load shorter than warm-up + 3 s (the quick mode) has no steady state to speak of: then the
    // whole load is the window and the rate is the load generator's own over all its records.
    const shortRun = loadMs < o.warmupMs + 3000;
    const warmupMs = shortRun ? 0 : o.warmupMs;
    const inLoad = samples.filter((s) => s.t >= t0 && s.t <= loadgenEndAt);
    let windowSamples = inLoad.filter((s) => s.t >= t0 + warmupMs);
    if (windowSamples.length < 2) windowSamples = inLoad;
    const w0 = windowSamples[0];
    const w1 = windowSamples.at(-1);
    const bytesPerRecord = load.rawBytesSent / Math.max(1, load.recordsAccepted);
    const windowOk = w0 !== undefined && w1 !== undefined && w1.t > w0.t;
    const windowS = windowOk ? (w1.t - w0.t) / 1000 : load.durationMs / 1000;
    const recordsPerSec = windowOk && !shortRun ? (w1.ingested - w0.ingested) / windowS : load.recordsPerSec;
    const windowCpuS = windowOk ? (w1.cpuMs - w0.cpuMs) / 1000 : Number.NaN;
    const totalCpuS = before && drained ? (drained.cpuMs - before.cpuMs) / 1000 : Number.NaN;
    const slope = slopePerSec(windowSamples.map((s) => ({ t: s.t, y: s.lag })));
    const growing = slope > 0.01 * recordsPerSec && (windowSamples.at(-1)?.lag ?? 0) > recordsPerSec * 0.5;
    if (!o.quick && windowS < 60) progress(`note: the sustained window is ${windowS.toFixed(0)} s, under the 60 s the full mode wants (use more --records)`);
    ingest = {
      records: records,
      recordsAccepted: load.recordsAccepted,
      ndjsonBytes: load.rawBytesSent,
      bytesPerRecord: Number(bytesPerRecord.toFixed(1)),
      loadDurationS: Number((loadMs / 1000).toFixed(2)),
      warmupS: Number((warmupMs / 1000).toFixed(2)),
      windowS: Number(windowS.toFixed(2)),
      shortRun,
      recordsPerSec: Math.round(recordsPerSec),
      mbPerSec: Number(((recordsPerSec * bytesPerRecord) / 1e6).toFixed(2)),
      overallRecordsPerSec: load.recordsPerSec,
      endToEndRecordsPerSec: drainMs === null ? null : Math.round(records / ((loadMs + drainMs) / 1000)),
      serverCores: Number((windowCpuS / windowS).toFixed(3)),
      recordsPerCpuSecondWindow: Math.round((windowOk ? w1.ingested - w0.ingested : records) / windowCpuS),
      serverCpuSeconds: Number(totalCpuS.toFixed(2)),
      recordsPerCpuSecond: Math.round(records / totalCpuS),
      peakRssBytes: ingestPeakRss,
      loadgen: {
        cores: load.cpu.avgCoresDuringRun,
        cpuMsPer100kRecords: load.cpu.allInMsPer100kRecords,
        prebuilt: load.prebuilt,
        requestLatencyMs: load.requestLatencyMs,
        retries: load.retries,
        errors: load.errors,
      },
      backlog: {
        atEndRecords: backlogAtEnd,
        maxRecords: Math.max(0, ...samples.filter((s) => s.t >= t0).map((s) => s.lag)),
        slopePerSec: Math.round(slope),
        growing,
        drainMs: drainMs === null ? null : Math.round(drainMs),
      },
      metricErrors,
      samples: samples.map((s) => ({ t: Math.round(s.t - t0), ingested: s.ingested, indexed: s.indexed, lag: s.lag, cpuMs: Math.round(s.cpuMs), rssMb: Math.round(s.rssBytes / 1e6) })),
    };
    progress(`ingest: ${fmt(ingest.recordsPerSec)} rec/s sustained over ${windowS.toFixed(1)} s${shortRun ? ' (short run: no warm-up cut, load generator\'s overall rate)' : ''}, ` +
      `${ingest.mbPerSec} MB/s, server ${ingest.serverCores} cores, ${fmt(ingest.recordsPerCpuSecond)} rec per server CPU-second (ingest + drain), ` +
      `backlog at end ${fmt(backlogAtEnd)} drained in ${drainMs === null ? 'never' : `${Math.round(drainMs)} ms`}, peak RSS ${(ingestPeakRss / 1e6).toFixed(0)} MB`);

    // Every record is in the store exactly once: the probes are fetched and counted too.
    const probeRes = await timedGet(`${server.url}/api/v1/search?q=${encodeURIComponent('probe_marker:*')}&limit=10000`);
    const probeHits = (probeRes.body as { hits?: Array<{ ts: string; record: Record<string, unknown> }> }).hits ?? [];
    const extras: ExtraRecord[] = probeHits.map((h) => ({ record: h.record, tsMs: Date.parse(h.ts) }));
    const probesAcked = freshness ? freshness.probes - freshness.failedPosts : 0;
    checksRun++;
    if (extras.length < probesAcked || extras.length > (freshness?.probes ?? 0)) {
      wrongAnswers.push(`freshness probes: ${extras.length} in the store, but ${probesAcked} were acknowledged (${freshness?.probes ?? 0} sent)`);
    }
    const all = await timedGet(`${server.url}/api/v1/search?limit=1`);
    checksRun++;
    const totalAll = (all.body as { total?: unknown }).total;
    if (totalAll !== records + extras.length) {
      wrongAnswers.push(`record count: the store holds ${String(totalAll)}, expected ${records + extras.length} (${records} loaded + ${extras.length} probes): lost or duplicated records`);
    }
    const answers = exactAnswers(truth, dataset.queries, extras);

    const liveStoreBytes = await storeTarget.bytes();
    const liveLogBytes = (await directorySize(dataDir)).diskBytes - (o.store === 'embedded' ? liveStoreBytes : 0);
    disk = {
      live: { totalBytes: liveLogBytes + liveStoreBytes, storeBytes: liveStoreBytes, logBytes: liveLogBytes },
      atRest: null,
      bytesPerRecord: 0,
      ratioToNdjson: 0,
      storeBytesPerRecord: 0,
    };

    // ---- Phase: warm queries ------------------------------------------------------------------
    // at rest: the store's moves and checkpoints after a load (its idle move starts 5 s after the
    // last write) ran beside the first queries (one-day newest 100 on telemetry: 50–100 ms for
    // ~8 s after a load, then 20–30 ms)
    querySettle = await waitUntilSettled(() => readProcessStats(server.pid), { timeoutMs: o.quick ? 30_000 : 120_000 });
    progress(`server ${querySettle.settled ? 'at rest' : 'still busy'} ${(querySettle.afterMs / 1000).toFixed(1)} s after the load`);
    cpuChecks.warmQueries = await cpuCheck('warm queries', o.quick);
    for (const spec of specs) {
      const first = await timedGet(server.url + spec.path);
      checkAnswer(spec, first, answers, 'warm-up run');
      const times: number[] = [];
      const took: number[] = [];
      for (let r = 0; r < o.warmRuns; r++) {
        const t = await timedGet(server.url + spec.path);
        checkAnswer(spec, t, answers, `warm run ${r + 1}`);
        times.push(t.ms);
        if (t.tookMs !== null) took.push(t.tookMs);
      }
      const result: QueryResult = {
        id: spec.id, row: spec.row, kind: spec.kind, label: spec.label, path: spec.path, peerMs: spec.peerMs,
        targetMs: spec.peerMs === null ? null : spec.peerMs * TARGETS.queryFactor,
        warm: { runs: times.length, medianMs: percentile(times, 50), p99Ms: percentile(times, 99), minMs: Math.min(...times), serverTookMedianMs: took.length ? percentile(took, 50) : null, samplesMs: times },
        cold: null,
        firstRunMs: first.ms,
        ...(spec.kind === 'count' && typeof (first.body as { total?: unknown }).total === 'number' ? { count: (first.body as { total: number }).total } : {}),
      };
      queryResults.push(result);
      progress(`[warm] ${spec.id}: median ${result.warm.medianMs} ms, p99 ${result.warm.p99Ms} ms (VictoriaLogs ${spec.peerMs} ms)`);
    }
    await stop(server);

    const restStoreBytes = await storeTarget.bytes();
    const restLogBytes = (await directorySize(dataDir)).diskBytes - (o.store === 'embedded' ? restStoreBytes : 0);
    disk.atRest = { totalBytes: restLogBytes + restStoreBytes, storeBytes: restStoreBytes, logBytes: restLogBytes };
    const diskBytes = Math.max(disk.atRest.totalBytes, 1);
    disk.bytesPerRecord = Number((diskBytes / records).toFixed(1));
    disk.ratioToNdjson = Number((diskBytes / load.rawBytesSent).toFixed(3));
    disk.storeBytesPerRecord = Number((restStoreBytes / records).toFixed(1));
    progress(`disk at rest: ${(diskBytes / 1e6).toFixed(1)} MB = ${disk.bytesPerRecord} B/record = ${disk.ratioToNdjson}× NDJSON ` +
      `(store ${(restStoreBytes / 1e6).toFixed(1)} MB, log ${(restLogBytes / 1e6).toFixed(1)} MB; live was ${((liveLogBytes + liveStoreBytes) / 1e6).toFixed(1)} MB)`);

    // ---- Phase: cold queries: each the first request after a restart on the same data dir -------
    cpuChecks.coldQueries = await cpuCheck('cold queries', o.quick);
    for (const spec of specs) {
      server = await start(`cold ${spec.id}`);
      const t = await timedGet(server.url + spec.path);
      checkAnswer(spec, t, answers, 'cold run');
      const result = queryResults.find((r) => r.id === spec.id)!;
      result.cold = { ms: t.ms, serverStartupMs: server.startupMs };
      progress(`[cold] ${spec.id}: ${t.ms} ms (server ready in ${server.startupMs} ms)`);
      await stop(server);
    }

    // ---- Phase: VictoriaLogs beside, on the same file with the same loader ----------------------
    if (o.victorialogs) {
      cpuChecks.victorialogs = await cpuCheck('VictoriaLogs', o.quick);
      measuredPeer = await runVictoriaLogs({ binary: o.victorialogs, file: recordsFile, queries: dataset.queries, truth, warmRuns: o.warmRuns, progress, probe: dataset.probe });
      for (const q of queryResults) {
        const figure = measuredPeer.queries.find((f) => f.id === q.row);
        q.peerMs = (q.kind === 'newest' ? figure?.newestMs : q.kind === 'count' ? figure?.countMs : figure?.ms) ?? null;
        q.targetMs = q.peerMs === null ? null : q.peerMs * TARGETS.queryFactor;
      }
    }
  } catch (error) {
    fail(`run aborted: ${error instanceof Error ? error.message : String(error)}`);
    loadgenChild?.kill('SIGKILL');
    if (current) await stop(current).catch(() => undefined);
  }

  // ---- Results ---------------------------------------------------------------------------------
  const finishedAt = new Date();
  const busy = Object.values(cpuChecks).some((c) => c.busy);
  const result: BenchResult = {
    schema: 1,
    dataset: { name: dataset.name, description: dataset.description, ...(o.file ? { file: o.file } : {}) },
    ...(o.store === 'embedded' ? {} : { store: o.store }),
    mode,
    records,
    seed: o.seed,
    commit,
    dirty,
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    durationS: Number(((finishedAt.getTime() - startedAt.getTime()) / 1000).toFixed(1)),
    machine: { cpus: cpus().length, totalMemoryGb: Number((totalmem() / 1024 ** 3).toFixed(1)), node: process.version },
    cpuChecks,
    busy,
    ...(querySettle ? { querySettle } : {}),
    ingest: ingest ?? null,
    freshness: freshness ? { ...freshness } : null,
    disk: disk ?? null,
    server: { runs: serverRuns, peakRssBytes: Math.max(peakRssBytes, ingest?.peakRssBytes ?? 0) },
    queries: queryResults,
    checks: { run: checksRun, wrong: wrongAnswers.length },
    wrongAnswers,
    failures,
    peer: measuredPeer ? peerFigures(measuredPeer) : dataset.name === 'dyte' ? VICTORIALOGS : null,
    ...(measuredPeer ? { measuredPeer } : {}),
    targets: TARGETS,
  };
  mkdirSync(o.resultsDir, { recursive: true });
  const sizeSuffix = records === defaultRecords || o.file ? '' : `-${records >= 1e6 && records % 1e6 === 0 ? `${records / 1e6}m` : records}`;
  // dyte results keep the names they had before there were several datasets
  const datasetSuffix = dataset.name === 'dyte' ? '' : `-${dataset.name}`;
  const storeSuffix = o.store === 'embedded' ? '' : `-${o.store}`;
  const name = `${startedAt.toISOString().slice(0, 10)}-${commit}${datasetSuffix}${storeSuffix}${o.quick ? '-quick' : ''}${sizeSuffix}`;
  const previous = findPrevious(o.resultsDir, result, `${name}.json`);
  const markdown = renderMarkdown(result, previous);
  writeFileSync(join(o.resultsDir, `${name}.json`), JSON.stringify(result, null, 2) + '\n');
  writeFileSync(join(o.resultsDir, `${name}.md`), markdown);
  process.stdout.write(markdown);
  process.stderr.write('\n' + compareWithPrevious(result, previous).join('\n') + '\n');
  progress(`wrote ${join(o.resultsDir, name)}.json and .md`);

  if (o.keepData) progress(`data kept in ${tmp}`);
  else rmSync(tmp, { recursive: true, force: true });

  if (wrongAnswers.length > 0) {
    const bar = '!'.repeat(78);
    process.stderr.write(`\n${bar}\n!!! WRONG QUERY ANSWERS (${wrongAnswers.length}) — exactness is required\n${bar}\n`);
    for (const w of wrongAnswers.slice(0, 50)) process.stderr.write(`!!! ${w}\n`);
    if (wrongAnswers.length > 50) process.stderr.write(`!!! … and ${wrongAnswers.length - 50} more (see the JSON)\n`);
    process.stderr.write(`${bar}\n`);
  }
  if (failures.length > 0) {
    process.stderr.write(`\nFAILURES (${failures.length}):\n${failures.map((f) => `  - ${f}`).join('\n')}\n`);
  }
  if (busy) process.stderr.write('\nnote: the machine was busy during at least one phase (cpu-check): the figures are noisy\n');
  return { code: wrongAnswers.length > 0 || failures.length > 0 ? 1 : 0, result };
}

async function main(): Promise<number> {
  const o = parseOptions();
  const [nodeMajor] = process.versions.node.split('.').map(Number);
  if (nodeMajor! < 24) throw new Error(`bench/run.ts needs Node 24 (this is ${process.version}): use node_modules/.bin/node or npm run bench`);
  const datasets = o.file ? [await fileDataset(o.file)] : o.datasets.map(datasetNamed);
  const results: BenchResult[] = [];
  let code = 0;
  for (const dataset of datasets) {
    const run = await runDataset(dataset, o);
    results.push(run.result);
    code = Math.max(code, run.code);
  }
  if (results.length > 1) {
    const summary = renderSummary(results);
    const first = results[0]!;
    const name = `${first.startedAt.slice(0, 10)}-${first.commit}-summary${o.quick ? '-quick' : ''}`;
    writeFileSync(join(o.resultsDir, `${name}.md`), summary);
    process.stdout.write(`\n${summary}`);
    progress(`wrote ${join(o.resultsDir, name)}.md`);
  }
  return code;
}

/**
 * The OpenSearch store under test: its indices dropped, a tributary.yaml in the server's working
 * directory pointing it there, and its size read from the cluster (the data dir holds only the log).
 */
async function openSearchTarget(url: string, cwd: string): Promise<{ bytes: () => Promise<number> }> {
  const { OpenSearchStore } = await import('../src/stores/opensearch/opensearch-store.ts');
  const store = await OpenSearchStore.open(url, { indexPrefix: BENCH_INDEX_PREFIX });
  await store.drop();
  await store.close();
  writeFileSync(join(cwd, 'tributary.yaml'), `store:\n  engine: opensearch\n  opensearch:\n    url: "${url}"\n    indexPrefix: ${BENCH_INDEX_PREFIX}\n`);
  progress(`store: OpenSearch at ${url} (indices ${BENCH_INDEX_PREFIX}-*, dropped first); its JVM's memory and CPU are not in the server figures`);
  return {
    async bytes() {
      await fetch(`${url}/${BENCH_INDEX_PREFIX}-*/_flush`, { method: 'POST' });
      const stats = await (await fetch(`${url}/${BENCH_INDEX_PREFIX}-*/_stats/store`)).json() as { _all?: { total?: { store?: { size_in_bytes?: number } } } };
      return stats._all?.total?.store?.size_in_bytes ?? 0;
    },
  };
}

/** The newest earlier result of the same dataset, mode and size (by startedAt), if any. */
function findPrevious(dir: string, current: BenchResult, ownFile: string): BenchResult | undefined {
  let best: BenchResult | undefined;
  for (const file of readdirSync(dir)) {
    if (!file.endsWith('.json')) continue;
    try {
      const r = JSON.parse(readFileSync(join(dir, file), 'utf8')) as BenchResult;
      if (r.schema !== 1 || r.mode !== current.mode || r.records !== current.records || datasetOf(r) !== datasetOf(current)) continue;
      if ((r.store ?? 'embedded') !== (current.store ?? 'embedded')) continue;
      if (r.startedAt >= current.startedAt) continue;
      if (basename(file) === ownFile && r.startedAt === current.startedAt) continue;
      if (!best || r.startedAt > best.startedAt) best = r;
    } catch {
      // not a result file
    }
  }
  return best;
}

if (import.meta.main && process.argv.includes('--pipeline')) {
  const { pipelineBench } = await import('./pipeline.ts');
  await pipelineBench(process.argv.slice(2));
} else if (import.meta.main) {
  main().then((code) => {
    process.exitCode = code;
  }, (error: unknown) => {
    process.stderr.write(`bench: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
}
