// SQL for a record field in stats (group keys and aggregated values), resolved the same way the
// query compiler resolves fields: a column, or a JSON path into body with user text bound.
import { resolveDuckDbField } from '../../query/duckdb-field.ts';
import { StoreQueryError } from '../store.ts';

export interface FieldSql {
  sql: string;
  params: unknown[];
}

function resolve(field: string): { kind: string; sql: string; params: unknown[] } {
  const params: unknown[] = [];
  try {
    const resolved = resolveDuckDbField(field, {}, (value) => { params.push(value); return '?'; });
    return { ...resolved, params };
  } catch (error) {
    throw new StoreQueryError(`'${field}' is not a valid field name: ${(error as Error).message}`);
  }
}

/** The field's value as text (NULL when missing or JSON null). */
export function fieldText(field: string): FieldSql {
  const { kind, sql, params } = resolve(field);
  return { sql: kind === 'time' ? `CAST(${sql} AS VARCHAR)` : sql, params };
}

/** The field's value as a number (NULL when missing or not numeric). */
export function fieldNumber(field: string): FieldSql {
  const { kind, sql, params } = resolve(field);
  return { sql: kind === 'time' ? `CAST(${sql} AS DOUBLE)` : `TRY_CAST(${sql} AS DOUBLE)`, params };
}
