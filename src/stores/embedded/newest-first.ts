// Where a newest-first page begins in time. The newest matches can sit in every run of the store
// (sorted-runs.ts), and a top-N over whole rows would read every column of every match. Instead
// the search first finds the oldest ts among the newest `limit` matches, reading only the filter's
// columns and ts, then fetches the rows at or after it: those are few, and in time-ordered runs
// only the vectors holding them are read.
import type { SqlFragment } from './filter-sql.ts';
import { tsBoundsSql } from './minute-counts.ts';

type Run = (sql: string, params: unknown[]) => Promise<Record<string, unknown>[]>;

/** Fractions of the searched span tried at its newest end, widest last, before the whole span. */
const WINDOWS = [1 / 128, 1 / 16, 1 / 2];

/** Text matching over the message or a JSON body: a cost per value, unlike comparisons on typed columns. */
const TEXT_MATCH = /\b(contains|regexp_matches|i?like|json_extract_string)\b/i;

export interface Span {
  /** Inclusive bounds of the search, ms; open ends are taken from the table. */
  fromMs?: number;
  toMs?: number;
}

/**
 * `ts >= ?` and the filter, with the filter evaluated only on rows the time bound lets through.
 * DuckDB pushes a filter into the table scan, where it runs over every row before the time bound
 * is applied; for text matching that reads and decodes the whole message column (at 10M records,
 * 250 ms against 60 ms). Inside a CASE on the bound it is not pushed down. Comparisons on typed
 * columns are cheaper pushed down, so they stay as they are.
 */
export function afterTs(where: SqlFragment, ts: number, always = false): SqlFragment {
  if (!always && !TEXT_MATCH.test(where.sql)) return { sql: `ts >= ? AND ${where.sql}`, params: [BigInt(ts), ...where.params] };
  return { sql: `ts >= ? AND CASE WHEN ts >= ? THEN (${where.sql}) END`, params: [BigInt(ts), BigInt(ts), ...where.params] };
}

/**
 * The oldest ts among the newest `limit` matches, or null when nothing matches. Windows at the
 * newest end of the span come first: when one holds `limit` matches, no match outside it (all
 * older than the window) can be among the newest, so the filter need not run over the whole span.
 * A common match is answered by the first window; a rare one widens until it is found.
 */
export async function oldestShownTs(run: Run, where: SqlFragment, limit: number, span: Span): Promise<number | null> {
  const newest = (filter: SqlFragment) => run(`SELECT count(*) AS n, min(ts) AS oldest FROM (SELECT ts FROM records
    WHERE ${filter.sql} ORDER BY ts DESC LIMIT ?)`, [...filter.params, limit]);
  const [table] = await run(tsBoundsSql(span.fromMs, span.toMs), []);
  if (table?.hi === null || table?.hi === undefined) return null;
  const hi = Math.min(Number(table.hi), span.toMs ?? Infinity);
  const lo = Math.max(Number(table.lo), span.fromMs ?? -Infinity);
  for (const fraction of WINDOWS) {
    const width = Math.ceil((hi - lo) * fraction);
    if (width <= 0) break;
    // Only ts and the filter's columns are read here, so the bound goes first even for comparisons.
    const [found] = await newest(afterTs(where, hi - width, true));
    if (Number(found!.n) === limit) return Number(found!.oldest);
  }
  const [found] = await newest(where);
  return Number(found!.n) === 0 ? null : Number(found!.oldest);
}
