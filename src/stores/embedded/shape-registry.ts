// The learned templates and the typed columns they write, kept in the store file beside the
// records. A column is one (field path, type) pair shared by every template that has it; a new
// field adds a column to both record tables (ALTER TABLE, cheap in DuckDB: old rows read it as NULL).
import type { DuckDBConnection } from '@duckdb/node-api';
import { jsonPathText } from './query-field.ts';
import { leavesOf, nodeAt, pathKey, prefixShape, sameShape, type KeptAs, type LeafType, type Shape, type Template } from './template.ts';
import { keptTextSql, numberTextSql, objectTextSql, rebuildSql, sqlString } from './template-sql.ts';
import { RECORD_TABLES, RECORDS_VIEW } from './schema.ts';

interface Column {
  name: string;
  path: string[];
  type: LeafType;
}

/** Templates per stream: past this, records of new shapes keep their original text. */
const MAX_TEMPLATES_PER_STREAM = 32;
/**
 * Typed columns one stream's templates may use (store.maxColumnsPerStream), a column it shares
 * with other streams included: a stream of ever-new fields keeps its text past this, and leaves
 * the table's other columns to the other streams.
 */
export const DEFAULT_MAX_COLUMNS_PER_STREAM = 64;
/**
 * Typed columns in the record tables, all streams together. Every row holds every column (NULL
 * where its stream has none), uncompressed until a checkpoint, so a column costs every stream.
 * Measured on the 2-core machine at the default memoryLimit (384MB): with 180 columns of
 * other streams, 400k rows of a 6-field stream wrote in 10.9 s instead of 3.7 (RSS 874 against
 * 448 MB), a move of 100k rows took 0.75 s instead of 0.1 and a search 160 ms instead of 31; with
 * 270 a commit failed ("failed to pin block") before 200k rows, with 360 a checkpoint (FATAL).
 * Planning a bare count over the view: 5 ms at 128 columns, 48 at 2000, 117 at 4000.
 */
export const MAX_TABLE_COLUMNS = 128;

const SQL_TYPE: Record<LeafType, string> = { VARCHAR: 'VARCHAR', NUMBER: 'DOUBLE', BIGINT: 'BIGINT', DOUBLE: 'DOUBLE', BOOLEAN: 'BOOLEAN', JSON: 'VARCHAR' };

function columnKey(path: readonly string[], type: LeafType): string {
  return `${pathKey(path)}\u0001${type}`;
}

function jsonPathLiteral(path: readonly string[]): string {
  return sqlString(jsonPathText(path));
}

export interface FieldSql {
  /** The value as text, as json_extract_string gives it from the original record. */
  text: string;
  /** The value as a number, NULL when not numeric. */
  number: string;
}

export class ShapeRegistry {
  private readonly columns = new Map<string, Column>();
  private readonly templates = new Map<number, Template>();
  /** Most recently matched first. */
  private readonly byStream = new Map<string, Template[]>();
  /** The columns (columnKey) each stream's templates use. */
  private readonly columnsOfStream = new Map<string, Set<string>>();
  private readonly maxColumnsPerStream: number;
  /** Counts the column additions (DDL) this process committed: statements prepared before one are stale. */
  schemaChanges = 0;

  private constructor(maxColumnsPerStream: number) {
    this.maxColumnsPerStream = maxColumnsPerStream;
  }

  static async load(connection: DuckDBConnection, maxColumnsPerStream = DEFAULT_MAX_COLUMNS_PER_STREAM): Promise<ShapeRegistry> {
    const registry = new ShapeRegistry(maxColumnsPerStream);
    const columns = (await connection.runAndReadAll('SELECT name, path, type FROM store_columns')).getRowObjects();
    for (const row of columns) {
      const column = { name: String(row.name), path: JSON.parse(String(row.path)) as string[], type: String(row.type) as LeafType };
      registry.columns.set(columnKey(column.path, column.type), column);
    }
    const templates = (await connection.runAndReadAll('SELECT id, stream, shape FROM store_templates ORDER BY id DESC')).getRowObjects();
    for (const row of templates) registry.remember(Number(row.id), String(row.stream), JSON.parse(String(row.shape)) as Shape);
    return registry;
  }

  forStream(stream: string): readonly Template[] {
    return this.byStream.get(stream) ?? [];
  }

  /** Moves a template that just matched to the front, so the common shape is tried first. */
  matched(template: Template): void {
    const list = this.byStream.get(template.stream)!;
    const at = list.indexOf(template);
    if (at > 0) {
      list.splice(at, 1);
      list.unshift(template);
    }
  }

