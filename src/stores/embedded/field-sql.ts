// SQL for a record field in stats (group keys and aggregated values), resolved the same way the
// query compiler resolves fields.
import { resolveDuckDbField, type FieldResolverOptions } from './query-field.ts';
import { StoreQueryError } from '../store.ts';

export interface FieldSql {
  sql: string;
  params: unknown[];
}

function resolve(field: string, fields: FieldResolverOptions): { kind: string; sql: string; number?: string; params: unknown[] } {
  const params: unknown[] = [];
  try {
    const resolved = resolveDuckDbField(field, fields, (value) => { params.push(value); return '?'; });
    return { ...resolved, params };
  } catch (error) {
    throw new StoreQueryError(`'${field}' is not a valid field name: ${(error as Error).message}`);
  }
}

/** The field's value as text (NULL when missing or JSON null). */
export function fieldText(field: string, fields: FieldResolverOptions): FieldSql {
  const { kind, sql, params } = resolve(field, fields);
  return { sql: kind === 'time' ? `CAST(${sql} AS VARCHAR)` : sql, params };
}

/** The field's value as a number (NULL when missing or not numeric). */
export function fieldNumber(field: string, fields: FieldResolverOptions): FieldSql {
  const resolved = resolve(field, fields);
  if (resolved.kind === 'time') return { sql: `CAST(${resolved.sql} AS DOUBLE)`, params: resolved.params };
  return { sql: resolved.number ?? `TRY_CAST(${resolved.sql} AS DOUBLE)`, params: resolved.params };
}
