import type { Filter } from '../store.ts';
import { compileToDuckDb } from './compile-query.ts';
import type { FieldResolverOptions } from './query-field.ts';

export interface SqlFragment {
  sql: string;
  params: unknown[];
}

/** The WHERE expression of a filter: time range, streams and the compiled query, all bound. */
export function filterSql(filter: Filter, fields: FieldResolverOptions): SqlFragment {
  const parts: string[] = [];
  const params: unknown[] = [];
  if (filter.fromMs !== undefined) {
    parts.push('ts >= ?');
    params.push(BigInt(Math.floor(filter.fromMs)));
  }
  if (filter.toMs !== undefined) {
    parts.push('ts <= ?');
    params.push(BigInt(Math.floor(filter.toMs)));
  }
  if (filter.streams && filter.streams.length > 0) {
    parts.push(`stream IN (${filter.streams.map(() => '?').join(', ')})`);
    params.push(...filter.streams);
  }
  if (filter.query) {
    const compiled = compileToDuckDb(filter.query, fields);
    parts.push(`(${compiled.sql})`);
    params.push(...compiled.params);
  }
  return { sql: parts.length > 0 ? parts.join(' AND ') : 'TRUE', params };
}