  canLearn(stream: string, shape: Shape): boolean {
    if (this.forStream(stream).length >= MAX_TEMPLATES_PER_STREAM) return false;
    if (this.forStream(stream).some((template) => sameShape(template, shape))) return false;
    return this.withinBudget(stream, shape);
  }

  /**
   * The shape, or when its columns are past the budget, the shape of its first members that fit
   * with the others kept as text (a rest): null when neither can be learned.
   */
  fitted(stream: string, shape: Shape): Shape | null {
    if (this.canLearn(stream, shape)) return shape;
    if (this.forStream(stream).length >= MAX_TEMPLATES_PER_STREAM || this.withinBudget(stream, shape)) return null;
    const prefix = prefixShape(shape, (candidate) => this.withinBudget(stream, candidate));
    return prefix && this.canLearn(stream, prefix) ? prefix : null;
  }

  /** A shape that adds no column to its stream, or none to the table, is not held back by that budget. */
  private withinBudget(stream: string, shape: Shape): boolean {
    const keys = storedLeaves(shape).map((leaf) => columnKey(leaf.path, leaf.type));
    const ofStream = this.columnsOfStream.get(stream) ?? new Set<string>();
    const newToStream = keys.filter((key) => !ofStream.has(key)).length;
    const newToTable = keys.filter((key) => !this.columns.has(key)).length;
    return (newToStream === 0 || ofStream.size + newToStream <= this.maxColumnsPerStream)
      && (newToTable === 0 || this.columns.size + newToTable <= MAX_TABLE_COLUMNS);
  }

