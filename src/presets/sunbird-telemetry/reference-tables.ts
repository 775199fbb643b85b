// The denormalizer's reference data (the original's Redis caches): devices, users, content and
// DialCodes by id. Rows are pushed through the API or loaded from a file at start, and the step
// sees a push within a second. Two engines: a JSON file per table in the data dir (one process),
// or a Redis hash per table with --redis (every process on that Redis, as the original's caches).
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../../log/embedded/atomic-file.ts';
import type { SharedHashes } from '../../pipelines/redis-client.ts';

export const TABLES = ['device', 'user', 'content', 'dialcode'] as const;
export type TableName = (typeof TABLES)[number];

/** How long a table read from its file is trusted before its file is looked at again. */
const RECHECK_MS = 1000;

type Row = Record<string, unknown>;

/** Ids to look up, per table. */
export type Wanted = ReadonlyMap<TableName, ReadonlySet<string>>;

export interface ReferenceTables {
  /** Makes get() answer for these ids as the tables hold them now (Redis: one HMGET a table). */
  prefetch(wanted: Wanted): Promise<void>;
  /** The row of this id as last loaded. */
  get(table: TableName, id: string): Row | undefined;
  /** One row read now. */
  read(table: TableName, id: string): Promise<Row | undefined>;
  /** Adds or replaces rows by their `id`; durable when it returns; answers the table's size. */
  put(table: TableName, rows: Row[]): Promise<number>;
}

interface Loaded {
  rows: Map<string, Row>;
  mtimeMs: number;
  checkedAt: number;
}

export class FileReferenceTables implements ReferenceTables {
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

  async prefetch(): Promise<void> {
    // get() reads the file itself, again at most once a second
  }

  /** The row of this id, from the table as its file holds it now (re-read at most once a second). */
  get(table: TableName, id: string): Row | undefined {
    return this.#table(table).rows.get(id);
  }

  async read(table: TableName, id: string): Promise<Row | undefined> {
    return this.get(table, id);
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

const ABSENT = Symbol('absent');

/** Tables as Redis hashes (key PREFIX + table, field id, value the row's JSON), read a batch's ids at a time. */
export class RedisReferenceTables implements ReferenceTables {
  readonly #hashes: SharedHashes;
  readonly #prefix: string;
  /** Rows as last read, with when; an absent row is remembered as such for as long. */
  readonly #cache = new Map<TableName, Map<string, { row: Row | typeof ABSENT; at: number }>>(TABLES.map((table) => [table, new Map()]));
  readonly #now: () => number;

  constructor(hashes: SharedHashes, prefix = 'tributary:sunbird:reference:', now: () => number = Date.now) {
    this.#hashes = hashes;
    this.#prefix = prefix;
    this.#now = now;
  }

  async prefetch(wanted: Wanted): Promise<void> {
    const now = this.#now();
    await Promise.all([...wanted].map(async ([table, ids]) => {
      const cache = this.#cache.get(table)!;
      const stale = [...ids].filter((id) => (cache.get(id)?.at ?? -Infinity) <= now - RECHECK_MS);
      const values = await this.#hashes.get(this.#prefix + table, stale);
      stale.forEach((id, i) => cache.set(id, { row: values[i] == null ? ABSENT : JSON.parse(values[i]!) as Row, at: now }));
      // a table of ids seen once each would grow without end: what is past its recheck goes
      if (cache.size > 100_000) for (const [id, entry] of cache) if (entry.at <= now - RECHECK_MS) cache.delete(id);
    }));
  }

  get(table: TableName, id: string): Row | undefined {
    const row = this.#cache.get(table)!.get(id)?.row;
    return row === ABSENT ? undefined : row;
  }

  async read(table: TableName, id: string): Promise<Row | undefined> {
    const [value] = await this.#hashes.get(this.#prefix + table, [id]);
    return value == null ? undefined : JSON.parse(value) as Row;
  }

  put(table: TableName, rows: Row[]): Promise<number> {
    this.#cache.get(table)!.clear();
    return this.#hashes.set(this.#prefix + table, Object.fromEntries(rows.map((row) => [String(row.id), JSON.stringify(row)])));
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
