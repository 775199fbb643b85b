// Exact order statistics (the value at a 0-based rank of the ascending values) in bounded memory,
// as quantile-sql.ts does it: values counted per distinct value (a hash aggregate that stays in
// the buffer pool and spills), a running count over them, and per rank the least value whose
// running count passes it. Sorting a list of every value (list_sort(list(x))) would not be bounded.
import { StoreQueryError } from '../store.ts';
import type { SqlFragment } from './filter-sql.ts';

/**
 * One row: `n` (the numeric values among the matches) and `r0`, `r1`… (the value at each rank,
 * NULL when the rank is n or more).
 */
export function orderStatisticsSql(value: SqlFragment, where: SqlFragment, ranks: number[]): SqlFragment {
  for (const rank of ranks) {
    if (!Number.isSafeInteger(rank) || rank < 0) throw new StoreQueryError(`a rank must be a non-negative integer, got ${rank}`);
  }
  // `below` counts the values <= v, so the value at rank r is the least v with below > r
  const picks = ranks.map((rank, i) => `, min(v) FILTER (WHERE below > ${rank}) AS r${i}`).join('');
  return {
    sql: `WITH counts AS (SELECT v, count(*) AS c FROM (SELECT CAST(${value.sql} AS DOUBLE) AS v FROM records WHERE ${where.sql}) WHERE v IS NOT NULL GROUP BY v),
      running AS (SELECT v, sum(c) OVER (ORDER BY v ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS below FROM counts)
      SELECT coalesce(max(below), 0) AS n${picks} FROM running`,
    params: [...value.params, ...where.params],
  };
}
