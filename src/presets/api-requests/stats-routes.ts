// Seed 004's customer stats API (logstream2influx, FastAPI), answered from the store: request
// counts, uptime and latencies of the `api_requests` records of one customer (or all) since a
// date. Errors keep the seed's FastAPI shape {"detail": ...}, as its clients read them. Median and
// p99 are exact order statistics with the seed client's definitions; values are rounded as
// Python's round(x, 5) rounds them. `group=day` gives the daily stats the seed's brief asked for.
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Filter, Store } from '../../stores/store.ts';
import type { QueryNode } from '../../query/ast.ts';
import { param, type Params } from '../../api/query-params.ts';

export interface CustomerStatsOptions {
  store: Store;
  stream: string;
  now?: () => number;
}

export interface CustomerStats {
  total_requests: number;
  successful_requests: number;
  failed_requests: number;
  uptime: number | null;
  average_latency: number | null;
  median_latency: number | null;
  p99_latency: number | null;
}

const DAY_MS = 86_400_000;
const DIGITS = 5;
const BAD_DATE = 'Invalid date format, expected YYYY-MM-DD';
const NOT_FOUND = 'Customer data not found';
const SUCCESS: QueryNode = { type: 'compare', field: 'status_code', op: '<', value: '400' };
/** Days whose latencies are read at once. */
const DAYS_AT_ONCE = 4;

class DetailError extends Error {
  readonly status: number;
  constructor(status: number, detail: string) {
    super(detail);
    this.status = status;
  }
}

/**
 * Python's round(x, digits): the exact binary value of x rounded to `digits` decimals, exact ties
 * to even, read back as the nearest double. round(2.675, 2) is 2.67 (2.675 is 2.67499… in binary);
 * round(0.125, 2) is 0.12 (an exact tie).
 */
export function pythonRound(x: number, digits: number): number {
  if (!Number.isInteger(digits) || digits < 0) throw new RangeError(`digits must be a non-negative integer, got ${digits}`);
  if (!Number.isFinite(x) || x === 0) return x;
  const bits = new DataView(new ArrayBuffer(8));
  bits.setFloat64(0, Math.abs(x));
  const word = bits.getBigUint64(0);
  const biased = Number(word >> 52n);
  const fraction = word & ((1n << 52n) - 1n);
  const mantissa = biased === 0 ? fraction : fraction | (1n << 52n);
  const exponent = (biased === 0 ? 1 : biased) - 1075;
  if (exponent >= 0) return x;
  // |x| = mantissa / 2^shift exactly
  const shift = BigInt(-exponent);
  const scaled = mantissa * 10n ** BigInt(digits);
  let quotient = scaled >> shift;
  const twiceRest = (scaled - (quotient << shift)) << 1n;
  const half = 1n << shift;
  if (twiceRest > half || (twiceRest === half && (quotient & 1n) === 1n)) quotient += 1n;
  return Number(`${x < 0 ? '-' : ''}${quotient}e-${digits}`);
}

/** 0-based ranks of the seed client's median (sorted[n // 2]) and p99 (sorted[int(n * 0.99) - 1], the max under 100 values). */
export function latencyRanks(n: number): { median: number; p99: number } {
  return { median: Math.floor(n / 2), p99: n >= 100 ? Math.floor(n * 0.99) - 1 : n - 1 };
}

/** from_date as epoch ms of its UTC midnight; a missing, malformed, impossible or future date is refused. */
function parseFromDate(text: string | undefined, now: number): number {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text ?? '');
  if (!match) throw new DetailError(422, BAD_DATE);
  const [year, month, day] = match.slice(1).map(Number) as [number, number, number];
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  if (year < 1 || date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) throw new DetailError(422, BAD_DATE);
  if (date.getTime() > now) throw new DetailError(422, `Invalid date: ${text} is in the future, expected YYYY-MM-DD up to today (UTC)`);
  return date.getTime();
}

function and(query: QueryNode | null, clause: QueryNode): QueryNode {
  return query ? { type: 'and', children: [query, clause] } : clause;
}

interface Latencies {
  total: number;
  average: number | null;
  median: number | null;
  p99: number | null;
}

