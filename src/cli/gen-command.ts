// tributary gen user-login | api-requests — the seed presets' data generators as a command: paced
// output (N/s, N/m or max) in small batches per tick, to a running server (user-login), a file
// opened for appending (so a tailer sees lines arrive) or stdout. Ctrl-C stops after the batch in flight.
import { open } from 'node:fs/promises';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { Option } from 'commander';
import type { Command } from 'commander';
import { authHeaders, CliError, serverUrl } from './server-client.ts';
import { isStreamName, streamNameProblem } from '../record/stream-name.ts';
import { userLoginEvents, userLoginLine } from '../presets/user-login/generate.ts';
import { apiRequestLines } from '../presets/api-requests/generate.ts';
import { telemetryBatches } from '../presets/sunbird-telemetry/generate.ts';
import { functionCallEvents, ratePerSecond } from '../presets/function-call-logs/generate.ts';

export type Rate = number | 'max';

const TICK_MS = 100;
const MAX_BATCH = 2000;
const PROGRESS_MS = 5000;

/** `2/s`, `100/m`, a bare number (per second) or `max`; records per second. */
export function parseRate(text: string): Rate {
  const value = text.trim().toLowerCase();
  if (value === 'max') return 'max';
  const match = /^(\d+(?:\.\d+)?)(?:\/(s|sec|m|min))?$/.exec(value);
  const perUnit = match ? Number(match[1]) : NaN;
  if (!match || !(perUnit > 0)) throw new CliError(`--rate ${JSON.stringify(text)} is not a rate: write N/s, N/m (e.g. 2/s, 100/m) or max`);
  return match[2] === 'm' || match[2] === 'min' ? perUnit / 60 : perUnit;
}

interface Sink {
  label: string;
  /** False once the reader went away (a closed pipe): stop generating. */
  write(lines: string[]): Promise<boolean>;
  close(): Promise<void>;
}

function stdoutSink(): Sink {
  let closed = false;
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    closed = true;
  });
  return {
    label: 'stdout',
    async write(lines) {
      if (closed) return false;
      try {
        if (!process.stdout.write(`${lines.join('\n')}\n`)) await once(process.stdout, 'drain');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EPIPE') throw error;
        closed = true;
      }
      return !closed;
    },
    async close() {},
  };
}

async function fileSink(path: string): Promise<Sink> {
  if (path === '-') return stdoutSink();
  const handle = await open(path, 'a').catch((error: Error) => {
    throw new CliError(`cannot open ${path} for appending: ${error.message}`);
  });
  return {
    label: path,
    async write(lines) {
      await handle.write(`${lines.join('\n')}\n`);
      return true;
    },
    close: () => handle.close(),
  };
}

/** POSTs a body, waiting out 429/503 (Retry-After) up to 20 times; a refusal is an error naming it. */
async function postBody(base: string, url: string, body: string, contentType: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    let response: Response;
    try {
      response = await fetch(url, { method: 'POST', body, headers: { 'content-type': contentType, ...authHeaders() } });
    } catch {
      throw new CliError(`cannot reach Tributary at ${base}: is \`tributary start\` running? Start it with 'npx tributary start', or pass --server URL (or set TRIBUTARY_URL), or write to a file with --out FILE`);
    }
    const text = await response.text();
    if (response.ok) return;
    if ((response.status === 429 || response.status === 503) && attempt < 20) {
      const retryAfter = Number(response.headers.get('retry-after'));
      await sleep(retryAfter > 0 ? retryAfter * 1000 : Math.min(4000, 250 * 2 ** attempt));
      continue;
    }
    let message = text.slice(0, 300);
    try {
      const answer = JSON.parse(text) as { error?: { message?: string }; params?: { errmsg?: string } };
      message = answer.error?.message ?? answer.params?.errmsg ?? message;
    } catch { /* not JSON: the raw text is the message */ }
    throw new CliError(`${base} refused a batch (HTTP ${response.status}): ${message}`);
  }
}

function httpSink(base: string, stream: string): Sink {
  const url = `${base}/api/v1/logs?stream=${encodeURIComponent(stream)}`;
  return {
    label: `${base} stream ${stream}`,
    async write(lines) {
      await postBody(base, url, lines.join('\n'), 'application/x-ndjson');
      return true;
    },
    async close() {},
  };
}

