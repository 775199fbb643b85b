// Where a query field lives in the DuckDB `records` table: a column, or a JSON path into body.

import { DEFAULT_FIELD } from './fields.ts';
import { splitFieldPath } from './fields.ts';

export type DuckDbField =
  /** The message column: full-text (case-insensitive contains) semantics. */
  | { kind: 'message'; sql: string }
  /** The normalized level column. */
  | { kind: 'level'; sql: string }
  /** A BIGINT column of epoch ms (ts, ingested_at). */
  | { kind: 'time'; sql: string }
  /** A VARCHAR value: a column, a promoted body field, or json_extract_string(body, path). */
  | { kind: 'text'; sql: string };

export interface FieldResolverOptions {
  /** A column holding body field `path` as VARCHAR (json_extract_string text), if the store promoted it. */
  columnFor?: (path: string) => string | undefined;
}

const SIMPLE_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

const RECORD_COLUMNS: Record<string, DuckDbField> = {
  message: { kind: 'message', sql: 'message' },
  level: { kind: 'level', sql: 'level' },
  stream: { kind: 'text', sql: 'stream' },
  id: { kind: 'text', sql: 'id' },
  ts: { kind: 'time', sql: 'ts' },
  '@timestamp': { kind: 'time', sql: 'ts' },
  ingestedAt: { kind: 'time', sql: 'ingested_at' },
};

/** `bind` adds a parameter and returns its placeholder. */
export function resolveDuckDbField(
  field: string | null,
  options: FieldResolverOptions,
  bind: (value: unknown) => string,
): DuckDbField {
  const name = field ?? DEFAULT_FIELD;
  const column = Object.hasOwn(RECORD_COLUMNS, name) ? RECORD_COLUMNS[name] : undefined;
  if (column) return column;
  const promoted = options.columnFor?.(name);
  if (promoted !== undefined) return { kind: 'text', sql: quoteIdentifier(promoted) };
  return { kind: 'text', sql: `json_extract_string(body, ${jsonPathSql(name, bind)})` };
}

/**
 * A path of simple identifiers is written as the literal '$.a.b' (safe: validated characters only).
 * Any other key is reached through a bound JSON pointer ('/a/b c'), so user text never enters the SQL.
 */
function jsonPathSql(field: string, bind: (value: unknown) => string): string {
  const segments = splitFieldPath(field);
  if (!segments) throw new Error(`invalid field name '${field}'`);
  if (segments.every((segment) => SIMPLE_KEY.test(segment))) return `'$.${segments.join('.')}'`;
  return bind('/' + segments.map((s) => s.replaceAll('~', '~0').replaceAll('/', '~1')).join('/'));
}

function quoteIdentifier(column: string): string {
  if (!SIMPLE_KEY.test(column)) throw new Error(`columnFor returned an unsafe column name '${column}'`);
  return `"${column}"`;
}
