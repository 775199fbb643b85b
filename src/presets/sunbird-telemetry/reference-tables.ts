// The denormalizer's reference data (the original's Redis caches): devices, users, content and
// DialCodes by id, each table a JSON file in the data dir. Records are pushed through the API or
// loaded from a file at start; the step reads the tables and sees a push within a second (it
// reloads a table whose file changed), so the API and the pipeline need not share memory.
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../../log/embedded/atomic-file.ts';

export const TABLES = ['device', 'user', 'content', 'dialcode'] as const;
export type TableName = (typeof TABLES)[number];

/** How long a table read from its file is trusted before its file is looked at again. */
const RECHECK_MS = 1000;

type Row = Record<string, unknown>;

interface Loaded {
  rows: Map<string, Row>;
  mtimeMs: number;
  checkedAt: number;
}

export class ReferenceTables {
  readonly dir: string;
  readonly #loaded = new Map<TableName, Loaded>();
  #writes: Promise<void> = Promise.resolve();

  constructor(dir: string) {
    this.dir = dir;
    mkdirSync(dir, { recursive: true });
  }

  #file(table: TableName): string {
    return join(this.dir, `${table}.json`);
  }

  /** The row of this id, from the table as its file holds it now (re-read at most once a second). */
  get(table: TableName, id: string): Row | undefined {
    return this.#table(table).rows.get(id);
  }

  size(table: TableName): number {
    return this.#table(table).rows.size;
  }

  #table(table: TableName, now = Date.now()): Loaded {
    const cached = this.#loaded.get(table);
    if (cached && now - cached.checkedAt < RECHECK_MS) return cached;
    let mtimeMs = -1;
    try {
      mtimeMs = statSync(this.#file(table)).mtimeMs;
    } catch {
      // no file yet: an empty table
    }
    if (cached && cached.mtimeMs === mtimeMs) {
      cached.checkedAt = now;
      return cached;
    }
    const rows = new Map<string, Row>(mtimeMs < 0 ? [] : Object.entries(JSON.parse(readFileSync(this.#file(table), 'utf8')) as Record<string, Row>));
    const loaded = { rows, mtimeMs, checkedAt: now };
    this.#loaded.set(table, loaded);
    return loaded;
  }

  /** Adds or replaces rows by their `id`; durable (written atomically) when it returns. */
  put(table: TableName, rows: Row[]): Promise<number> {
    const write = this.#writes.then(async () => {
      this.#loaded.delete(table);
      const current = new Map(this.#table(table).rows);
      for (const row of rows) current.set(String(row.id), row);
      await writeFileAtomic(this.#file(table), JSON.stringify(Object.fromEntries(current)));
      // read back at the next get, with the file's new mtime
      this.#loaded.delete(table);
      return current.size;
    });
    this.#writes = write.then(() => undefined, () => undefined);
    return write;
  }
}

/** What is wrong with rows pushed to a table, or undefined. */
export function rowsProblem(rows: unknown[]): string | undefined {
  const bad = rows.findIndex((row) => row === null || typeof row !== 'object' || Array.isArray(row) || !['string', 'number'].includes(typeof (row as Row).id));
  return bad < 0 ? undefined : `row ${bad + 1} has no id (a string or number): each row is an object with its id`;
}

/** Rows as a JSON array or NDJSON (a file or a request body); throws on text that is not JSON. */
export function parseRows(text: string): unknown[] {
  const trimmed = text.trim();
  if (trimmed.startsWith('[')) return JSON.parse(trimmed) as unknown[];
  return trimmed.split('\n').filter((line) => line.trim() !== '').map((line) => JSON.parse(line) as unknown);
}
