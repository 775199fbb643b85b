// Load generator: sends the deterministic benchmark workload (or an NDJSON file's lines, in order)
// to an ingest URL, in its own process.
//
//   node bench/loadgen.ts --url http://127.0.0.1:3000/api/v1/logs --records 1000000 | --file logs.ndjson \
//     [--batch 1000] [--concurrency 4] [--format ndjson|gzip|es-bulk] [--gzip] [--rate R|max]
//     [--seed 1] [--start-index 0] [--end-time ISO|ms|now] [--span-days 7]
//     [--header 'Name: value']... [--prebuild-mb MB] [--max-retries 50] [--timeout-ms 60000] [--quiet]
//
// Bodies are built before the clock starts when they fit in --prebuild-mb (default a quarter of
// free memory, at most 4 GiB), else each sender builds its next body while its current request
// is in flight (~2.4 µs of CPU per record, reported apart as cpu.buildDuringRunMs). Requests go over keep-alive node:http; 2xx counts accepted records (the response's
// "accepted" number, or the successes of an Elasticsearch bulk response, else the batch size);
// 429/503 and network errors are retried, honouring Retry-After. Progress goes to stderr each
// second; the summary is one JSON object on stdout.

import { statSync } from 'node:fs';
import { freemem } from 'node:os';
import { parseArgs } from 'node:util';
import { parseEndTime } from './expected.ts';
import type { GeneratorOptions } from './generator.ts';
import { errorCode, keepAliveAgent, post, retryAfterMs, sleep } from './http-post.ts';
import type { PostResult, PostTarget } from './http-post.ts';
import { percentile } from './percentile.ts';
import { bodyHeaders, buildRequestBody, fileBodies, isBodyFormat } from './request-bodies.ts';
import type { BodyFormat, BodySpec, RequestBody } from './request-bodies.ts';

export interface LoadOptions {
  url: string;
  /** Records to generate; with `file`, the file's records are sent and this is ignored. */
  records: number;
  /** An NDJSON file to send instead of the generated workload. */
  file?: string;
  batch: number;
  concurrency: number;
  format: BodyFormat;
  gzip?: boolean;
  /** Records per second, or 'max'. */
  rate: number | 'max';
  seed: number;
  startIndex?: number;
  generator?: GeneratorOptions;
  headers?: Record<string, string>;
  /** Build all bodies before the clock when their estimated size is at most this.
   *  Default: a quarter of free memory, at most 4 GiB (10M ndjson records ≈ 3.8 GB). */
  prebuildMaxBytes?: number;
  /** Retries of one batch (429, 503, network errors) before it counts as failed. Default 50. */
  maxRetries?: number;
  timeoutMs?: number;
  /** Called about once a second while running. */
  onProgress?: (p: LoadProgress) => void;
}

export interface LoadProgress {
  elapsedMs: number;
  recordsSent: number;
  recordsAccepted: number;
  recordsPerSecNow: number;
  retries: number;
  errors: number;
}

export interface LoadSummary {
  url: string;
  format: BodyFormat;
  gzip: boolean;
  seed: number;
  startIndex: number;
  records: number;
  batch: number;
  concurrency: number;
  rate: number | 'max';
  prebuilt: boolean;
  /** Records of batches that got a final response (2xx or not). */
  recordsSent: number;
  recordsAccepted: number;
  /** Records of batches refused (non-retryable status, or retries exhausted). */
  recordsFailed: number;
  requests: number;
  retries: number;
  durationMs: number;
  recordsPerSec: number;
  /** Body bytes on the wire (compressed if compressed), first attempts only, per second. */
  mbPerSec: number;
  bytesSent: number;
  rawBytesSent: number;
  requestLatencyMs: { p50: number; p99: number; max: number };
  cpu: {
    /** Building bodies before the clock. */
    prebuildMs: number;
    /** Building bodies during the run (only when not prebuilt). */
    buildDuringRunMs: number;
    /** Everything else during the run: HTTP, accounting. */
    sendMs: number;
    sendMsPer100kRecords: number;
    /** All CPU of the process (prebuild included) per 100k records. */
    allInMsPer100kRecords: number;
    /** Cores used on average during the run. */
    avgCoresDuringRun: number;
  };
  /** Every non-2xx response or network error by status / error code, retried ones included. */
  errors: Record<string, number>;
}

