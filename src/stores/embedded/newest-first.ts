// Where a newest-first page begins in time. The newest matches can sit in every run of the store
// (sorted-runs.ts), and a top-N over whole rows would read every column of every match. Instead
// the search first finds the oldest ts among the newest `limit` matches, reading only the filter's
// columns and ts, then fetches the rows at or after it (duckdb-store.ts, newest): whole when they
// are few, as for a common match; else the matches' positions first, then the rows at them.
import { whereSql, withCheap, type Conditions, type SqlFragment } from './filter-sql.ts';
import { windowBoundsSql } from './minute-counts.ts';

type Run = (sql: string, params: unknown[]) => Promise<Record<string, unknown>[]>;

/** Shares of the span's minutes that hold records, newest first, where the windows begin, widest last; the rest is the last window. */
const WINDOWS = [1 / 128, 1 / 16, 1 / 2];

export interface Span {
  /** Inclusive bounds of the search, ms; open ends are taken from the table. */
  fromMs?: number;
  toMs?: number;
}

/** Only `ts` at or after `from` (when given) and before `below` (when given). */
export function tsWindow(from: number | undefined, below?: number): SqlFragment {
  const parts = [...(from === undefined ? [] : [{ sql: 'ts >= ?', value: from }]), ...(below === undefined ? [] : [{ sql: 'ts < ?', value: below }])];
  return { sql: parts.map((part) => part.sql).join(' AND '), params: parts.map((part) => BigInt(part.value)) };
}

interface OldestShown {
  ts: number;
  /** Found in the first, narrowest window: the rows from `ts` on are few besides the matches. */
  narrow: boolean;
}

/**
 * The oldest ts among the newest `limit` matches, or null when nothing matches. The span is cut
 * into disjoint windows, newest first and each wider than the last; each is asked only for the
 * matches still missing, and the walk stops once `limit` are found, since every match of an
 * older window is older than all of them. A common match is answered by the first, narrow
 * window; a rare or absent one costs one pass over the span at most.
 */
export async function oldestShown(run: Run, conditions: Conditions, limit: number, span: Span): Promise<OldestShown | null> {
  const [table] = await run(windowBoundsSql(span.fromMs, span.toMs, WINDOWS), []);
  if (table?.hi === null || table?.hi === undefined) return null;
  const lo = Number(table.lo);
  // lower bounds of the windows, newest first; the last window takes the rest of the span
  const bounds = WINDOWS.map((_, i) => Number(table[`b${i}`])).filter((bound, i, all) => bound > lo && (i === 0 || bound < all[i - 1]!));
  let missing = limit;
  let oldest: number | null = null;
  for (let i = 0; i <= bounds.length; i++) {
    const below = i === 0 ? undefined : bounds[i - 1]!;
    const window = whereSql(i === 0 && bounds.length === 0 ? conditions : withCheap(conditions, tsWindow(bounds[i], below)));
    const [found] = await run(`SELECT count(*) AS n, min(ts) AS oldest FROM (SELECT ts FROM records
      WHERE ${window.sql} ORDER BY ts DESC LIMIT ?)`, [...window.params, missing]);
    const n = Number(found!.n);
    if (n > 0) oldest = Number(found!.oldest);
    missing -= n;
    if (missing === 0) return { ts: oldest!, narrow: i === 0 };
  }
  return oldest === null ? null : { ts: oldest, narrow: bounds.length === 0 };
}
