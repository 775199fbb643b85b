// Histogram statements over the records table: counts per bucket of ts, optionally split by a
// field's commonest values, at a given interval or at one picked from the matches' own span.
import { MAX_HISTOGRAM_GROUPS, MISSING_GROUP, OTHER_GROUP } from '../store.ts';
import { NICE_INTERVALS, TARGET_BUCKETS } from '../histogram-interval.ts';
import type { SqlFragment } from './filter-sql.ts';
import { bucketSql } from './minute-counts.ts';

// Intervals are BIGINT literals: an untyped BigInt parameter binds as HUGEINT, and grouping on
// HUGEINT is 30x slower.

export function countsSql(where: SqlFragment, interval: bigint): SqlFragment {
  return { sql: `SELECT ${bucketSql('ts', `${interval}::BIGINT`)} AS bucket, count(*) AS n FROM records WHERE ${where.sql} GROUP BY 1 ORDER BY 1`, params: where.params };
}

/** Counts per bucket and value of `key` (the commonest MAX_HISTOGRAM_GROUPS, the rest as OTHER_GROUP): bucket, k, n. */
export function splitCountsSql(where: SqlFragment, key: SqlFragment, interval: bigint): SqlFragment {
  return {
    sql: `WITH g AS (
        SELECT ${bucketSql('ts', `${interval}::BIGINT`)} AS bucket, coalesce(${key.sql}, ?) AS k, count(*) AS n FROM records WHERE ${where.sql} GROUP BY 1, 2),
      top AS (SELECT k FROM g GROUP BY k ORDER BY sum(n) DESC, k LIMIT ${MAX_HISTOGRAM_GROUPS})
      SELECT bucket, CASE WHEN k IN (SELECT k FROM top) THEN k ELSE ? END AS k, sum(n) AS n FROM g GROUP BY 1, 2 ORDER BY 1`,
    params: [...key.params, MISSING_GROUP, ...where.params, OTHER_GROUP],
  };
}

/**
 * Like splitCountsSql, with the interval picked as autoInterval does over the matches' span, in
 * one pass: the matches are counted at the `fine` interval (with their oldest and newest ts), the
 * interval is picked from those, and the fine counts are added up into it (every nice interval
 * divides the wider ones). When the matches span too little for the fine interval, the caller
 * counts again over just their span (rows also give the matches' oldest and newest ts: lo, hi). Asking the span first is a second pass over the filter, which for a
 * text search over all time doubles the wait for the histogram. Rows: bucket, k, n, interval.
 */
export function autoCountsSql(where: SqlFragment, key: SqlFragment, fine: number): SqlFragment {
  const pick = NICE_INTERVALS.map((interval) => `WHEN span <= ${interval * TARGET_BUCKETS} THEN ${interval}`).join(' ');
  return {
    sql: `WITH fine AS (
        SELECT ${bucketSql('ts', `${fine}::BIGINT`)} AS f, coalesce(${key.sql}, ?) AS k, count(*) AS n, min(ts) AS lo, max(ts) AS hi
        FROM records WHERE ${where.sql} GROUP BY 1, 2),
      step AS (SELECT greatest(${fine}::BIGINT, CASE ${pick} ELSE ${NICE_INTERVALS.at(-1)} END)::BIGINT AS i, lo, hi
        FROM (SELECT max(hi) - min(lo) AS span, min(lo) AS lo, max(hi) AS hi FROM fine)),
      top AS (SELECT k FROM fine GROUP BY k ORDER BY sum(n) DESC, k LIMIT ${MAX_HISTOGRAM_GROUPS})
      SELECT ${bucketSql('f', 'i')} AS bucket, CASE WHEN k IN (SELECT k FROM top) THEN k ELSE ? END AS k, sum(n) AS n, any_value(i) AS interval, any_value(step.lo) AS lo, any_value(step.hi) AS hi
      FROM fine JOIN step ON TRUE GROUP BY 1, 2 ORDER BY 1`,
    params: [...key.params, MISSING_GROUP, ...where.params, OTHER_GROUP],
  };
}
