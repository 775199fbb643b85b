// Reference data for `enrich` lookups: a JSON array of objects or a CSV file with a header, read
// once when the step is created and indexed by its match column. Keys compare as text (a record's
// 42 matches a CSV's "42"); CSV values stay text, use JSON for typed values.
import { readFile } from 'node:fs/promises';
import { extname, resolve } from 'node:path';
import { splitFieldPath, valueAt } from '../../../record/field-path.ts';
import { isPlainObject } from '../../../record/normalize.ts';
import { parseCsv } from './csv.ts';

export interface LookupOptions {
  /** A .json or .csv file; a relative path is read from the working directory. */
  file: string;
  /** The record's field holding the key. */
  key: string;
  /** The file's column (CSV) or field (JSON, may be dotted) the key is matched against. */
  match: string;
  /** Record field path → file column to copy from the matching row. */
  fields: Record<string, string>;
  onMissing?: 'pass' | 'reject';
}

export interface Lookup {
  file: string;
  keyName: string;
  key: string[];
  /** The paths written on a match; each row's values line up with them (undefined: not written). */
  writes: string[][];
  rows: Map<string, unknown[]>;
  reject: boolean;
}

type Row = { where: string; get(column: string): unknown };

interface Table {
  rows: Row[];
  has(column: string): boolean;
  /** For the error naming what the file has. */
  columns(): string[];
}

/** The text a key compares as; undefined for what cannot be a key (missing, null, objects). */
export function keyText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

export async function loadLookup(options: LookupOptions): Promise<Lookup> {
  const what = `enrich lookup '${options.file}'`;
  const key = splitFieldPath(options.key);
  if (!key) throw new Error(`${what}: key '${options.key}' is not a field path`);
  const writes = Object.keys(options.fields).map((path) => {
    const segments = splitFieldPath(path);
    if (!segments) throw new Error(`${what}: fields key '${path}' is not a field path`);
    return segments;
  });
  const extension = extname(options.file).toLowerCase();
  if (extension !== '.json' && extension !== '.csv') throw new Error(`${what}: the file must end in .json or .csv`);

  let text: string;
  try {
    text = await readFile(resolve(options.file), 'utf8');
  } catch (error) {
    throw new Error(`${what}: cannot read the file (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  const table = extension === '.json' ? jsonTable(text, what) : csvTable(text, what);

  const wanted = [options.match, ...Object.values(options.fields)];
  const missing = wanted.filter((column) => !table.has(column));
  if (missing.length > 0) {
    const known = table.columns().slice(0, 20).join(', ');
    throw new Error(`${what}: no column ${missing.map((column) => `'${column}'`).join(', ')} in the file (it has: ${known || 'nothing'})`);
  }

  const index = new Map<string, unknown[]>();
  const firstAt = new Map<string, string>();
  const fileColumns = Object.values(options.fields);
  for (const row of table.rows) {
    const match = keyText(row.get(options.match));
    if (match === undefined) throw new Error(`${what}: ${row.where} has no usable '${options.match}' (text or a number)`);
    if (index.has(match)) throw new Error(`${what}: '${options.match}' = '${match}' appears twice (${firstAt.get(match)} and ${row.where})`);
    index.set(match, fileColumns.map((column) => row.get(column)));
    firstAt.set(match, row.where);
  }
  return { file: options.file, keyName: options.key, key, writes, rows: index, reject: options.onMissing === 'reject' };
}

function jsonTable(text: string, what: string): Table {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new Error(`${what}: not valid JSON (${(error as Error).message.slice(0, 200)})`);
  }
  if (!Array.isArray(parsed)) throw new Error(`${what}: must hold a JSON array of objects`);
  const elements = parsed.map((element: unknown, i) => {
    if (!isPlainObject(element)) throw new Error(`${what}: element ${i} is not an object`);
    return element;
  });
  const rows = elements.map((element, i): Row => ({ where: `element ${i}`, get: (column) => valueAt(element, splitFieldPath(column) ?? []) }));
  return {
    rows,
    // present when some element has it (a dotted column reaches into objects)
    has: (column) => rows.some((row) => row.get(column) !== undefined),
    columns: () => [...new Set(elements.slice(0, 100).flatMap((element) => Object.keys(element)))],
  };
}

function csvTable(text: string, what: string): Table {
  let parsed;
  try {
    parsed = parseCsv(text);
  } catch (error) {
    throw new Error(`${what}: ${(error as Error).message}`);
  }
  const [header, ...body] = parsed;
  if (!header) throw new Error(`${what}: the file is empty (it needs a header line)`);
  const columns = new Map<string, number>();
  header.fields.forEach((name, i) => {
    if (columns.has(name)) throw new Error(`${what}: column '${name}' appears twice in the header`);
    columns.set(name, i);
  });
  const rows = body.map((row): Row => {
    if (row.fields.length !== header.fields.length) {
      throw new Error(`${what}: line ${row.line} has ${row.fields.length} fields, the header ${header.fields.length}`);
    }
    return { where: `line ${row.line}`, get: (column) => row.fields[columns.get(column)!] };
  });
  return { rows, has: (column) => columns.has(column), columns: () => header.fields };
}
