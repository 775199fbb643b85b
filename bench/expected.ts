// Exact answers to the benchmark queries, by brute force over the generated records (streamed
// one at a time: memory is bounded by the distinct latencies per customer, not by N).
//
//   node bench/expected.ts --records 1000000 [--seed 1] [--start-index 0] [--end-time ISO] [--span-days 7]
//
// prints the answers as JSON. perCustomer[].p99LatencyMs is nearest-rank (bench/percentile.ts);
// p99ContByCustomer is DuckDB's quantile_cont (linear interpolation), what GET /api/v1/stats
// answers for p99:latency_ms.

import { parseArgs } from 'node:util';
import { benchQueries } from './bench-queries.ts';
import type { BenchQueryChoices } from './bench-queries.ts';
import { HOUR_MS, generateRecordParts, resolveTimeSpan } from './generator.ts';
import type { GeneratorOptions } from './generator.ts';
import { percentileFromCounts, quantileContFromCounts } from './percentile.ts';
import { keepNewest } from './datasets/truth.ts';
import { CUSTOMER_COUNT, SERVER_COUNT, customerName } from './vocabulary.ts';

export interface ExpectedParams {
  seed: number;
  records: number;
  startIndex?: number;
  generator?: GeneratorOptions;
  choices?: BenchQueryChoices;
  /** How many of the newest matches' timestamps to keep per query (default 100). */
  newestK?: number;
}

export interface QueryAnswer {
  name: string;
  q: string;
  from?: string;
  to?: string;
  count: number;
  /** Timestamps (ms) of the newest min(count, newestK) matches, newest first: what a
   *  limit=newestK search must return (ties between equal timestamps may come in any order). */
  newestTsMs: number[];
}

export interface CustomerLatency {
  customer_id: string;
  count: number;
  latencySum: number;
  /** latencySum / count */
  avgLatencyMs: number;
  /** Nearest-rank 99th percentile of latency_ms. */
  p99LatencyMs: number;
}

export interface ExpectedAnswers {
  seed: number;
  records: number;
  startIndex: number;
  timeSpan: { from: string; to: string };
  queries: QueryAnswer[];
  /** Customers with at least one record, in customer number order (cust_0, cust_1, …). */
  perCustomer: CustomerLatency[];
  /** Records per epoch-aligned hour, from the hour containing the span start to the span end. */
  hitsPerHour: { from: string; intervalMs: number; counts: number[] };
  distinctResourceIds: number;
  /** quantile_cont(latency_ms, 0.99) per customer_id (linear interpolation, DuckDB's definition). */
  p99ContByCustomer: Record<string, number>;
}

export function computeExpected(params: ExpectedParams): ExpectedAnswers {
  const opts = params.generator ?? {};
  const startIndex = params.startIndex ?? 0;
  const queries = benchQueries(opts, params.choices);
  const counts = new Array<number>(queries.length).fill(0);
  const newestK = params.newestK ?? 100;
  const newest: number[][] = queries.map(() => []);
  const { startMs, endMs } = resolveTimeSpan(opts);
  const firstHourMs = Math.floor(startMs / HOUR_MS) * HOUR_MS;
  const hourCounts = new Array<number>(Math.ceil((endMs - firstHourMs) / HOUR_MS)).fill(0);
  const seenServer = new Uint8Array(SERVER_COUNT);
  const customerCount = new Float64Array(CUSTOMER_COUNT);
  const customerSum = new Float64Array(CUSTOMER_COUNT);
  const customerLatencies: Array<Map<number, number>> = Array.from({ length: CUSTOMER_COUNT }, () => new Map());

  for (let i = startIndex; i < startIndex + params.records; i++) {
    const p = generateRecordParts(params.seed, i, opts);
    for (let q = 0; q < queries.length; q++) {
      if (queries[q]!.matches(p)) {
        counts[q]!++;
        keepNewest(newest[q]!, p.tsMs, newestK);
      }
    }
    hourCounts[Math.floor((p.tsMs - firstHourMs) / HOUR_MS)]!++;
    seenServer[p.serverIndex] = 1;
    const c = p.customerIndex;
    customerCount[c]!++;
    customerSum[c]! += p.latencyMs;
    const histogram = customerLatencies[c]!;
    histogram.set(p.latencyMs, (histogram.get(p.latencyMs) ?? 0) + 1);
  }

  const perCustomer: CustomerLatency[] = [];
  const p99ContByCustomer: Record<string, number> = {};
  for (let c = 0; c < CUSTOMER_COUNT; c++) {
    const count = customerCount[c]!;
    if (count === 0) continue;
    perCustomer.push({
      customer_id: customerName(c),
      count,
      latencySum: customerSum[c]!,
      avgLatencyMs: customerSum[c]! / count,
      p99LatencyMs: percentileFromCounts(customerLatencies[c]!, 99),
    });
    p99ContByCustomer[customerName(c)] = quantileContFromCounts(customerLatencies[c]!, 0.99);
  }
  return {
    seed: params.seed,
    records: params.records,
    startIndex,
    timeSpan: { from: new Date(startMs).toISOString(), to: new Date(endMs).toISOString() },
    queries: queries.map((q, k) => ({
      name: q.name, q: q.q, ...(q.from === undefined ? {} : { from: q.from, to: q.to }), count: counts[k]!,
      newestTsMs: newest[k]!,
    })),
    perCustomer,
    hitsPerHour: { from: new Date(firstHourMs).toISOString(), intervalMs: HOUR_MS, counts: hourCounts },
    distinctResourceIds: seenServer.reduce((a, b) => a + b, 0),
    p99ContByCustomer,
  };
}

/** Parses an --end-time value: an ISO time, epoch ms, or "now" (rounded down to the hour). */
export function parseEndTime(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (value === 'now') return Math.floor(Date.now() / HOUR_MS) * HOUR_MS;
  const ms = /^\d+$/.test(value) ? Number(value) : Date.parse(value);
  if (!Number.isFinite(ms)) throw new Error(`bad --end-time ${value}`);
  return ms;
}

function main(): void {
  const { values } = parseArgs({
    options: {
      records: { type: 'string' },
      seed: { type: 'string', default: '1' },
      'start-index': { type: 'string', default: '0' },
      'end-time': { type: 'string' },
      'span-days': { type: 'string' },
      server: { type: 'string' },
    },
  });
  if (values.records === undefined) throw new Error('--records N is required');
  const endTimeMs = parseEndTime(values['end-time']);
  const started = performance.now();
  const answers = computeExpected({
    seed: Number(values.seed),
    records: Number(values.records),
    startIndex: Number(values['start-index']),
    generator: {
      ...(endTimeMs === undefined ? {} : { endTimeMs }),
      ...(values['span-days'] === undefined ? {} : { spanDays: Number(values['span-days']) }),
    },
    ...(values.server === undefined ? {} : { choices: { serverIndex: Number(values.server) } }),
  });
  process.stderr.write(`computed in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
  process.stdout.write(JSON.stringify(answers, null, 2) + '\n');
}

if (import.meta.main) main();
