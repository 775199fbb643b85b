// Helpers for tests that look into an embedded store's file after the store is closed.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';

/** Opens the store file of `dir` directly (the store must be closed) and runs SQL on it. */
export async function inStoreFile<T>(dir: string, read: (run: (sql: string) => Promise<unknown[][]>) => Promise<T>): Promise<T> {
  const db = await DuckDBInstance.create(path.join(dir, 'records.duckdb'));
  const connection = await db.connect();
  try {
    return await read(async (sql) => (await connection.runAndReadAll(sql)).getRows());
  } finally {
    connection.closeSync();
    db.closeSync();
  }
}

/** A test body given a fresh temporary directory, removed afterwards. */
export function withTempDir(name: string, body: (dir: string) => Promise<void>): () => Promise<void> {
  return async () => {
    const dir = mkdtempSync(path.join(tmpdir(), name));
    try {
      await body(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}
