// Exact answers to a dataset's query rows, by brute force over its NDJSON file: every line is
// parsed and judged by the rows' predicates (rows.ts), independently of how Tributary stores or
// queries it. One pass; the time-dependent rows are decided after it, once the span is known.

import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { DatasetQueries } from './dataset.ts';
import { HOUR_MS, valueAt } from './dataset.ts';
import { benchRows } from './rows.ts';
import type { BenchQuery, TimeSpan } from './rows.ts';

export interface RowAnswer {
  name: string;
  count: number;
  /** Timestamps (ms) of the newest min(count, k) matches, newest first. */
  newestTsMs: number[];
}

export interface GroupStats {
  count: number;
  avg: number | null;
  /** quantile_cont(0.99): linear interpolation, DuckDB's definition. */
  p99: number | null;
}

export interface Truth {
  records: number;
  span: TimeSpan;
  rows: BenchQuery[];
  answers: RowAnswer[];
  /** Stats by queries.stats.by (null: records without the field). */
  groups: Map<string | null, GroupStats>;
  hitsPerHour: { fromMs: number; intervalMs: number; counts: number[] };
  distinctValues: Set<string>;
}

/** Event time of a value as Tributary documents it: ISO with a zone, or epoch s/ms/µs/ns by size. */
export function timeOf(value: unknown): number {
  if (typeof value === 'number' && Number.isFinite(value) && value > 0) {
    if (value < 1e11) return Math.round(value * 1000);
    if (value < 1e14) return Math.round(value);
    if (value < 1e17) return Math.floor(value / 1000);
    return Math.floor(value / 1e6);
  }
  if (typeof value === 'string' && /(Z|[+-]\d\d:?\d\d)$/.test(value)) return Date.parse(value);
  return Number.NaN;
}

export function quantileCont(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  const rn = (sorted.length - 1) * q;
  const lo = sorted[Math.floor(rn)]!;
  const hi = sorted[Math.ceil(rn)]!;
  return lo + (hi - lo) * (rn - Math.floor(rn));
}

/** Text of a group key as the stats API gives it. */
export function groupKey(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  return typeof value === 'string' ? value : JSON.stringify(value);
}

class Growing<T extends Float64Array | Uint8Array> {
  length = 0;
  data: T;
  private readonly make: (n: number) => T;
  constructor(data: T, make: (n: number) => T) {
    this.data = data;
    this.make = make;
  }
  push(value: number): void {
    if (this.length === this.data.length) {
      const bigger = this.make(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length++] = value;
  }
}

/** Keeps the k largest values, in descending order. */
export function keepNewest(list: number[], ts: number, k: number): void {
  if (list.length >= k && ts <= list[list.length - 1]!) return;
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid]! >= ts) lo = mid + 1; else hi = mid;
  }
  list.splice(lo, 0, ts);
  if (list.length > k) list.pop();
}

/** The span the rows cover: whole hours around the records' times. */
export function spanOf(minTs: number, maxTs: number): TimeSpan {
  return { startMs: Math.floor(minTs / HOUR_MS) * HOUR_MS, endMs: (Math.floor(maxTs / HOUR_MS) + 1) * HOUR_MS };
}

export async function computeTruth(file: string, queries: DatasetQueries, onProgress?: (records: number) => void, newestK = 100): Promise<Truth> {
  // The predicates do not depend on the span; the rows' ranges do and are applied after the pass.
  const provisional = benchRows(queries, { startMs: 0, endMs: 1 });
  const rowCount = provisional.length;
  const ts = new Growing(new Float64Array(1 << 20), (n) => new Float64Array(n));
  const bits = new Growing(new Uint8Array(1 << 20), (n) => new Uint8Array(n));
  if (rowCount > 8) throw new Error('more than 8 rows: widen the bit set');
  const groupValues = new Map<string | null, { count: number; values: number[] }>();
  const distinctValues = new Set<string>();
  const hourCounts = new Map<number, number>();
  let minTs = Number.POSITIVE_INFINITY;
  let maxTs = Number.NEGATIVE_INFINITY;
  let line = 0;
  const lines = createInterface({ input: createReadStream(file), crlfDelay: Number.POSITIVE_INFINITY });
  for await (const text of lines) {
    line++;
    if (text.trim() === '') continue;
    let record: unknown;
    try {
      record = JSON.parse(text);
    } catch {
      throw new Error(`${file}:${line}: not JSON: ${text.slice(0, 80)}`);
    }
    const t = timeOf(valueAt(record, queries.timeField));
    if (Number.isNaN(t)) throw new Error(`${file}:${line}: no time the bench can read in ${queries.timeField} (ISO with a zone, or epoch numbers): ${text.slice(0, 120)}`);
    ts.push(t);
    if (t < minTs) minTs = t;
    if (t > maxTs) maxTs = t;
    let mask = 0;
    for (let q = 0; q < rowCount; q++) {
      const row = provisional[q]!;
      // time-only rows are decided by the range alone
      if (row.from !== undefined ? row.matches(record, 0.5) : row.matches(record, t)) mask |= 1 << q;
    }
    bits.push(mask);
    const hour = Math.floor(t / HOUR_MS);
    hourCounts.set(hour, (hourCounts.get(hour) ?? 0) + 1);
    if (queries.stats) {
      const key = groupKey(valueAt(record, queries.stats.by));
      let group = groupValues.get(key);
      if (!group) groupValues.set(key, group = { count: 0, values: [] });
      group.count++;
      const numeric = valueAt(record, queries.stats.numeric);
      if (typeof numeric === 'number') group.values.push(numeric);
    }
    if (queries.distinct) {
      const distinct = groupKey(valueAt(record, queries.distinct));
      if (distinct !== null) distinctValues.add(distinct);
    }
    if (onProgress && ts.length % 1_000_000 === 0) onProgress(ts.length);
  }
  if (ts.length === 0) throw new Error(`${file} has no records`);
  const span = spanOf(minTs, maxTs);
  const rows = benchRows(queries, span);
  const answers: RowAnswer[] = rows.map((row) => ({ name: row.name, count: 0, newestTsMs: [] }));
  const ranges = rows.map((row) => (row.from === undefined ? null : [Date.parse(row.from), Date.parse(row.to!)] as const));
  for (let i = 0; i < ts.length; i++) {
    const t = ts.data[i]!;
    const mask = bits.data[i]!;
    for (let q = 0; q < rows.length; q++) {
      if ((mask & (1 << q)) === 0) continue;
      const range = ranges[q];
      if (range && (t < range[0] || t > range[1])) continue;
      answers[q]!.count++;
      keepNewest(answers[q]!.newestTsMs, t, newestK);
    }
  }
  const groups = new Map<string | null, GroupStats>();
  for (const [key, g] of groupValues) {
    const sorted = g.values.sort((a, b) => a - b);
    const sum = sorted.reduce((a, b) => a + b, 0);
    groups.set(key, { count: g.count, avg: sorted.length ? sum / sorted.length : null, p99: quantileCont(sorted, 0.99) });
  }
  const firstHour = span.startMs / HOUR_MS;
  const counts = new Array<number>((span.endMs - span.startMs) / HOUR_MS).fill(0);
  for (const [hour, n] of hourCounts) counts[hour - firstHour] = n;
  return { records: ts.length, span, rows, answers, groups, hitsPerHour: { fromMs: span.startMs, intervalMs: HOUR_MS, counts }, distinctValues };
}