async function latencies(store: Store, filter: Filter): Promise<Latencies> {
  const { groups } = await store.stats({
    ...filter, groupBy: [], limit: 1,
    aggregations: [{ fn: 'count' }, { fn: 'count', field: 'duration' }, { fn: 'avg', field: 'duration' }],
  });
  const values = groups[0]?.values ?? {};
  const total = values.count ?? 0;
  const average = values['avg(duration)'] ?? null;
  const pick = async (n: number) => {
    const ranks = latencyRanks(n);
    return store.orderStatistics({ ...filter, field: 'duration', ranks: [ranks.median, ranks.p99] });
  };
  const guessed = values['count(duration)'] ?? 0;
  if (guessed === 0) return { total, average, median: null, p99: null };
  let picked = await pick(guessed);
  // durations given as text that is not a number are counted above but not ranked: rank again by the numbers
  if (picked.count !== guessed && picked.count > 0) picked = await pick(picked.count);
  return { total, average, median: picked.values[0] ?? null, p99: picked.values[1] ?? null };
}

function summary(total: number, successful: number, latency: Latencies): CustomerStats {
  const round = (value: number | null) => (value === null ? null : pythonRound(value, DIGITS));
  return {
    total_requests: total,
    successful_requests: successful,
    failed_requests: total - successful,
    uptime: total > 0 ? pythonRound(successful / total * 100, DIGITS) : null,
    average_latency: round(latency.average),
    median_latency: round(latency.median),
    p99_latency: round(latency.p99),
  };
}

async function overall(store: Store, filter: Filter): Promise<CustomerStats | null> {
  const [latency, successes] = await Promise.all([
    latencies(store, filter),
    store.stats({ ...filter, query: and(filter.query, SUCCESS), groupBy: [], aggregations: [{ fn: 'count' }], limit: 1 }),
  ]);
  if (latency.total === 0) return null;
  return summary(latency.total, successes.groups[0]?.values.count ?? 0, latency);
}

async function daily(store: Store, filter: Filter & { fromMs: number; toMs: number }): Promise<Array<{ date: string } & CustomerStats>> {
  const [all, successes] = await Promise.all([
    store.histogram({ ...filter, intervalMs: DAY_MS }),
    store.histogram({ ...filter, query: and(filter.query, SUCCESS), intervalMs: DAY_MS }),
  ]);
  const succeeded = new Map(successes.buckets.map((bucket) => [bucket.ts, bucket.count]));
  const days = all.buckets.filter((bucket) => bucket.count > 0).sort((a, b) => a.ts - b.ts);
  const result: Array<{ date: string } & CustomerStats> = [];
  for (let i = 0; i < days.length; i += DAYS_AT_ONCE) {
    result.push(...await Promise.all(days.slice(i, i + DAYS_AT_ONCE).map(async (day) => {
      const span = { fromMs: Math.max(day.ts, filter.fromMs), toMs: Math.min(day.ts + DAY_MS - 1, filter.toMs) };
      const latency = await latencies(store, { ...filter, ...span });
      return { date: new Date(day.ts).toISOString().slice(0, 10), ...summary(day.count, succeeded.get(day.ts) ?? 0, latency) };
    })));
  }
  return result;
}

export function registerCustomerStatsRoutes(app: FastifyInstance, options: CustomerStatsOptions): void {
  const { store, stream } = options;
  const now = options.now ?? Date.now;

  const answer = async (params: Params, customerId: string | null, reply: FastifyReply) => {
    try {
      const toMs = now();
      const fromMs = parseFromDate(param(params, 'from_date'), toMs);
      const group = param(params, 'group');
      if (group !== undefined && group !== 'day') throw new DetailError(422, `Invalid group '${group}', expected day`);
      const query: QueryNode | null = customerId === null ? null : { type: 'term', field: 'customer_id', value: customerId, quoted: true };
      const filter = { query, streams: [stream], fromMs, toMs };
      if (group === 'day') {
        const days = await daily(store, filter);
        if (days.length === 0) throw new DetailError(404, NOT_FOUND);
        return { days };
      }
      const stats = await overall(store, filter);
      if (!stats) throw new DetailError(404, NOT_FOUND);
      return stats;
    } catch (error) {
      if (error instanceof DetailError) return reply.code(error.status).send({ detail: error.message });
      throw error;
    }
  };

  app.get('/customers/customer/stats/all', (request, reply) => answer(request.query as Params, null, reply));
  app.get('/customers/:customerId/stats', (request, reply) => answer(request.query as Params, (request.params as { customerId: string }).customerId, reply));
}
