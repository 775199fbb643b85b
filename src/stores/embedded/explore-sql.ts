// SQL of the explorer's reads: the top values of a field over a filter, and a record's row by its
// id. Fields resolve as in queries and stats (field-sql.ts).
import type { SqlFragment } from './filter-sql.ts';
import type { FieldSql } from './field-sql.ts';
import { parsePositionId } from '../../record/id.ts';

/** The field's values with their counts, commonest first, with the number of distinct values and of matches without it. */
export function facetSql(field: FieldSql, where: SqlFragment, limit: number): SqlFragment {
  return {
    sql: `WITH counted AS (SELECT ${field.sql} AS v, count(*) AS n FROM records WHERE ${where.sql} GROUP BY 1)
      SELECT v, n, count(v) OVER () AS distinct_values, coalesce(sum(CASE WHEN v IS NULL THEN n END) OVER (), 0) AS missing
      FROM counted ORDER BY v IS NULL, n DESC, v LIMIT ?`,
    params: [...field.params, ...where.params, limit + 1],
  };
}

/** The row a record id names in a stream: one made from its position, or one it carried. */
export function recordSql(id: string, stream: string): SqlFragment {
  const position = parsePositionId(id);
  if (!position) return { sql: 'stream = ? AND rid = ?', params: [stream, id] };
  return {
    sql: 'stream = ? AND (rid = ? OR (rid IS NULL AND ingested_at = ? AND part = ? AND off = ? AND src = ?))',
    params: [stream, id, BigInt(position.appendMs), position.partition, BigInt(position.offset), position.source],
  };
}
