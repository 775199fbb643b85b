// Records per stream and minute of event time, for the rows in sorted runs: written by the move
// that makes a run (sorted-runs.ts), in its transaction. A count or histogram whose filter is only
// a time range and streams sums these rows for the whole minutes of its range, instead of reading
// a row group of every run (each run spans all the times its rows have). The minutes cut by the
// range's ends, and the recent rows, are counted from the records. Ranges include their end, and
// an end on a whole minute (`to=…T12:00:00Z`) is the common one: each minute also counts the rows
// on its first millisecond, so that end reads no records either.
import type { Filter } from '../store.ts';
import type { SqlFragment } from './filter-sql.ts';

export const MINUTE_MS = 60_000;

export const MINUTE_COUNTS_TABLE = `CREATE TABLE IF NOT EXISTS records_minutes (
  stream VARCHAR NOT NULL,
  minute BIGINT NOT NULL,
  n BIGINT NOT NULL,
  -- of n, those at ts = minute
  n0 BIGINT NOT NULL,
  PRIMARY KEY (stream, minute)
)`;

/** The start of the `width`-ms bucket holding `ts`, rounded down also before 1970 (`//` truncates). */
export function bucketSql(ts: string, width: string): string {
  return `(${ts} - ((${ts} % ${width}) + ${width}) % ${width})`;
}

/**
 * Adds the rows of `table` to records_minutes: run inside the move, before the rows leave. One row
 * per stream and minute however many runs hold it (runs of logs sent late overlap in time).
 */
export function countMinutesSql(table: string): string {
  return `INSERT INTO records_minutes SELECT stream, minute, count(*), count(*) FILTER (WHERE ts = minute)
    FROM (SELECT stream, ts, ${bucketSql('ts', String(MINUTE_MS))} AS minute FROM ${table}) GROUP BY ALL ORDER BY minute
    ON CONFLICT (stream, minute) DO UPDATE SET n = n + excluded.n, n0 = n0 + excluded.n0`;
}

/** True when the filter has no query: its counts can come from the minute counts. */
export function isTimeOnly(filter: Filter): boolean {
  return filter.query === null || filter.query.type === 'all';
}

interface Piece {
  table: 'records_minutes' | 'records_sorted' | 'records_recent';
  /** Half-open: from inclusive, to exclusive; undefined is unbounded. */
  from?: number;
  to?: number;
  /** records_minutes only: also the rows on the first ms of the minute `to`. */
  andFirstMsOfTo?: boolean;
}

/**
 * Where the rows of a time-only filter are, each once: whole minutes of the runs from the
 * counts, the runs' rows in the minutes cut by the range's ends, and every recent row in range
 * (none when the caller knows there are no recent rows).
 */
function pieces(filter: Filter, recentRows: boolean): Piece[] {
  const from = filter.fromMs === undefined ? undefined : Math.floor(filter.fromMs);
  // the filter's upper bound is inclusive
  const to = filter.toMs === undefined ? undefined : Math.floor(filter.toMs) + 1;
  const result: Piece[] = recentRows ? [{ table: 'records_recent', from, to }] : [];
  const wholeFrom = from === undefined ? undefined : Math.ceil(from / MINUTE_MS) * MINUTE_MS;
  const wholeTo = to === undefined ? undefined : Math.floor(to / MINUTE_MS) * MINUTE_MS;
  if (wholeFrom !== undefined && wholeTo !== undefined && wholeFrom >= wholeTo) return [...result, { table: 'records_sorted', from, to }];
  const andFirstMsOfTo = to !== undefined && wholeTo! + 1 === to;
  result.push({ table: 'records_minutes', from: wholeFrom, to: wholeTo, andFirstMsOfTo });
  if (from !== undefined && from < wholeFrom!) result.push({ table: 'records_sorted', from, to: wholeFrom });
  if (to !== undefined && wholeTo! < to && !andFirstMsOfTo) result.push({ table: 'records_sorted', from: wholeTo, to });
  return result;
}

interface PieceSql extends SqlFragment {
  /** Records per row of the piece's table, to sum. */
  rows: string;
  time: string;
}

/** Bounds are whole ms computed here, written as literals: a statement without parameters skips a prepare (~0.3 ms). */
function pieceSql(piece: Piece, streams: string[] | undefined): PieceSql {
  const minutes = piece.table === 'records_minutes';
  const time = minutes ? 'minute' : 'ts';
  const parts: string[] = [];
  const params: unknown[] = [];
  let rows = minutes ? 'n' : '1';
  if (piece.from !== undefined) parts.push(`${time} >= ${piece.from}::BIGINT`);
  if (piece.to !== undefined) {
    parts.push(`${time} ${piece.andFirstMsOfTo ? '<=' : '<'} ${piece.to}::BIGINT`);
    if (piece.andFirstMsOfTo) rows = `CASE WHEN minute = ${piece.to}::BIGINT THEN n0 ELSE n END`;
  }
  if (streams && streams.length > 0) {
    parts.push(`stream IN (${streams.map(() => '?').join(', ')})`);
    params.push(...streams);
  }
  return { sql: `FROM ${piece.table} WHERE ${parts.length > 0 ? parts.join(' AND ') : 'TRUE'}`, params, rows, time };
}

