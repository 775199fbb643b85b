// Freshness probe: how long from an ingest's 2xx until the record is searchable.
//
//   node bench/freshness.ts --ingest-url http://127.0.0.1:3000/api/v1/logs \
//     --search-url http://127.0.0.1:3000/api/v1/search [--duration-s 30 | --probes N]
//     [--interval-ms 1000] [--poll-ms 20] [--timeout-ms 30000]
//
// Every interval it POSTs one JSON record whose message holds a unique marker word, then polls
// GET <search-url>?q=<marker>&limit=1 until the answer has total > 0 (or a hit); a peer's search
// API is asked through `searchParam` and `found` (VictoriaLogs: ?query=, any line). The latency of a
// probe is from the POST's 2xx response to the first search response that contains the record,
// so it includes up to one poll interval plus one query time. Meant to run beside a load.

import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { sleep } from './http-post.ts';
import { percentile } from './percentile.ts';

export interface FreshnessOptions {
  ingestUrl: string;
  searchUrl: string;
  /** Stop starting probes after this long (default 30 s) or after `probes` probes, whichever first. */
  durationMs?: number;
  probes?: number;
  intervalMs?: number;
  pollMs?: number;
  /** A probe not visible after this long counts as timed out. */
  timeoutMs?: number;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** The probe record to send (default probeRecord: a Dyte-format record); its message must contain the marker. */
  probe?: (marker: string, now: Date) => Record<string, unknown>;
  /** The search URL's parameter for the marker (default `q`). */
  searchParam?: string;
  /** Whether a search answer's text holds the record (default: Tributary's JSON, searchFoundSomething). */
  found?: (text: string) => boolean;
}

export interface FreshnessResult {
  probes: number;
  visible: number;
  timedOut: number;
  failedPosts: number;
  failedPostStatuses: Record<string, number>;
  latencyMs: { p50: number; p99: number; max: number; min: number };
  /** Per visible probe, ms from the ingest 2xx to first visibility, in probe order. */
  samplesMs: number[];
}

interface SearchAnswer {
  total?: unknown;
  hits?: unknown;
}

/** Our API's {"total": N, "hits": [...]}, also tolerating Elasticsearch's hits.hits shape. */
export function searchFoundSomething(answer: SearchAnswer): boolean {
  if (typeof answer.total === 'number' && answer.total > 0) return true;
  if (Array.isArray(answer.hits)) return answer.hits.length > 0;
  const nested = (answer.hits as { hits?: unknown } | undefined)?.hits;
  return Array.isArray(nested) && nested.length > 0;
}

export function probeRecord(marker: string, now = new Date()): Record<string, unknown> {
  return {
    level: 'info',
    message: `freshness probe ${marker}`,
    resourceId: 'server-probe',
    timestamp: now.toISOString(),
    traceId: randomBytes(16).toString('hex'),
    spanId: randomBytes(8).toString('hex'),
    commit: '0000000',
    metadata: { parentResourceId: 'server-probe', region: 'local', env: 'bench' },
    customer_id: 'cust_probe',
    latency_ms: 0,
    status: 200,
    probe_marker: marker,
  };
}

