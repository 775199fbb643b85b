// Exact-answer checks for bench/run.ts: the brute-force answers (datasets/truth.ts) plus the
// freshness probe records (which land in the same stream and are counted by the rows they
// match), compared with what the API returned. Every check returns a list of problems.

import type { DatasetQueries } from './datasets/dataset.ts';
import { valueAt } from './datasets/dataset.ts';
import type { BenchQuery } from './datasets/rows.ts';
import type { GroupStats, Truth } from './datasets/truth.ts';
import { groupKey, quantileCont } from './datasets/truth.ts';

/** A record the benchmark sent besides the dataset's (a freshness probe), as stored. */
export interface ExtraRecord {
  record: Record<string, unknown>;
  tsMs: number;
}

export interface ExactAnswers {
  search: Map<string, { count: number; newestTsMs: number[] }>;
  groups: Map<string | null, GroupStats>;
  hitsPerHour: { fromMs: number; toMs: number; intervalMs: number; counts: number[] };
  distinct: number;
}

export function exactAnswers(truth: Truth, queries: DatasetQueries, extras: readonly ExtraRecord[], newestK = 100): ExactAnswers {
  const search = new Map<string, { count: number; newestTsMs: number[] }>();
  for (const row of truth.rows) {
    const e = truth.answers.find((x) => x.name === row.name)!;
    const extraTs = extras.filter((x) => row.matches(x.record, x.tsMs)).map((x) => x.tsMs);
    const newest = [...e.newestTsMs, ...extraTs].sort((a, b) => b - a).slice(0, newestK);
    search.set(row.name, { count: e.count + extraTs.length, newestTsMs: newest });
  }
  const groups = new Map(truth.groups);
  if (queries.stats) {
    const { by, numeric } = queries.stats;
    const extraGroups = new Map<string | null, number[][]>();
    for (const x of extras) {
      const key = groupKey(valueAt(x.record, by));
      if (groups.has(key)) throw new Error(`probe group ${key} collides with a group of the dataset`);
      const value = valueAt(x.record, numeric);
      const list = extraGroups.get(key) ?? [];
      list.push(typeof value === 'number' ? [value] : []);
      extraGroups.set(key, list);
    }
    for (const [key, list] of extraGroups) {
      const sorted = list.flat().sort((a, b) => a - b);
      groups.set(key, {
        count: list.length,
        avg: sorted.length ? sorted.reduce((a, b) => a + b, 0) / sorted.length : null,
        p99: quantileCont(sorted, 0.99),
      });
    }
  }
  const { fromMs, intervalMs } = truth.hitsPerHour;
  const counts = [...truth.hitsPerHour.counts];
  const toMs = truth.span.endMs;
  for (const x of extras) {
    if (x.tsMs >= fromMs && x.tsMs <= toMs) counts[Math.floor((x.tsMs - fromMs) / intervalMs)]!++;
  }
  const distinct = new Set<string>();
  if (queries.distinct) {
    for (const x of extras) {
      const value = groupKey(valueAt(x.record, queries.distinct));
      if (value !== null && !truth.distinctValues.has(value)) distinct.add(value);
    }
  }
  return { search, groups, hitsPerHour: { fromMs, toMs, intervalMs, counts }, distinct: truth.distinctValues.size + distinct.size };
}

interface SearchBody {
  total?: unknown;
  hits?: Array<{ ts?: string; record?: Record<string, unknown> }>;
}

/**
 * A search answer: with limit 0 the total alone; otherwise the hits, asked for without a total
 * (total=false, as the peers' newest-N queries do not count), are the newest matches and match.
 */
