import type { Filter } from '../store.ts';
import type { QueryNode } from '../../query/ast.ts';
import { compileToDuckDb } from './compile-query.ts';
import type { FieldResolverOptions } from './query-field.ts';

export interface SqlFragment {
  sql: string;
  params: unknown[];
}

/** Text matching over the message or a JSON body: a cost per value, unlike comparisons on typed columns. */
const TEXT_MATCH = /\b(contains|regexp_matches|i?like|json_extract_string)\b/i;

/**
 * A filter as a conjunction, its cheap conditions (comparisons on typed columns: time, stream,
 * level, typed fields) apart from its costly ones (text matching). DuckDB pushes every condition
 * into the table scan, where each runs over every row of the scanned vectors: a text match over
 * 10M messages costs the same whether or not `level = 'error'` let 10 % of them through (430 ms
 * against 200 ms). whereSql keeps the costly ones inside a CASE on the cheap ones, which is not
 * pushed down and runs only on the rows the scan let through.
 */
export interface Conditions {
  cheap: SqlFragment[];
  costly: SqlFragment[];
}

/** The filter's conditions: time range, streams and each top-level conjunct of the query, all bound. */
export function filterConditions(filter: Filter, fields: FieldResolverOptions): Conditions {
  const cheap: SqlFragment[] = [];
  if (filter.fromMs !== undefined) cheap.push({ sql: 'ts >= ?', params: [BigInt(Math.floor(filter.fromMs))] });
  if (filter.toMs !== undefined) cheap.push({ sql: 'ts <= ?', params: [BigInt(Math.floor(filter.toMs))] });
  if (filter.streams && filter.streams.length > 0) {
    cheap.push({ sql: `stream IN (${filter.streams.map(() => '?').join(', ')})`, params: [...filter.streams] });
  }
  const conditions: Conditions = { cheap, costly: [] };
  if (!filter.query) return conditions;
  // one "now" for every conjunct's relative times
  const options = { ...fields, now: Date.now() };
  const conjuncts: QueryNode[] = filter.query.type === 'and' ? filter.query.children : [filter.query];
  for (const conjunct of conjuncts) {
    const compiled = compileToDuckDb(conjunct, options);
    (TEXT_MATCH.test(compiled.sql) ? conditions.costly : conditions.cheap).push({ sql: `(${compiled.sql})`, params: compiled.params });
  }
  return conditions;
}

/** Conditions with more cheap ones (a time window, a cursor). */
export function withCheap(conditions: Conditions, ...more: SqlFragment[]): Conditions {
  return { cheap: [...conditions.cheap, ...more], costly: conditions.costly };
}

/** The WHERE expression of the conditions, costly ones evaluated only where the cheap ones hold. */
export function whereSql({ cheap, costly }: Conditions): SqlFragment {
  const all = (parts: SqlFragment[]): SqlFragment => ({ sql: parts.map((part) => part.sql).join(' AND '), params: parts.flatMap((part) => part.params) });
  if (cheap.length === 0 && costly.length === 0) return { sql: 'TRUE', params: [] };
  if (costly.length === 0) return all(cheap);
  if (cheap.length === 0) return all(costly);
  const guard = all(cheap);
  const checked = all(costly);
  return { sql: `${guard.sql} AND CASE WHEN ${guard.sql} THEN (${checked.sql}) END`, params: [...guard.params, ...guard.params, ...checked.params] };
}

/** The WHERE expression of a filter: time range, streams and the compiled query, all bound. */
export function filterSql(filter: Filter, fields: FieldResolverOptions): SqlFragment {
  return whereSql(filterConditions(filter, fields));
}