async function oneProbe(o: FreshnessOptions, marker: string): Promise<{ ms?: number; postStatus?: string }> {
  const headers = { 'content-type': 'application/json', ...o.headers };
  let postedAt: number;
  try {
    const res = await fetch(o.ingestUrl, { method: 'POST', headers, body: JSON.stringify((o.probe ?? probeRecord)(marker, new Date())) });
    await res.arrayBuffer();
    postedAt = performance.now();
    if (res.status < 200 || res.status >= 300) return { postStatus: String(res.status) };
  } catch (error) {
    return { postStatus: (error as { cause?: { code?: string } }).cause?.code ?? 'ERROR' };
  }
  const url = new URL(o.searchUrl);
  url.searchParams.set(o.searchParam ?? 'q', marker);
  url.searchParams.set('limit', '1');
  const found = o.found ?? ((text: string) => searchFoundSomething(JSON.parse(text) as SearchAnswer));
  const pollMs = o.pollMs ?? 20;
  const deadline = postedAt + (o.timeoutMs ?? 30_000);
  while (performance.now() < deadline) {
    const pollStart = performance.now();
    try {
      const res = await fetch(url, { headers: o.headers });
      if (res.ok && found(await res.text())) return { ms: performance.now() - postedAt };
      if (!res.ok) await res.arrayBuffer();
    } catch {
      // the server may be busy or restarting: keep polling until the deadline
    }
    const wait = pollStart + pollMs - performance.now();
    if (wait > 0) await sleep(wait);
  }
  return {};
}

export async function probeFreshness(o: FreshnessOptions): Promise<FreshnessResult> {
  const runId = randomBytes(4).toString('hex');
  const intervalMs = o.intervalMs ?? 1000;
  const maxProbes = o.probes ?? Number.POSITIVE_INFINITY;
  const durationMs = o.durationMs ?? (o.probes === undefined ? 30_000 : Number.POSITIVE_INFINITY);
  const started = performance.now();
  const running: Array<Promise<{ ms?: number; postStatus?: string }>> = [];
  for (let k = 0; k < maxProbes && performance.now() - started < durationMs && !o.signal?.aborted; k++) {
    running.push(oneProbe(o, `fresh${runId}n${k}`));
    const wait = started + (k + 1) * intervalMs - performance.now();
    if (wait > 0 && k + 1 < maxProbes) await sleep(wait);
  }
  const outcomes = await Promise.all(running);
  const samplesMs = outcomes.flatMap((x) => (x.ms === undefined ? [] : [Number(x.ms.toFixed(1))]));
  const failedPostStatuses: Record<string, number> = {};
  for (const x of outcomes) if (x.postStatus) failedPostStatuses[x.postStatus] = (failedPostStatuses[x.postStatus] ?? 0) + 1;
  const failedPosts = outcomes.filter((x) => x.postStatus !== undefined).length;
  return {
    probes: outcomes.length,
    visible: samplesMs.length,
    timedOut: outcomes.length - samplesMs.length - failedPosts,
    failedPosts,
    failedPostStatuses,
    latencyMs: {
      p50: percentile(samplesMs, 50),
      p99: percentile(samplesMs, 99),
      max: samplesMs.length ? Math.max(...samplesMs) : Number.NaN,
      min: samplesMs.length ? Math.min(...samplesMs) : Number.NaN,
    },
    samplesMs,
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'ingest-url': { type: 'string' },
      'search-url': { type: 'string' },
      'duration-s': { type: 'string' },
      probes: { type: 'string' },
      'interval-ms': { type: 'string', default: '1000' },
      'poll-ms': { type: 'string', default: '20' },
      'timeout-ms': { type: 'string', default: '30000' },
    },
  });
  if (!values['ingest-url'] || !values['search-url']) throw new Error('--ingest-url and --search-url are required');
  const stop = new AbortController();
  process.once('SIGINT', () => stop.abort());
  process.once('SIGTERM', () => stop.abort());
  const result = await probeFreshness({
    ingestUrl: values['ingest-url'],
    searchUrl: values['search-url'],
    ...(values['duration-s'] === undefined ? {} : { durationMs: Number(values['duration-s']) * 1000 }),
    ...(values.probes === undefined ? {} : { probes: Number(values.probes) }),
    intervalMs: Number(values['interval-ms']),
    pollMs: Number(values['poll-ms']),
    timeoutMs: Number(values['timeout-ms']),
    signal: stop.signal,
  });
  process.stdout.write(JSON.stringify(result, null, 2) + '\n');
}

if (import.meta.main) {
  main().catch((error: unknown) => {
    process.stderr.write(`freshness: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
}