const ESTIMATED_RAW_BYTES_PER_RECORD = 400;
const MAX_BACKOFF_MS = 5000;

export function defaultPrebuildMaxBytes(): number {
  return Math.min(4 * 1024 ** 3, Math.floor(freemem() / 4));
}

function cpuMs(usage: NodeJS.CpuUsage): number {
  return (usage.user + usage.system) / 1000;
}

function acceptedRecords(result: PostResult, batchRecords: number): number {
  const text = result.text.trim();
  if (!text.startsWith('{') || text.includes('"errors":false')) return batchRecords;
  try {
    const json = JSON.parse(text) as { accepted?: unknown; items?: unknown };
    if (typeof json.accepted === 'number') return Math.min(json.accepted, batchRecords);
    if (Array.isArray(json.items)) {
      return json.items.filter((item: Record<string, { status?: number } | undefined>) => {
        const action = item.create ?? item.index;
        return action?.status !== undefined && action.status < 300;
      }).length;
    }
  } catch {
    // not JSON: the 2xx counts for the batch
  }
  return batchRecords;
}

export async function runLoad(o: LoadOptions): Promise<LoadSummary> {
  if (!(o.records >= 0 && o.batch >= 1 && o.concurrency >= 1)) throw new Error('bad records/batch/concurrency');
  const startIndex = o.startIndex ?? 0;
  const spec: BodySpec = { format: o.format, seed: o.seed, generator: o.generator ?? {}, gzip: o.gzip ?? false };
  const url = new URL(o.url);
  const target: PostTarget = {
    url,
    agent: keepAliveAgent(url, o.concurrency),
    headers: { ...bodyHeaders(spec), ...o.headers },
    timeoutMs: o.timeoutMs ?? 60_000,
  };
  const maxRetries = o.maxRetries ?? 50;
  let fileBatches: Iterator<RequestBody> | undefined;
  if (o.file !== undefined) {
    const file = o.file;
    o = { ...o, records: Math.max(1, Math.round(statSync(file).size / ESTIMATED_RAW_BYTES_PER_RECORD)) };
    fileBatches = fileBodies(file, o.batch, spec);
  }
  const batchCount = fileBatches ? Number.POSITIVE_INFINITY : Math.ceil(o.records / o.batch);
  const batchAt = (k: number): [number, number] =>
    [startIndex + k * o.batch, Math.min(o.batch, o.records - k * o.batch)];
  const compressed = o.format === 'gzip' || spec.gzip === true;
  const estimatedBytes = (o.records * ESTIMATED_RAW_BYTES_PER_RECORD) / (compressed ? 4 : 1);
  const prebuilt = estimatedBytes <= (o.prebuildMaxBytes ?? defaultPrebuildMaxBytes());
  const build = (k: number): RequestBody | undefined => {
    if (!fileBatches) return buildRequestBody(spec, ...batchAt(k));
    const next = fileBatches.next();
    return next.done ? undefined : next.value;
  };

  const cpuAtStart = process.cpuUsage();
  const bodies: RequestBody[] = [];
  if (prebuilt) {
    for (let k = 0; k < batchCount; k++) {
      const body = build(k);
      if (!body) break;
      bodies.push(body);
    }
  }
  if (fileBatches && prebuilt) o = { ...o, records: bodies.reduce((sum, b) => sum + b.records, 0) };
  const prebuildMs = cpuMs(process.cpuUsage(cpuAtStart));

  let nextBatch = 0;
  let buildDuringRunMs = 0;
  let recordsSent = 0;
  let recordsAccepted = 0;
  let recordsFailed = 0;
  let requests = 0;
  let retries = 0;
  let bytesSent = 0;
  let rawBytesSent = 0;
  let errorCount = 0;
  const errors: Record<string, number> = {};
  const latencies: number[] = [];
  const countError = (key: string): void => {
    errors[key] = (errors[key] ?? 0) + 1;
    errorCount++;
  };

  const takeBody = (): RequestBody | undefined => {
    if (nextBatch >= batchCount) return undefined;
    const k = nextBatch++;
    if (prebuilt) {
      const body = bodies[k];
      bodies[k] = undefined as unknown as RequestBody; // let it be collected once sent
      return body;
    }
    const before = process.cpuUsage();
    const body = build(k);
    buildDuringRunMs += cpuMs(process.cpuUsage(before));
    return body;
  };

  const clockStart = performance.now();
  const cpuAtClock = process.cpuUsage();
  let scheduledRecords = 0;
  const paceFor = async (records: number): Promise<void> => {
    if (o.rate === 'max') return;
    const dueMs = clockStart + (scheduledRecords / o.rate) * 1000;
    scheduledRecords += records;
    const wait = dueMs - performance.now();
    if (wait > 0) await sleep(wait);
  };

  const sendWithRetry = async (b: RequestBody): Promise<void> => {
    for (let attempt = 0; ; attempt++) {
      const sentAt = performance.now();
      let delayMs: number | undefined;
      try {
        const result = await post(target, b.body);
        requests++;
        latencies.push(performance.now() - sentAt);
        if (result.status >= 200 && result.status < 300) {
          recordsSent += b.records;
          recordsAccepted += acceptedRecords(result, b.records);
          bytesSent += b.body.length;
          rawBytesSent += b.rawBytes;
          return;
        }
        countError(String(result.status));
        if (result.status !== 429 && result.status !== 503) {
          recordsSent += b.records;
          recordsFailed += b.records;
          return;
        }
        delayMs = retryAfterMs(result.retryAfter);
      } catch (error) {
        countError(errorCode(error));
      }
      if (attempt >= maxRetries) {
        recordsFailed += b.records;
        return;
      }
      retries++;
      await sleep(delayMs ?? Math.min(MAX_BACKOFF_MS, 50 * 2 ** attempt));
    }
  };

  const sender = async (): Promise<void> => {
    let current = takeBody();
    while (current) {
      await paceFor(current.records);
      const inFlight = sendWithRetry(current);
      const next = takeBody(); // built while the request is in flight
      await inFlight;
      current = next;
    }
  };

  let lastProgressRecords = 0;
  let lastProgressAt = clockStart;
  const progressTimer = setInterval(() => {
    const now = performance.now();
    o.onProgress?.({
      elapsedMs: now - clockStart,
      recordsSent,
      recordsAccepted,
      recordsPerSecNow: ((recordsAccepted - lastProgressRecords) * 1000) / (now - lastProgressAt),
      retries,
      errors: errorCount,
    });
    lastProgressRecords = recordsAccepted;
    lastProgressAt = now;
  }, 1000);
  try {
    await Promise.all(Array.from({ length: Math.min(o.concurrency, Math.max(1, batchCount)) }, sender));
    if (fileBatches) o = { ...o, records: recordsSent + recordsFailed };
  } finally {
    clearInterval(progressTimer);
    target.agent.destroy();
  }

  const durationMs = performance.now() - clockStart;
  const runCpuMs = cpuMs(process.cpuUsage(cpuAtClock));
  const sendMs = runCpuMs - buildDuringRunMs;
  const per100k = (ms: number): number => (o.records > 0 ? (ms / o.records) * 100_000 : 0);
  const round = (x: number, digits = 1): number => Number.isFinite(x) ? Number(x.toFixed(digits)) : x;
  return {
    url: o.url,
    format: o.format,
    gzip: compressed,
    seed: o.seed,
    startIndex,
    records: o.records,
    batch: o.batch,
    concurrency: o.concurrency,
    rate: o.rate,
    prebuilt,
    recordsSent,
    recordsAccepted,
    recordsFailed,
    requests,
    retries,
    durationMs: round(durationMs),
    recordsPerSec: round((recordsAccepted * 1000) / durationMs, 0),
    mbPerSec: round(bytesSent / 1e6 / (durationMs / 1000), 2),
    bytesSent,
    rawBytesSent,
    requestLatencyMs: {
      p50: round(percentile(latencies, 50)), p99: round(percentile(latencies, 99)), max: round(latencies.reduce((a, b) => Math.max(a, b), 0)),
    },
    cpu: {
      prebuildMs: round(prebuildMs),
      buildDuringRunMs: round(buildDuringRunMs),
      sendMs: round(sendMs),
      sendMsPer100kRecords: round(per100k(sendMs)),
      allInMsPer100kRecords: round(per100k(prebuildMs + runCpuMs)),
      avgCoresDuringRun: round(runCpuMs / durationMs, 3),
    },
    errors,
  };
}