/** The number of records matching a time-only filter, as `n`. */
export function countSql(filter: Filter, recentRows: boolean): SqlFragment {
  const params: unknown[] = [];
  const terms = pieces(filter, recentRows).map((piece) => {
    const { sql, params: pieceParams, rows } = pieceSql(piece, filter.streams);
    params.push(...pieceParams);
    return `SELECT ${rows === '1' ? 'count(*)' : `coalesce(sum(${rows}), 0)`} AS n ${sql}`;
  });
  // one piece (an idle store, whole minutes) runs as it is: a scalar subquery costs ~0.15 ms more
  return { sql: terms.length === 1 ? terms[0]! : `SELECT ${terms.map((term) => `(${term})`).join(' + ')} AS n`, params };
}

/** Records per `intervalMs` bucket (a whole number of minutes) of a time-only filter, as `bucket`, `n`. */
export function histogramSql(filter: Filter, intervalMs: number, recentRows: boolean): SqlFragment {
  const params: unknown[] = [];
  const groups = pieces(filter, recentRows).map((piece) => {
    const { sql, params: pieceParams, rows, time } = pieceSql(piece, filter.streams);
    params.push(...pieceParams);
    return `SELECT ${bucketSql(time, `${intervalMs}::BIGINT`)} AS bucket, ${rows === '1' ? 'count(*)' : `sum(${rows})`} AS n ${sql} GROUP BY 1`;
  });
  return { sql: `SELECT bucket, sum(n) AS n FROM (${groups.join(' UNION ALL ')}) GROUP BY 1 ORDER BY 1`, params };
}

/**
 * Bounds holding every record's ts within the span (`lo`, `hi`; null when none is there): from the
 * minute counts for the runs, not exact (whole minutes) but ~20× cheaper than min/max over the
 * runs' ts (0.7 against 14 ms at 13M records), and from the recent rows.
 */
export function tsBoundsSql(fromMs: number | undefined, toMs: number | undefined): string {
  const span = spanWhere(fromMs, toMs);
  return `SELECT min(lo) AS lo, max(hi) AS hi FROM (
    SELECT min(minute) AS lo, max(minute) + ${MINUTE_MS - 1} AS hi FROM records_minutes${span.minutes}
    UNION ALL SELECT min(ts), max(ts) FROM records_recent${span.records})`;
}

/** WHERE clauses (or '') keeping the minute counts' minutes and the records' ts within a span. */
function spanWhere(fromMs: number | undefined, toMs: number | undefined): { minutes: string; records: string } {
  const from = fromMs === undefined || !Number.isFinite(fromMs) ? undefined : Math.floor(fromMs);
  const to = toMs === undefined || !Number.isFinite(toMs) ? undefined : Math.floor(toMs);
  const where = (column: string, lowest: number | undefined) => {
    const conditions = [lowest === undefined ? '' : `${column} >= ${lowest}`, to === undefined ? '' : `${column} <= ${to}`].filter(Boolean);
    return conditions.length ? ` WHERE ${conditions.join(' AND ')}` : '';
  };
  const firstMinute = from === undefined ? undefined : Math.floor(from / MINUTE_MS) * MINUTE_MS;
  return { minutes: where('minute', firstMinute), records: where('ts', from) };
}

/**
 * Where the newest `fractions` of the span's minutes that hold records begin (`b0`, `b1`, … in
 * the fractions' order), with the oldest and newest of them (`lo`, `hi`: null when the span holds
 * no record). Minutes with records stand in for the records themselves (a busy minute counts as
 * one): a few records far from the rest in time (a clock set wrong, a probe written now into logs
 * of last year) add a few minutes, where they would stretch a share of the span's time until its
 * newest 1/128 held none of the others. From the minute counts and the recent rows.
 */
export function windowBoundsSql(fromMs: number | undefined, toMs: number | undefined, fractions: readonly number[]): string {
  const span = spanWhere(fromMs, toMs);
  const bounds = fractions.map((fraction, i) => `quantile_disc(minute, ${1 - fraction}) AS b${i}`);
  const minute = bucketSql('ts', String(MINUTE_MS));
  // the recent rows' minutes from a tenth of their vectors (all of them cost ~5 ms at 500k rows), and their ends
  return `SELECT min(minute) AS lo, max(minute) AS hi, ${bounds.join(', ')} FROM (
    SELECT minute FROM records_minutes${span.minutes}
    UNION SELECT ${minute} FROM records_recent TABLESAMPLE 10% (system)${span.records}
    UNION SELECT ${minute} FROM (SELECT unnest([min(ts), max(ts)]) AS ts FROM records_recent${span.records}))`;
}
