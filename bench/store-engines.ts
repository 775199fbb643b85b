// Store engine probe: the same generated records loaded into the embedded DuckDB store (as the
// indexer writes them) and into SQLite with FTS5 (node:sqlite), then the same queries on both.
// Usage: node bench/store-engines.ts [--records 500000]
import { mkdtempSync, rmSync, statSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { generateNdjsonChunk } from './generator.ts';
import { DuckDbStore } from '../src/stores/embedded/duckdb-store.ts';
import { parseQuery } from '../src/query/parser.ts';
import { toRecord } from '../src/record/normalize.ts';
import { positionId } from '../src/record/id.ts';
import type { WriteBatch } from '../src/stores/store.ts';

const args = process.argv.slice(2);
const N = Number(args[args.indexOf('--records') + 1] || 500_000);
const BATCH = 10_000;
const SEED = 42;

function batches(): WriteBatch[] {
  const out: WriteBatch[] = [];
  const now = Date.now();
  for (let start = 0; start < N; start += BATCH) {
    const lines = generateNdjsonChunk(SEED, start, Math.min(BATCH, N - start)).toString('utf8').trim().split('\n');
    out.push({ stream: 'logs', partition: 0, entries: lines.map((line, i) => ({ offset: start + i, ingestedAt: now, value: Buffer.from(line) })) });
  }
  return out;
}

function size(file: string): number {
  return ['', '.wal', '-wal'].reduce((sum, suffix) => sum + (existsSync(file + suffix) ? statSync(file + suffix).size : 0), 0);
}

async function time<T>(fn: () => Promise<T> | T): Promise<[number, T]> {
  const started = performance.now();
  const value = await fn();
  return [performance.now() - started, value];
}

async function median(fn: () => Promise<unknown> | unknown, runs = 5): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) times.push((await time(fn))[0]);
  return times.sort((a, b) => a - b)[Math.floor(runs / 2)]!;
}

const data = batches();
const rawBytes = data.flatMap((batch) => batch.entries).reduce((sum, entry) => sum + entry.value.length + 1, 0);
const dir = mkdtempSync(path.join(tmpdir(), 'store-engines-'));
const results: Record<string, Record<string, string>> = { duckdb: {}, sqlite_fts5: {} };

// DuckDB, through the store as the indexer uses it.
{
  const store = await DuckDbStore.open(path.join(dir, 'duck'));
  const [ms] = await time(async () => { for (const batch of data) await store.write([batch]); });
  await store.close();
  const reopened = await DuckDbStore.open(path.join(dir, 'duck'));
  const r = results.duckdb!;
  r.ingest = `${Math.round(N / (ms / 1000))} rows/s`;
  r.bytesPerRow = (size(path.join(dir, 'duck/records.duckdb')) / N).toFixed(1);
  const q = (text: string) => ({ query: parseQuery(text), limit: 100 });
  r.levelError = (await median(() => reopened.search(q('level:error')))).toFixed(0) + ' ms';
  r.phrase = (await median(() => reopened.search(q('"Failed to connect"')))).toFixed(0) + ' ms';
  r.resourceId = (await median(() => reopened.search(q('resourceId:"server-1234"')))).toFixed(0) + ' ms';
  r.perCustomerP99 = (await median(() => reopened.stats({ query: null, groupBy: ['customer_id'], aggregations: [{ fn: 'count' }, { fn: 'avg', field: 'latency_ms' }, { fn: 'p99', field: 'latency_ms' }], limit: 1000 }), 3)).toFixed(0) + ' ms';
  r.hourlyHistogram = (await median(() => reopened.histogram({ query: null, intervalMs: 3_600_000 }))).toFixed(0) + ' ms';
  await reopened.close();
}

// SQLite + FTS5: hot fields as columns, message in an FTS5 index.
{
  const db = new DatabaseSync(path.join(dir, 'lite.db'));
  db.exec(`PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;
    CREATE TABLE records (id TEXT, ts INTEGER, level TEXT, message TEXT, resource_id TEXT, customer_id TEXT, latency REAL, body TEXT);
    CREATE VIRTUAL TABLE records_fts USING fts5(message, content='records', content_rowid='rowid');
    CREATE INDEX records_ts ON records(ts); CREATE INDEX records_level ON records(level, ts); CREATE INDEX records_resource ON records(resource_id, ts);`);
  const insert = db.prepare('INSERT INTO records VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
  const [ms] = await time(() => {
    for (const batch of data) {
      db.exec('BEGIN');
      for (const entry of batch.entries) {
        const json = entry.value.toString('utf8');
        const body = JSON.parse(json) as Record<string, unknown>;
        const r = toRecord(body, { stream: batch.stream, id: positionId(entry.ingestedAt, 0, entry.offset), ingestedAt: entry.ingestedAt });
        insert.run(r.id, r.ts, r.level, r.message, body.resourceId as string, body.customer_id as string, body.latency_ms as number, json);
      }
      db.exec(`INSERT INTO records_fts(rowid, message) SELECT rowid, message FROM records WHERE rowid > (SELECT coalesce(max(rowid), 0) FROM records_fts)`);
      db.exec('COMMIT');
    }
  });
  const r = results.sqlite_fts5!;
  r.ingest = `${Math.round(N / (ms / 1000))} rows/s`;
  db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
  r.bytesPerRow = (size(path.join(dir, 'lite.db')) / N).toFixed(1);
  const search = (where: string, params: (string | number)[]) => () => {
    db.prepare(`SELECT body FROM records WHERE ${where} ORDER BY ts DESC LIMIT 100`).all(...params);
    db.prepare(`SELECT count(*) FROM records WHERE ${where}`).get(...params);
  };
  r.levelError = (await median(search('level = ?', ['error']))).toFixed(0) + ' ms';
  r.phrase = (await median(search('rowid IN (SELECT rowid FROM records_fts WHERE records_fts MATCH ?)', ['"Failed to connect"']))).toFixed(0) + ' ms';
  r.resourceId = (await median(search('resource_id = ?', ['server-1234']))).toFixed(0) + ' ms';
  r.perCustomerP99 = (await median(() => db.prepare(`SELECT customer_id, count(*), avg(latency) FROM records GROUP BY customer_id`).all(), 3)).toFixed(0) + ' ms (no p99: SQLite has no percentile)';
  r.hourlyHistogram = (await median(() => db.prepare('SELECT ts / 3600000, count(*) FROM records GROUP BY 1').all())).toFixed(0) + ' ms';
  db.close();
}

rmSync(dir, { recursive: true, force: true });
console.log(JSON.stringify({ records: N, ndjsonBytesPerRow: (rawBytes / N).toFixed(1), results }, null, 2));