export function checkSearch(q: BenchQuery, body: unknown, answers: ExactAnswers, limit: number): string[] {
  const want = answers.search.get(q.name)!;
  const b = body as SearchBody;
  const problems: string[] = [];
  const wantTotal = limit === 0 ? want.count : null;
  if (b.total !== wantTotal) problems.push(`total ${String(b.total)}, expected ${String(wantTotal)}`);
  const hits = Array.isArray(b.hits) ? b.hits : [];
  const wantTs = want.newestTsMs.slice(0, limit);
  if (hits.length !== wantTs.length) problems.push(`${hits.length} hits, expected ${wantTs.length}`);
  const gotTs = hits.map((h) => Date.parse(h.ts ?? ''));
  const firstDiff = wantTs.findIndex((ts, i) => gotTs[i] !== ts);
  if (firstDiff >= 0 && hits.length === wantTs.length) {
    problems.push(`hit #${firstDiff + 1} has ts ${new Date(gotTs[firstDiff]!).toISOString()}, expected ${new Date(wantTs[firstDiff]!).toISOString()} (newest first)`);
  }
  const bad = hits.filter((h) => !q.matches(h.record ?? {}, Date.parse(h.ts ?? '')));
  if (bad.length > 0) problems.push(`${bad.length} hits do not match the query, e.g. ${JSON.stringify(bad[0]).slice(0, 300)}`);
  return problems;
}

const close = (a: number, b: number): boolean => a === b || Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b));
const sameNumber = (got: unknown, want: number | null): boolean =>
  want === null ? got === null || got === undefined : typeof got === 'number' && close(got, want);

interface StatsBody {
  groups?: Array<{ key?: Record<string, string | null>; values?: Record<string, number | null> }>;
  totalGroups?: unknown;
}

/** Stats by the dataset's group field: count exact; avg and p99 (quantile_cont) equal up to 1e-9 relative. */
export function checkGroups(stats: NonNullable<DatasetQueries['stats']>) {
  return (body: unknown, answers: ExactAnswers): string[] => {
    const b = body as StatsBody;
    const problems: string[] = [];
    const groups = Array.isArray(b.groups) ? b.groups : [];
    const want = answers.groups;
    if (b.totalGroups !== want.size) problems.push(`totalGroups ${String(b.totalGroups)}, expected ${want.size}`);
    if (groups.length !== want.size) problems.push(`${groups.length} groups, expected ${want.size}`);
    for (const g of groups) {
      const key = g.key?.[stats.by] ?? null;
      const w = want.get(key);
      if (!w) {
        problems.push(`unexpected group ${JSON.stringify(g.key)}`);
        continue;
      }
      const v = g.values ?? {};
      if (v.count !== w.count) problems.push(`${key}: count ${String(v.count)}, expected ${w.count}`);
      if (!sameNumber(v[`avg(${stats.numeric})`], w.avg)) problems.push(`${key}: avg ${String(v[`avg(${stats.numeric})`])}, expected ${w.avg}`);
      if (!sameNumber(v[`p99(${stats.numeric})`], w.p99)) problems.push(`${key}: p99 ${String(v[`p99(${stats.numeric})`])}, expected ${w.p99} (quantile_cont)`);
    }
    return problems.slice(0, 20);
  };
}

interface HistogramBody {
  intervalMs?: unknown;
  total?: unknown;
  buckets?: Array<{ ts?: string; count?: unknown }>;
}

export function checkHistogram(body: unknown, answers: ExactAnswers): string[] {
  const b = body as HistogramBody;
  const want = answers.hitsPerHour;
  const problems: string[] = [];
  if (b.intervalMs !== want.intervalMs) problems.push(`intervalMs ${String(b.intervalMs)}, expected ${want.intervalMs}`);
  const got = new Map<number, number>();
  for (const bucket of b.buckets ?? []) got.set(Date.parse(bucket.ts ?? ''), Number(bucket.count));
  want.counts.forEach((count, k) => {
    const ts = want.fromMs + k * want.intervalMs;
    const actual = got.get(ts) ?? 0;
    if (actual !== count) problems.push(`bucket ${new Date(ts).toISOString()}: ${actual}, expected ${count}`);
    got.delete(ts);
  });
  for (const [ts, count] of got) if (count !== 0) problems.push(`unexpected bucket ${new Date(ts).toISOString()}: ${count}`);
  const total = want.counts.reduce((a, c) => a + c, 0);
  if (b.total !== total) problems.push(`total ${String(b.total)}, expected ${total}`);
  return problems.slice(0, 20);
}

export function checkDistinct(field: string) {
  return (body: unknown, answers: ExactAnswers): string[] => {
    const value = (body as StatsBody).groups?.[0]?.values?.[`distinct(${field})`];
    return value === answers.distinct ? [] : [`distinct(${field}) ${String(value)}, expected ${answers.distinct}`];
  };
}
