// SQL for a field of the record: a column, or a JSON path into body built from a strictly quoted
// path (each key in double quotes inside a single-quoted literal), never from raw user text.
import { COLUMNS } from './schema.ts';
import { StoreQueryError } from '../store.ts';

const FIELD = /^[^\s"'\\]{1,256}$/;

export function jsonPath(field: string): string {
  if (!FIELD.test(field) || field.startsWith('.') || field.endsWith('.') || field.includes('..')) {
    throw new StoreQueryError(`'${field}' is not a valid field name`);
  }
  return '$.' + field.split('.').map((key) => `"${key}"`).join('.');
}

/** The field's value as text (NULL when missing or JSON null). */
export function fieldText(field: string): string {
  const column = COLUMNS[field];
  if (column) return column === 'ts' || column === 'ingested_at' ? `CAST(${column} AS VARCHAR)` : column;
  return `json_extract_string(body, '${jsonPath(field)}')`;
}

/** The field's value as a number (NULL when missing or not numeric). */
export function fieldNumber(field: string): string {
  const column = COLUMNS[field];
  if (column === 'ts' || column === 'ingested_at') return `CAST(${column} AS DOUBLE)`;
  return `TRY_CAST(${fieldText(field)} AS DOUBLE)`;
}
