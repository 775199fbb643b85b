// Where a query field lives in the DuckDB `records` table: a column, or a JSON path into body.

import { DEFAULT_FIELD } from '../../query/fields.ts';
import { splitFieldPath } from '../../record/field-path.ts';

export type DuckDbField =
  /** The message column: full-text (case-insensitive contains) semantics. */
  | { kind: 'message'; sql: string }
  /** The normalized level column. */
  | { kind: 'level'; sql: string }
  /** A BIGINT column of epoch ms (ts, ingested_at). */
  | { kind: 'time'; sql: string }
  /** A VARCHAR value: a column or a body field as json_extract_string gives it; `number` when the store has a faster numeric form. */
  | { kind: 'text'; sql: string; number?: string };

export interface FieldResolverOptions {
  /**
   * SQL for a body field (path segments) as text and as a number, when the store does not keep the
   * body as one JSON column named `body`. Must only emit validated identifiers and escaped literals.
   */
  bodyField?: (path: string[]) => { text: string; number: string };
  /** SQL for the record id when the store does not keep an `id` column. */
  idSql?: string;
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
  if (name === 'id' && options.idSql) return { kind: 'text', sql: options.idSql };
  const column = Object.hasOwn(RECORD_COLUMNS, name) ? RECORD_COLUMNS[name] : undefined;
  if (column) return column;
  if (options.bodyField) {
    const segments = splitFieldPath(name);
    if (!segments) throw new Error(`invalid field name '${name}'`);
    const { text, number } = options.bodyField(segments);
    return { kind: 'text', sql: text, number };
  }
  return { kind: 'text', sql: `json_extract_string(body, ${jsonPathSql(name, bind)})` };
}

/** The JSON path of a field: '$.a.b' for simple identifiers, else a JSON pointer ('/a/b c'). */
export function jsonPathText(segments: readonly string[]): string {
  if (segments.every((segment) => SIMPLE_KEY.test(segment))) return `$.${segments.join('.')}`;
  return '/' + segments.map((s) => s.replaceAll('~', '~0').replaceAll('/', '~1')).join('/');
}

/** A simple path is written as a literal (validated characters only); any other is bound, so user text never enters the SQL. */
function jsonPathSql(field: string, bind: (value: unknown) => string): string {
  const segments = splitFieldPath(field);
  if (!segments) throw new Error(`invalid field name '${field}'`);
  const text = jsonPathText(segments);
  return text.startsWith('$') ? `'${text}'` : bind(text);
}
