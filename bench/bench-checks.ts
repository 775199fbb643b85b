// Exact-answer checks for bench/run.ts: the brute-force answers (bench/expected.ts) plus the
// freshness probe records (which land in the same stream and are counted by queries without a
// time range), compared with what the API returned. Every check returns a list of problems.

import type { BenchQuery, QueryFields } from './bench-queries.ts';
import type { ExpectedAnswers } from './expected.ts';

/** A record the benchmark sent besides the generated ones (a freshness probe), as stored. */
export interface ExtraRecord extends QueryFields {
  customerId: string | null;
  latencyMs: number | null;
}

export interface ExactAnswers {
  search: Map<string, { count: number; newestTsMs: number[] }>;
  perCustomer: Map<string, { count: number; avg: number; p99: number }>;
  hitsPerHour: { fromMs: number; toMs: number; intervalMs: number; counts: number[] };
  distinctResourceIds: number;
}

export function exactAnswers(expected: ExpectedAnswers, queries: readonly BenchQuery[], extras: readonly ExtraRecord[], newestK = 100): ExactAnswers {
  const search = new Map<string, { count: number; newestTsMs: number[] }>();
  for (const q of queries) {
    const e = expected.queries.find((x) => x.name === q.name);
    if (!e) throw new Error(`no expected answer for ${q.name}`);
    const extraTs = extras.filter((x) => q.matchesFields(x)).map((x) => x.tsMs);
    const newest = [...e.newestTsMs, ...extraTs].sort((a, b) => b - a).slice(0, newestK);
    search.set(q.name, { count: e.count + extraTs.length, newestTsMs: newest });
  }
  const perCustomer = new Map<string, { count: number; avg: number; p99: number }>();
  for (const c of expected.perCustomer) {
    perCustomer.set(c.customer_id, { count: c.count, avg: c.avgLatencyMs, p99: expected.p99ContByCustomer[c.customer_id]! });
  }
  const extraByCustomer = new Map<string, number[]>();
  for (const x of extras) {
    if (x.customerId === null) continue;
    if (perCustomer.has(x.customerId)) throw new Error(`probe customer ${x.customerId} collides with a generated customer`);
    extraByCustomer.set(x.customerId, [...(extraByCustomer.get(x.customerId) ?? []), x.latencyMs ?? Number.NaN]);
  }
  for (const [customer, values] of extraByCustomer) {
    const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
    const rn = (sorted.length - 1) * 0.99;
    const lo = sorted[Math.floor(rn)]!;
    const hi = sorted[Math.ceil(rn)]!;
    perCustomer.set(customer, {
      count: values.length,
      avg: sorted.reduce((a, b) => a + b, 0) / sorted.length,
      p99: lo + (hi - lo) * (rn - Math.floor(rn)),
    });
  }
  const fromMs = Date.parse(expected.hitsPerHour.from);
  const intervalMs = expected.hitsPerHour.intervalMs;
  const counts = [...expected.hitsPerHour.counts];
  const toMs = Date.parse(expected.timeSpan.to);
  for (const x of extras) {
    if (x.tsMs >= Date.parse(expected.timeSpan.from) && x.tsMs <= toMs) {
      const k = Math.floor((x.tsMs - fromMs) / intervalMs);
      while (counts.length <= k) counts.push(0);
      counts[k]!++;
    }
  }
  const generatedServer = /^server-\d{4}$/;
  const extraServers = new Set(extras.map((x) => x.resourceId).filter((r): r is string => r !== null && !generatedServer.test(r)));
  return {
    search,
    perCustomer,
    hitsPerHour: { fromMs, toMs, intervalMs, counts },
    distinctResourceIds: expected.distinctResourceIds + extraServers.size,
  };
}

interface SearchBody {
  total?: unknown;
  hits?: Array<{ ts?: string; record?: Record<string, unknown> }>;
}

export function fieldsOfRecord(record: Record<string, unknown>, tsIso: string): QueryFields {
  const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
  return { level: str(record.level), message: str(record.message), resourceId: str(record.resourceId), tsMs: Date.parse(tsIso) };
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
  const bad = hits.filter((h) => !q.matchesFields(fieldsOfRecord(h.record ?? {}, h.ts ?? '')));
  if (bad.length > 0) problems.push(`${bad.length} hits do not match the query, e.g. ${JSON.stringify(bad[0]).slice(0, 300)}`);
  return problems;
}

const close = (a: number, b: number): boolean => a === b || Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b));

interface StatsBody {
  groups?: Array<{ key?: Record<string, string | null>; values?: Record<string, number | null> }>;
  totalGroups?: unknown;
}

/** per customer_id: count exact; avg and p99 (quantile_cont) equal up to 1e-9 relative (float summation order). */
export function checkPerCustomer(body: unknown, answers: ExactAnswers): string[] {
  const b = body as StatsBody;
  const problems: string[] = [];
  const groups = Array.isArray(b.groups) ? b.groups : [];
  if (b.totalGroups !== answers.perCustomer.size) problems.push(`totalGroups ${String(b.totalGroups)}, expected ${answers.perCustomer.size}`);
  if (groups.length !== answers.perCustomer.size) problems.push(`${groups.length} groups, expected ${answers.perCustomer.size}`);
  const seen = new Set<string>();
  for (const g of groups) {
    const customer = g.key?.customer_id ?? null;
    const want = customer === null ? undefined : answers.perCustomer.get(customer);
    if (!want) {
      problems.push(`unexpected group ${JSON.stringify(g.key)}`);
      continue;
    }
    seen.add(customer!);
    const v = g.values ?? {};
    const count = v.count;
    const avg = v['avg(latency_ms)'];
    const p99 = v['p99(latency_ms)'];
    if (count !== want.count) problems.push(`${customer}: count ${String(count)}, expected ${want.count}`);
    if (typeof avg !== 'number' || !close(avg, want.avg)) problems.push(`${customer}: avg ${String(avg)}, expected ${want.avg}`);
    if (typeof p99 !== 'number' || !close(p99, want.p99)) problems.push(`${customer}: p99 ${String(p99)}, expected ${want.p99} (quantile_cont)`);
  }
  for (const customer of answers.perCustomer.keys()) if (!seen.has(customer) && groups.length >= answers.perCustomer.size) problems.push(`missing group ${customer}`);
  return problems.slice(0, 20);
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

export function checkDistinct(body: unknown, answers: ExactAnswers): string[] {
  const value = (body as StatsBody).groups?.[0]?.values?.['distinct(resourceId)'];
  return value === answers.distinctResourceIds ? [] : [`distinct(resourceId) ${String(value)}, expected ${answers.distinctResourceIds}`];
}
