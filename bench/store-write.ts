// Store write probe: the embedded store's write path alone, as the indexer calls it (no HTTP, no
// log). Prints CPU µs per record, rows kept as typed columns vs raw text, and bytes per record.
// Also the longest single write (a checkpoint stalls the write that triggers it) and peak RSS,
// and per million records written, so what grows with the store shows.
// Usage: node bench/store-write.ts [--records 300000] [--batch 10000] [--checkpoint 256MB] [--memory 1GB] [--run-rows 500000]
import { mkdtempSync, rmSync, statSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { generateNdjsonChunk } from './generator.ts';
import { DuckDbStore } from '../src/stores/embedded/duckdb-store.ts';
import type { WriteBatch } from '../src/stores/store.ts';

const args = process.argv.slice(2);
const text = (name: string): string | undefined => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const option = (name: string, fallback: number): number => Number(text(name) ?? fallback);
const records = option('--records', 300_000);
const batchSize = option('--batch', 10_000);
const checkpointThreshold = text('--checkpoint');
const memoryLimit = text('--memory');
const runRows = text('--run-rows') === undefined ? undefined : option('--run-rows', 0);

const ingestedAt = Date.now();
/** Built per write, so 10M records need no 4 GB of bodies up front; only the writes are timed. */
function batchAt(start: number): WriteBatch {
  const lines = generateNdjsonChunk(42, start, Math.min(batchSize, records - start)).toString('utf8').trim().split('\n');
  return { stream: 'logs', partition: 0, entries: lines.map((line, i) => ({ offset: start + i, ingestedAt, value: Buffer.from(line) })) };
}
/** Progress and the write cost per step of this many records: it grows with the store. */
const STEP = 1_000_000;

const dir = mkdtempSync(path.join(tmpdir(), 'store-write-'));
try {
  const store = await DuckDbStore.open(dir, { checkpointThreshold, memoryLimit, runRows });
  const rssBeforeMb = Math.round(process.memoryUsage().rss / 2 ** 20);
  let ndjsonBytes = 0;
  let cpuMicros = 0;
  let wallMs = 0;
  let longestWriteMs = 0;
  let step = { cpuMicros: 0, wallMs: 0, longestMs: 0 };
  for (let start = 0; start < records; start += batchSize) {
    const batch = batchAt(start);
    ndjsonBytes += batch.entries.reduce((sum, entry) => sum + entry.value.length + 1, 0);
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    await store.write([batch]);
    const ms = performance.now() - started;
    const cpu = process.cpuUsage(cpuBefore);
    step = { cpuMicros: step.cpuMicros + cpu.user + cpu.system, wallMs: step.wallMs + ms, longestMs: Math.max(step.longestMs, ms) };
    const written = start + batch.entries.length;
    if (written % STEP === 0 || written === records) {
      const n = written % STEP || STEP;
      console.error(`${written.toLocaleString('en')} written: ${(step.cpuMicros / n).toFixed(1)} µs CPU/record, longest write ${Math.round(step.longestMs)} ms, rss ${Math.round(process.memoryUsage().rss / 2 ** 20)} MB`);
      cpuMicros += step.cpuMicros;
      wallMs += step.wallMs;
      longestWriteMs = Math.max(longestWriteMs, step.longestMs);
      step = { cpuMicros: 0, wallMs: 0, longestMs: 0 };
    }
  }
  // closing checkpoints what is still in the WAL: part of the cost of every record written
  const cpuBefore = process.cpuUsage();
  const closeStarted = performance.now();
  await store.close();
  wallMs += performance.now() - closeStarted;
  const cpu = process.cpuUsage(cpuBefore);
  cpuMicros += cpu.user + cpu.system;
  const file = path.join(dir, 'records.duckdb');
  const bytes = [file, `${file}.wal`].reduce((sum, f) => sum + (existsSync(f) ? statSync(f).size : 0), 0);
  const db = await DuckDBInstance.create(file);
  const connection = await db.connect();
  const [count, raw, templates] = (await connection.runAndReadAll('SELECT count(*), count(raw), count(DISTINCT tpl) FROM records')).getRows()[0]!.map(Number);
  connection.closeSync();
  db.closeSync();
  console.log(JSON.stringify({
    records, batchSize, checkpointThreshold: checkpointThreshold ?? 'default', memoryLimit: memoryLimit ?? 'default',
    cpuMicrosPerRecord: +(cpuMicros / records).toFixed(2),
    wallMicrosPerRecord: +((wallMs * 1000) / records).toFixed(2),
    longestWriteMs: Math.round(longestWriteMs),
    rssBeforeMb, peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    rows: count, rawRows: raw, templates,
    bytesPerRecord: +(bytes / records).toFixed(1), ndjsonBytesPerRecord: +(ndjsonBytes / records).toFixed(1),
  }));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