function parseHeaders(lines: readonly string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon <= 0) throw new Error(`bad --header ${line} (want 'Name: value')`);
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return headers;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      url: { type: 'string' },
      records: { type: 'string' },
      file: { type: 'string' },
      batch: { type: 'string', default: '1000' },
      concurrency: { type: 'string', default: '4' },
      format: { type: 'string', default: 'ndjson' },
      gzip: { type: 'boolean', default: false },
      rate: { type: 'string', default: 'max' },
      seed: { type: 'string', default: '1' },
      'start-index': { type: 'string', default: '0' },
      'end-time': { type: 'string' },
      'span-days': { type: 'string' },
      header: { type: 'string', multiple: true, default: [] },
      'prebuild-mb': { type: 'string' },
      'max-retries': { type: 'string', default: '50' },
      'timeout-ms': { type: 'string', default: '60000' },
      quiet: { type: 'boolean', default: false },
    },
  });
  if (values.url === undefined || (values.records === undefined && values.file === undefined)) throw new Error('--url and --records N or --file NDJSON are required');
  if (!isBodyFormat(values.format)) throw new Error(`bad --format ${values.format}`);
  const endTimeMs = parseEndTime(values['end-time']);
  const rate = values.rate === 'max' ? 'max' : Number(values.rate);
  if (rate !== 'max' && !(rate > 0)) throw new Error(`bad --rate ${values.rate}`);
  const summary = await runLoad({
    url: values.url,
    records: Number(values.records ?? 0),
    ...(values.file === undefined ? {} : { file: values.file }),
    batch: Number(values.batch),
    concurrency: Number(values.concurrency),
    format: values.format,
    gzip: values.gzip,
    rate,
    seed: Number(values.seed),
    startIndex: Number(values['start-index']),
    generator: {
      ...(endTimeMs === undefined ? {} : { endTimeMs }),
      ...(values['span-days'] === undefined ? {} : { spanDays: Number(values['span-days']) }),
    },
    headers: parseHeaders(values.header),
    prebuildMaxBytes: values['prebuild-mb'] === undefined ? defaultPrebuildMaxBytes() : Number(values['prebuild-mb']) * 1024 * 1024,
    maxRetries: Number(values['max-retries']),
    timeoutMs: Number(values['timeout-ms']),
    onProgress: values.quiet ? undefined : (p) => process.stderr.write(
      `[loadgen] ${(p.elapsedMs / 1000).toFixed(1)}s accepted ${p.recordsAccepted} sent ${p.recordsSent} ` +
      `now ${Math.round(p.recordsPerSecNow)} rec/s retries ${p.retries} errors ${p.errors}\n`),
  });
  process.stdout.write(JSON.stringify(summary, null, 2) + '\n');
}

if (import.meta.main) {
  main().catch((error: unknown) => {
    process.stderr.write(`loadgen: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
}