/** Each line a Sunbird telemetry batch, posted on its own to /v1/telemetry as the portal's SDK does. */
function telemetrySink(base: string): Sink {
  const url = `${base}/v1/telemetry`;
  return {
    label: url,
    async write(lines) {
      for (const line of lines) await postBody(base, url, line, 'application/json');
      return true;
    },
    async close() {},
  };
}

type Line = { text: string; valid: boolean };

function* mapped<T>(source: Iterable<T>, toLine: (item: T) => Line): Generator<Line> {
  for (const item of source) yield toLine(item);
}

interface RunOptions {
  name: string;
  rate: Rate;
  count: number;
  seed: number;
}

/** Sends `count` lines (or until Ctrl-C) at `rate`, in one batch per tick. */
async function pump(lines: Iterator<Line>, sink: Sink, options: RunOptions): Promise<void> {
  const { name, rate, count } = options;
  const stopper = new AbortController();
  const onSigint = () => {
    if (stopper.signal.aborted) process.exit(130); // a second Ctrl-C: leave now, as consume does
    stopper.abort();
  };
  process.on('SIGINT', onSigint);
  const started = performance.now();
  let sent = 0;
  let invalid = 0;
  const elapsedSec = () => (performance.now() - started) / 1000;
  const summary = () => `${sent} sent${invalid > 0 ? ` (${invalid} invalid)` : ''} to ${sink.label} in ${elapsedSec().toFixed(1)} s, ${(sent / Math.max(elapsedSec(), 1e-3)).toFixed(1)}/s`;
  const progress = setInterval(() => console.error(`gen ${name}: ${summary()}`), PROGRESS_MS);
  try {
    while (!stopper.signal.aborted && sent < count) {
      let n = Math.min(MAX_BATCH, count - sent);
      if (rate !== 'max') {
        const due = Math.floor(elapsedSec() * rate) + 1;
        n = Math.min(n, due - sent);
        if (n <= 0) {
          const nextDueMs = (sent / rate) * 1000 - (performance.now() - started);
          await sleep(Math.max(TICK_MS, nextDueMs), undefined, { signal: stopper.signal }).catch(() => {});
          continue;
        }
      }
      const batch: string[] = [];
      for (let i = 0; i < n; i++) {
        const next = lines.next().value!;
        if (!next.valid) invalid += 1;
        batch.push(next.text);
      }
      const stillOpen = await sink.write(batch);
      sent += n;
      if (!stillOpen) break;
      if (rate === 'max') await new Promise(setImmediate);
    }
  } finally {
    clearInterval(progress);
    process.off('SIGINT', onSigint);
    await sink.close();
  }
  console.error(`gen ${name}: ${summary()}, seed ${options.seed}${stopper.signal.aborted ? ' (stopped by Ctrl-C)' : ''}`);
}

function numberFlag(value: string | undefined, flag: string, check: (n: number) => boolean, expected: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !check(n)) throw new CliError(`${flag} must be ${expected}, got ${JSON.stringify(value)}`);
  return n;
}
const positiveInt = (value: string | undefined, flag: string) => numberFlag(value, flag, (n) => Number.isInteger(n) && n >= 1, 'a positive integer');
const share = (value: string | undefined, flag: string) => numberFlag(value, flag, (n) => n >= 0 && n <= 1, 'a share between 0 and 1 (e.g. 0.05)');

function seedFlag(value: string | undefined): number {
  return numberFlag(value, '--seed', Number.isSafeInteger, 'an integer') ?? Math.floor(Math.random() * 2 ** 32);
}

/** Epoch seconds, epoch ms (13 digits) or an ISO time; returns epoch ms. */
function timeFlag(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  if (/^\d+$/.test(value)) return value.length >= 13 ? Number(value) : Number(value) * 1000;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new CliError(`${flag} must be epoch seconds or an ISO 8601 time, got ${JSON.stringify(value)}`);
  return ms;
}

interface CommonFlags {
  rate: string;
  count?: string;
  seed?: string;
  out?: string;
}

interface UserLoginFlags extends CommonFlags {
  invalidShare?: string;
  users?: string;
  otherVersionShare?: string;
  secondsPerRecord?: string;
  startTime?: string;
  server?: string;
  url?: string;
  stream: string;
}

