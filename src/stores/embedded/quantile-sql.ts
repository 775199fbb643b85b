// Exact quantiles in bounded memory. DuckDB's quantile_cont keeps every value of a group in a
// vector outside its buffer pool, so memory_limit does not bound it: a p99 over 10M records grew
// the server by ~200 MB past its limit, and a larger store would grow it without end. Here the
// values are counted per distinct value (a hash aggregate, which stays in the buffer pool and
// spills), a running count over them finds the two values around the quantile's position, and
// the result is interpolated as quantile_cont does: position (n - 1) * q in double precision, the
// values at its floor and ceiling, lo + (hi - lo) * fraction.
import type { SqlFragment } from './filter-sql.ts';

export interface QuantileSql {
  /** `WITH` entries, in order; their `?` come before the main query's. */
  ctes: string[];
  params: unknown[];
  /** The CTE with one row per group: the key columns and `value`. */
  name: string;
}

/**
 * One quantile of `value` per group of `keys` over the records matching `where`.
 * `keys` are `expression AS kN` with their params; the result has columns kN and `value`.
 */
export function quantileSql(name: string, keys: SqlFragment[], value: SqlFragment, where: SqlFragment, q: number): QuantileSql {
  const keyNames = keys.map((_, i) => `k${i}`);
  const keyList = keyNames.map((k) => `${k}, `).join('');
  const partition = keyNames.length > 0 ? `PARTITION BY ${keyNames.join(', ')}` : '';
  const groupBy = keyNames.length > 0 ? `GROUP BY ${keyNames.join(', ')}` : '';
  const select = [...keys.map((key) => key.sql), `CAST(${value.sql} AS DOUBLE) AS v`].join(', ');
  const counts = `${name}_counts AS (SELECT ${keyList}v, count(*) AS c FROM (SELECT ${select} FROM records WHERE ${where.sql}) WHERE v IS NOT NULL GROUP BY ALL)`;
  const running = `${name}_running AS (SELECT ${keyList}v, sum(c) OVER (${partition} ORDER BY v ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS below,
    (sum(c) OVER (${partition}) - 1)::DOUBLE * ${q}::DOUBLE AS position FROM ${name}_counts)`;
  // `below` counts the values <= v (NaN sorts last, as in quantile_cont), so the value at 0-based
  // position p is the least v with below > p
  const around = `${name}_around AS (SELECT ${keyList}min(v) FILTER (WHERE below > floor(position)) AS lo,
    min(v) FILTER (WHERE below > ceil(position)) AS hi, any_value(position - floor(position)) AS fraction
    FROM ${name}_running ${groupBy})`;
  const result = `${name} AS (SELECT ${keyList}CASE WHEN fraction = 0 THEN lo ELSE lo + (hi - lo) * fraction END AS value FROM ${name}_around)`;
  return { ctes: [counts, running, around, result], params: [...keys.flatMap((key) => key.params), ...value.params, ...where.params], name };
}