  /**
   * Adds the shape's missing columns (to both record tables, and the view over them) and the
   * template in one transaction, committed before it is used.
   */
  async learn(connection: DuckDBConnection, stream: string, shape: Shape): Promise<Template> {
    const added: Column[] = [];
    const id = this.templates.size === 0 ? 1 : Math.max(...this.templates.keys()) + 1;
    await connection.run('BEGIN TRANSACTION');
    try {
      for (const leaf of storedLeaves(shape)) {
        if (this.columns.has(columnKey(leaf.path, leaf.type)) || added.some((column) => columnKey(column.path, column.type) === columnKey(leaf.path, leaf.type))) continue;
        const column = { name: `c${this.columns.size + added.length + 1}`, path: leaf.path, type: leaf.type };
        for (const table of RECORD_TABLES) await connection.run(`ALTER TABLE ${table} ADD COLUMN ${column.name} ${SQL_TYPE[leaf.type]}`);
        await connection.run('INSERT INTO store_columns VALUES (?, ?, ?)', [column.name, JSON.stringify(leaf.path), leaf.type]);
        added.push(column);
      }
      if (added.length > 0) await connection.run(RECORDS_VIEW);
      await connection.run('INSERT INTO store_templates VALUES (?, ?, ?)', [id, stream, JSON.stringify(shape)]);
      await connection.run('COMMIT');
    } catch (error) {
      await connection.run('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      // counted even when the commit failed: whether DuckDB saw a change is unknown, and preparing afresh is harmless
      if (added.length > 0) this.schemaChanges++;
    }
    for (const column of added) this.columns.set(columnKey(column.path, column.type), column);
    const template = this.remember(id, stream, shape);
    this.matched(template);
    return template;
  }

  private remember(id: number, stream: string, shape: Shape): Template {
    const leaves = storedLeaves(shape);
    const columns = new Map(leaves.map((leaf) => [pathKey(leaf.path), this.columns.get(columnKey(leaf.path, leaf.type))!.name]));
    const template: Template = { ...shape, id, stream, columns };
    this.templates.set(id, template);
    const ofStream = this.columnsOfStream.get(stream) ?? new Set<string>();
    for (const leaf of leaves) ofStream.add(columnKey(leaf.path, leaf.type));
    this.columnsOfStream.set(stream, ofStream);
    const list = this.byStream.get(stream) ?? [];
    list.push(template);
    this.byStream.set(stream, list);
    return template;
  }

  /** The original body of a row: its raw text, or its template's rebuild. */
  bodySql(): string {
    if (this.templates.size === 0) return 'raw';
    const cases = [...this.templates.values()].map((template) => `WHEN ${template.id} THEN ${rebuildSql(template)}`);
    return `coalesce(raw, CASE tpl ${cases.join(' ')} END)`;
  }

  /**
   * A body field for queries. Typed rows hold it in a column (or inside a JSON column, or as an
   * object of several columns); rows that kept their text are read with json_extract_string.
   */
  field(path: string[]): FieldSql {
    const texts: string[] = [];
    const numbers: string[] = [];
    for (const column of this.columns.values()) {
      if (pathKey(column.path) === pathKey(path)) {
        const { text, number } = columnValue(column);
        texts.push(text);
        numbers.push(number);
      } else if (column.type === 'JSON' && column.path.length < path.length && column.path.every((segment, i) => segment === path[i])) {
        const text = `json_extract_string(${column.name}, ${jsonPathLiteral(path.slice(column.path.length))})`;
        texts.push(text);
        numbers.push(`TRY_CAST(${text} AS DOUBLE)`);
      }
    }
    const objects = [...this.templates.values()].flatMap((template) => {
      const node = nodeAt(template.fields, path);
      return node?.children ? [`CASE WHEN tpl = ${template.id} THEN ${objectTextSql(template, node, path)} END`] : [];
    });
    texts.push(...objects);
    for (const [keptAs, ids] of this.keptAt(path)) {
      const text = `CASE WHEN tpl IN (${ids.join(', ')}) THEN ${keptTextSql(keptAs)} END`;
      texts.push(text);
      numbers.push(keptAs === 'ts-epoch-ms' ? `CASE WHEN tpl IN (${ids.join(', ')}) THEN ts::DOUBLE END` : `TRY_CAST(${text} AS DOUBLE)`);
    }
    // members past a template's typed ones are in its rows' rest (NULL in other rows), never one
    // of its typed members' keys (restKeysPattern); naming the column reads every row's rest, even
    // where coalesce needs none: 40× the time of the typed column alone on wide records. Only the
    // rows of templates whose rest may hold the field are parsed: a rare shape that left the field
    // in its rest had every row's rest parsed (the average of a field on 1M wide rows, 563 → 252 ms)
    const inRest = [...this.templates.values()].filter((template) => template.rest && !template.fields.some((node) => node.key === path[0])).map((template) => template.id);
    if (inRest.length > 0) {
      const text = `CASE WHEN tpl IN (${inRest.join(', ')}) THEN json_extract_string(rest, ${jsonPathLiteral(path)}) END`;
      texts.push(text);
      numbers.push(`TRY_CAST(${text} AS DOUBLE)`);
    }
    const rawText = `json_extract_string(raw, ${jsonPathLiteral(path)})`;
    const rawNumber = `TRY_CAST(${rawText} AS DOUBLE)`;
    if (texts.length === 0) return { text: rawText, number: rawNumber };
    const typed = (parts: string[]): string => (parts.length === 1 ? parts[0]! : `coalesce(${parts.join(', ')})`);
    return {
      text: `CASE WHEN raw IS NULL THEN ${typed(texts)} ELSE ${rawText} END`,
      number: numbers.length === 0 ? rawNumber : `CASE WHEN raw IS NULL THEN ${typed(numbers)} ELSE ${rawNumber} END`,
    };
  }

  /** Templates whose leaf at `path` is kept in a record column, by how it is kept. */
  private keptAt(path: string[]): Map<KeptAs, number[]> {
    const kept = new Map<KeptAs, number[]>();
    for (const template of this.templates.values()) {
      const node = nodeAt(template.fields, path);
      if (node?.keptAs) kept.set(node.keptAs, [...(kept.get(node.keptAs) ?? []), template.id]);
    }
    return kept;
  }
}

/** The leaves that get a column of their own: all but those kept in the record's columns. */
function storedLeaves(shape: Shape): Array<{ path: string[]; type: LeafType }> {
  return leavesOf(shape.fields).filter((leaf) => !leaf.keptAs);
}

function columnValue(column: Column): { text: string; number: string } {
  const name = column.name;
  switch (column.type) {
    case 'VARCHAR':
      return { text: name, number: `TRY_CAST(${name} AS DOUBLE)` };
    case 'NUMBER':
      return { text: numberTextSql(name), number: name };
    case 'BIGINT':
    case 'DOUBLE':
      return { text: `${name}::VARCHAR`, number: `${name}::DOUBLE` };
    case 'BOOLEAN':
      return { text: `${name}::VARCHAR`, number: 'NULL::DOUBLE' };
    case 'JSON':
      return { text: `json_extract_string(${name}, '$')`, number: `TRY_CAST(json_extract_string(${name}, '$') AS DOUBLE)` };
  }
}