interface FunctionCallFlags extends Omit<CommonFlags, 'rate'> {
  rate?: string;
  users: string;
  invalidShare?: string;
  server?: string;
  stream: string;
}

interface SunbirdFlags extends CommonFlags {
  batchSize?: string;
  invalidShare?: string;
  repeatShare?: string;
  server?: string;
  out?: string;
}

interface ApiRequestsFlags extends CommonFlags {
  customers?: string;
  days?: string;
  now?: string;
  malformedShare?: string;
}

async function guarded(action: () => Promise<void>): Promise<void> {
  try {
    await action();
  } catch (error) {
    if (!(error instanceof CliError || error instanceof RangeError)) throw error;
    console.error(`tributary gen: ${error.message}`);
    process.exitCode = 1;
  }
  // an idle keep-alive socket must not keep a finished command alive
  setTimeout(() => process.exit(), 2000).unref();
}

function common(command: Command, defaultRate: string): Command {
  return command
    .option('--rate <rate>', 'pace: N/s, N/m or max (as fast as the target takes it)', defaultRate)
    .option('--count <n>', 'stop after N records (default: run until Ctrl-C)')
    .option('--seed <n>', 'PRNG seed; the same seed gives the same records (default: random, printed at the end)');
}

export function registerGen(program: Command): void {
  const gen = program.command('gen').description("generate the seed presets' data: user-login events, api-requests log lines, function-call logs, Sunbird telemetry batches");

  common(gen.command('user-login'), '2/s')
    .description('user-login events (seed 001) as NDJSON, to a running server or a file')
    .option('--invalid-share <x>', 'share of records missing required fields', '0.05')
    .option('--users <n>', 'draw users from a pool of N (default: a fresh user per record, as the seed)')
    .option('--other-version-share <x>', 'share of records with an app_version other than 2.3.0', '0')
    .option('--seconds-per-record <s>', 'event time advance per record (default: 1/rate; 0.5 with --rate max)')
    .option('--start-time <time>', 'event time of the first record: epoch seconds or ISO 8601 (default: now)')
    .option('--stream <name>', 'stream to ingest into', 'user-login')
    .option('--server <url>', 'the running Tributary (default http://127.0.0.1:3000; env TRIBUTARY_URL)')
    .addOption(new Option('--url <url>').hideHelp())
    .option('--out <file>', "write NDJSON to FILE (appending) instead of the server; '-' = stdout")
    .action((flags: UserLoginFlags) => guarded(async () => {
      const rate = parseRate(flags.rate);
      const count = positiveInt(flags.count, '--count') ?? Infinity;
      const seed = seedFlag(flags.seed);
      if (!isStreamName(flags.stream)) throw new CliError(`--stream: ${streamNameProblem(flags.stream)}`);
      const startMs = timeFlag(flags.startTime, '--start-time');
      const events = userLoginEvents({
        seed,
        invalidShare: share(flags.invalidShare, '--invalid-share'),
        users: positiveInt(flags.users, '--users'),
        otherVersionShare: share(flags.otherVersionShare, '--other-version-share'),
        secondsPerRecord: numberFlag(flags.secondsPerRecord, '--seconds-per-record', (n) => n >= 0, 'a number of seconds >= 0') ?? (rate === 'max' ? 0.5 : 1 / rate),
        startTimeSec: startMs === undefined ? undefined : Math.floor(startMs / 1000),
      });
      const lines = mapped(events, ({ record, valid }) => ({ text: userLoginLine(record), valid }));
      const sink = flags.out !== undefined ? await fileSink(flags.out) : httpSink(serverUrl(flags.server ?? flags.url), flags.stream);
      await pump(lines, sink, { name: 'user-login', rate, count, seed });
    }));

  gen.command('function-calls')
    .description('function-call and leader-activity logs (seed 000) as NDJSON to stream eventsphere, which the preset routes')
    .option('--users <n>', 'users whose services log, ~700 logs each per hour (the rate follows unless --rate is given)', '500')
    .option('--rate <rate>', 'pace: N/s, N/m or max (default: the users\' traffic)')
    .option('--count <n>', 'stop after N records (default: run until Ctrl-C)')
    .option('--seed <n>', 'PRNG seed; the same seed gives the same records (default: random, printed at the end)')
    .option('--invalid-share <x>', 'share of records breaking the seed\'s field rules', '0.01')
    .option('--stream <name>', 'stream to ingest into', 'eventsphere')
    .option('--server <url>', 'the running Tributary (default http://127.0.0.1:3000; env TRIBUTARY_URL)')
    .option('--out <file>', "write NDJSON to FILE (appending) instead of the server; '-' = stdout")
    .action((flags: FunctionCallFlags) => guarded(async () => {
      const users = positiveInt(flags.users, '--users')!;
      const rate = flags.rate === undefined ? ratePerSecond(users) : parseRate(flags.rate);
      const count = positiveInt(flags.count, '--count') ?? Infinity;
      const seed = seedFlag(flags.seed);
      if (!isStreamName(flags.stream)) throw new CliError(`--stream: ${streamNameProblem(flags.stream)}`);
      const events = functionCallEvents({ seed, users, invalidShare: share(flags.invalidShare, '--invalid-share') });
      const lines = mapped(events, ({ record, valid }) => ({ text: JSON.stringify(record), valid }));
      const sink = flags.out !== undefined ? await fileSink(flags.out) : httpSink(serverUrl(flags.server), flags.stream);
      await pump(lines, sink, { name: 'function-calls', rate, count, seed });
    }));

  common(gen.command('sunbird'), '2/s')
    .description('Sunbird telemetry v3 batches (seed 003) posted to /v1/telemetry; the rate counts batches')
    .option('--batch-size <n>', 'events per batch', '50')
    .option('--invalid-share <x>', 'share of events breaking their schema', '0.02')
    .option('--repeat-share <x>', 'share of events sent again (the same mid)', '0.02')
    .option('--server <url>', 'the running Tributary (default http://127.0.0.1:3000; env TRIBUTARY_URL)')
    .option('--out <file>', "write one batch per line to FILE (appending) instead of the server; '-' = stdout")
    .action((flags: SunbirdFlags) => guarded(async () => {
      const rate = parseRate(flags.rate);
      const count = positiveInt(flags.count, '--count') ?? Infinity;
      const seed = seedFlag(flags.seed);
      const batches = telemetryBatches(count, {
        seed,
        batchSize: positiveInt(flags.batchSize, '--batch-size'),
        invalidShare: share(flags.invalidShare, '--invalid-share'),
        repeatShare: share(flags.repeatShare, '--repeat-share'),
      });
      const lines = mapped(batches, ({ batch, kinds }) => ({ text: JSON.stringify(batch), valid: !kinds.includes('invalid') }));
      const sink = flags.out !== undefined ? await fileSink(flags.out) : telemetrySink(serverUrl(flags.server));
      await pump(lines, sink, { name: 'sunbird', rate, count, seed });
    }));

  common(gen.command('api-requests'), '1000/s')
    .description('api_requests.log lines (seed 004), appended to a file')
    .option('--customers <n>', 'customers cust_1..cust_N', '50')
    .option('--days <n>', 'timestamps uniform over the last N days', '30')
    .option('--now <time>', 'end of that window: epoch seconds or ISO 8601 (default: now)')
    .option('--malformed-share <x>', 'share of malformed lines (missing tokens, bad status, impossible dates)', '0')
    .option('--out <file>', "file to append to; '-' = stdout", 'api_requests.log')
    .action((flags: ApiRequestsFlags) => guarded(async () => {
      const rate = parseRate(flags.rate);
      const count = positiveInt(flags.count, '--count') ?? Infinity;
      const seed = seedFlag(flags.seed);
      const generated = apiRequestLines({
        seed,
        customers: positiveInt(flags.customers, '--customers'),
        days: numberFlag(flags.days, '--days', (n) => n > 0, 'a number of days > 0'),
        now: timeFlag(flags.now, '--now'),
        malformedShare: share(flags.malformedShare, '--malformed-share'),
      });
      const lines = mapped(generated, ({ line, valid }) => ({ text: line, valid }));
      await pump(lines, await fileSink(flags.out ?? 'api_requests.log'), { name: 'api-requests', rate, count, seed });
    }));
}
