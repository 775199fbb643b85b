// Store-write prototype: ingest N generated records into a fresh DuckDB file with one layout /
// write path, commits of --batch rows each carrying the consumer_offsets upsert, then CHECKPOINT.
// Prints one JSON line: records/s, CPU-µs/record (process.cpuUsage: all threads), commit latency,
// WAL peak, bytes/record, row groups, compression per column.
// Usage: node bench/prototypes/ingest.ts --layout a|a_chunk|b|b_chunk|c|c_raw|c_file [--bin 1]
//        [--records 1000000] [--batch 30000] [--order ts|gen] [--storage latest|default]
//        [--compress auto|zstd|...] [--db /tmp/trib-proto/x.duckdb] [--keep 1]
import { rmSync, writeFileSync } from 'node:fs';
import { DuckDBInstance, DuckDBDataChunk, DuckDBVarCharType, DuckDBBigIntType, DuckDBUSmallIntType, DuckDBIntegerType, DuckDBUBigIntType, type DuckDBConnection, type DuckDBType } from '@duckdb/node-api';
import { toRecord } from '../../src/record/normalize.ts';
import { arg, loadLines, fileBytes, cpuSec, pct, positionId, DATA_DIR } from './common.ts';
import { OFFSETS_DDL, BASELINE_DDL, typedDdl, bulkInsertSql, bodyViewSql } from './layouts.ts';

const layout = arg('layout', 'a');
const N = Number(arg('records', '1000000'));
const BATCH = Number(arg('batch', '30000'));
const order = arg('order', 'ts');
const bin = arg('bin', '0') === '1';
const storage = arg('storage', 'latest');
const compress = arg('compress', 'auto');
const dbFile = arg('db', `${DATA_DIR}/${layout}${bin ? '-bin' : ''}-${BATCH}-${compress}-${storage}-${arg('ckpt', 'd')}.duckdb`);
const keep = arg('keep', '0') === '1';
const ckpt = arg('ckpt', 'default'); // checkpoint_threshold (= wal_autocheckpoint), e.g. 1GB

const lines = loadLines(N, order);
rmSync(dbFile, { force: true }); rmSync(dbFile + '.wal', { force: true });
const config: Record<string, string> = { threads: '2' };
if (storage === 'latest') config.storage_compatibility_version = 'latest';
const instance = await DuckDBInstance.create(dbFile, config);
const con = await instance.connect();
if (compress !== 'auto') await con.run(`SET force_compression = '${compress}'`);
if (ckpt !== 'default') await con.run(`SET checkpoint_threshold = '${ckpt}'`);
const typed = layout !== 'a' && layout !== 'a_chunk';
await con.run(typed ? typedDdl(bin) : BASELINE_DDL);
await con.run(OFFSETS_DDL);
if (typed) await con.run(bodyViewSql(bin));

const STREAM = 'logs';
const INGEST_BASE = Date.parse('2025-01-15T00:00:00Z');
let parseCpu = 0;

async function inTx(con: DuckDBConnection, nextOffset: number, body: () => Promise<void>): Promise<void> {
  await con.run('BEGIN TRANSACTION');
  try {
    await body();
    await con.run('INSERT OR REPLACE INTO consumer_offsets VALUES (?, ?, ?, ?)', ['indexer', 'logs', 0, BigInt(nextOffset)]);
    await con.run('COMMIT');
  } catch (e) { await con.run('ROLLBACK').catch(() => undefined); throw e; }
}

// ---- layout A: today's indexer + store (JSON.parse + toRecord, Appender row by row) ----
function parseBaseline(batch: string[], start: number, ingested: number) {
  const c0 = cpuSec();
  const out = batch.map((line, k) => {
    const r = toRecord(JSON.parse(line), { stream: STREAM, id: positionId(ingested, 0, start + k), ingestedAt: ingested });
    return { id: r.id, stream: r.stream, ts: r.ts, ingestedAt: r.ingestedAt, level: r.level, message: r.message, bodyJson: line };
  });
  parseCpu += cpuSec() - c0;
  return out;
}

// ---- layout B: JS flattening with a byte-exact rebuild check ----
interface Flat { ts: number; level: string | null; message: string; resourceId: string; traceId: string; spanId: string; commit: string;
  p: string; region: string; env: string; customer_id: string; latency_ms: number; status: number; raw: string | null }
const LV: Record<string, string> = { error: 'error', err: 'error', warn: 'warn', warning: 'warn', info: 'info', debug: 'debug', trace: 'trace', fatal: 'fatal' };
function flatten(batch: string[], ingested: number): Flat[] {
  const c0 = cpuSec();
  const out = batch.map((line) => {
    const o = JSON.parse(line);
    const m = o.metadata ?? {};
    const ts = Date.parse(o.timestamp);
    const f: Flat = { ts: Number.isNaN(ts) ? ingested : ts, level: LV[String(o.level).toLowerCase()] ?? null, message: o.message, resourceId: o.resourceId,
      traceId: o.traceId, spanId: o.spanId, commit: o.commit, p: m.parentResourceId, region: m.region, env: m.env,
      customer_id: o.customer_id, latency_ms: o.latency_ms, status: o.status, raw: null };
    f.raw = rebuildJs(f) === line ? null : line;
    return f;
  });
  parseCpu += cpuSec() - c0;
  return out;
}
const J = JSON.stringify;
function rebuildJs(f: Flat): string {
  if (!Number.isInteger(f.latency_ms) || !Number.isInteger(f.status) || f.level === null) return '';
  return `{"level":${J(f.level)},"message":${J(f.message)},"resourceId":${J(f.resourceId)},"timestamp":"${new Date(f.ts).toISOString()}","traceId":${J(f.traceId)},"spanId":${J(f.spanId)},"commit":${J(f.commit)},"metadata":{"parentResourceId":${J(f.p)},"region":${J(f.region)},"env":${J(f.env)}},"customer_id":${J(f.customer_id)},"latency_ms":${f.latency_ms},"status":${f.status}}`;
}

const V = DuckDBVarCharType.instance, B = DuckDBBigIntType.instance;
async function writeBatch(batch: string[], start: number, ingested: number): Promise<void> {
  const next = start + batch.length;
  if (layout === 'a') {
    const recs = parseBaseline(batch, start, ingested);
    await inTx(con, next, async () => {
      const ap = await con.createAppender('records');
      for (const r of recs) {
        ap.appendVarchar(r.stream); ap.appendVarchar(r.id); ap.appendBigInt(BigInt(r.ts)); ap.appendBigInt(BigInt(r.ingestedAt));
        if (r.level === null) ap.appendNull(); else ap.appendVarchar(r.level);
        if (r.message === null) ap.appendNull(); else ap.appendVarchar(r.message);
        ap.appendVarchar(r.bodyJson); ap.endRow();
      }
      ap.flushSync(); ap.closeSync();
    });
  } else if (layout === 'a_chunk') {
    const recs = parseBaseline(batch, start, ingested);
    await inTx(con, next, async () => {
      const ap = await con.createAppender('records');
      for (let s = 0; s < recs.length; s += 2048) {
        const part = recs.slice(s, s + 2048);
        const chunk = DuckDBDataChunk.create([V, V, B, B, V, V, V], part.length);
        chunk.setColumns([part.map((r) => r.stream), part.map((r) => r.id), part.map((r) => BigInt(r.ts)), part.map((r) => BigInt(r.ingestedAt)),
          part.map((r) => r.level), part.map((r) => r.message), part.map((r) => r.bodyJson)]);
        ap.appendDataChunk(chunk);
      }
      ap.flushSync(); ap.closeSync();
    });
  } else if (layout === 'b') {
    const fl = flatten(batch, ingested);
    await inTx(con, next, async () => {
      const ap = await con.createAppender('records');
      const ing = BigInt(ingested);
      for (let k = 0; k < fl.length; k++) {
        const f = fl[k]!;
        ap.appendVarchar(STREAM); ap.appendBigInt(BigInt(f.ts)); ap.appendBigInt(ing); ap.appendUSmallInt(0); ap.appendBigInt(BigInt(start + k));
        if (f.level === null) ap.appendNull(); else ap.appendVarchar(f.level);
        ap.appendVarchar(f.message); ap.appendVarchar(f.resourceId);
        if (bin) { ap.appendUBigInt(BigInt('0x' + f.traceId.slice(0, 16))); ap.appendUBigInt(BigInt('0x' + f.traceId.slice(16))); ap.appendUBigInt(BigInt('0x' + f.spanId)); }
        else { ap.appendVarchar(f.traceId); ap.appendVarchar(f.spanId); }
        ap.appendVarchar(f.commit); ap.appendVarchar(f.p); ap.appendVarchar(f.region); ap.appendVarchar(f.env); ap.appendVarchar(f.customer_id);
        ap.appendBigInt(BigInt(f.latency_ms)); ap.appendInteger(f.status);
        if (f.raw === null) ap.appendNull(); else ap.appendVarchar(f.raw);
        ap.endRow();
      }
      ap.flushSync(); ap.closeSync();
    });
  } else if (layout === 'b_chunk') {
    const fl = flatten(batch, ingested);
    const U = DuckDBUBigIntType.instance;
    const types: DuckDBType[] = [V, B, B, DuckDBUSmallIntType.instance, B, V, V, V, ...(bin ? [U, U, U] : [V, V]), V, V, V, V, V, B, DuckDBIntegerType.instance, V];
    const ing = BigInt(ingested);
    await inTx(con, next, async () => {
      const ap = await con.createAppender('records');
      for (let s = 0; s < fl.length; s += 2048) {
        const p = fl.slice(s, s + 2048);
        const chunk = DuckDBDataChunk.create(types, p.length);
        chunk.setColumns([p.map(() => STREAM), p.map((f) => BigInt(f.ts)), p.map(() => ing), p.map(() => 0), p.map((_, k) => BigInt(start + s + k)),
          p.map((f) => f.level), p.map((f) => f.message), p.map((f) => f.resourceId),
          ...(bin ? [p.map((f) => BigInt('0x' + f.traceId.slice(0, 16))), p.map((f) => BigInt('0x' + f.traceId.slice(16))), p.map((f) => BigInt('0x' + f.spanId))]
            : [p.map((f) => f.traceId), p.map((f) => f.spanId)]),
          p.map((f) => f.commit), p.map((f) => f.p), p.map((f) => f.region), p.map((f) => f.env), p.map((f) => f.customer_id),
          p.map((f) => BigInt(f.latency_ms)), p.map((f) => f.status), p.map((f) => f.raw)]);
        ap.appendDataChunk(chunk);
      }
      ap.flushSync(); ap.closeSync();
    });
  } else if (layout === 'c' || layout === 'c_raw' || layout === 'c_nocheck' || layout === 'c_file') {
    await inTx(con, next, async () => {
      const ps = layout === 'c_file' ? fileStmt! : paramStmt!;
      const text = batch.join('\n');
      if (layout === 'c_file') { writeFileSync('/dev/shm/trib-proto-batch.ndjson', text); ps.bindVarchar(ps.parameterIndex('file'), '/dev/shm/trib-proto-batch.ndjson'); }
      else ps.bindVarchar(ps.parameterIndex('batch'), text);
      ps.bindVarchar(ps.parameterIndex('stream'), STREAM); ps.bindBigInt(ps.parameterIndex('ingested'), BigInt(ingested)); ps.bindInteger(ps.parameterIndex('part'), 0); ps.bindBigInt(ps.parameterIndex('base'), BigInt(start));
      await ps.run();
    });
  } else throw new Error(`unknown layout ${layout}`);
}

const paramStmt = layout === 'c' || layout === 'c_raw' || layout === 'c_nocheck' ? await con.prepare(bulkInsertSql(bin, layout === 'c_nocheck' ? 'never' : layout === 'c_raw')) : undefined;
const fileStmt = layout === 'c_file' ? await con.prepare(bulkInsertSql(bin, false, 'file')) : undefined;

const commitMs: number[] = [];
let walPeak = 0;
const w0 = performance.now(), c0 = cpuSec();
for (let start = 0, b = 0; start < N; start += BATCH, b++) {
  const t = performance.now();
  await writeBatch(lines.slice(start, start + BATCH), start, INGEST_BASE + b * 300);
  commitMs.push(performance.now() - t);
  walPeak = Math.max(walPeak, fileBytes(dbFile).wal);
}
const ingestWall = (performance.now() - w0) / 1000, ingestCpu = cpuSec() - c0;
const beforeCk = fileBytes(dbFile);
const k0 = performance.now(), kc0 = cpuSec();
await con.run('CHECKPOINT');
const ckWall = (performance.now() - k0) / 1000, ckCpu = cpuSec() - kc0;
const after = fileBytes(dbFile);
const rows = (await con.runAndReadAll('SELECT count(*) n, count(raw) FILTER (WHERE true) AS raw_kept FROM records'.replace(', count(raw) FILTER (WHERE true) AS raw_kept', typed ? ', count(raw) AS raw_kept' : ', 0 AS raw_kept'))).getRowObjects()[0]!;
const info = (await con.runAndReadAll(`SELECT count(DISTINCT row_group_id) rgs, string_agg(DISTINCT column_name || ':' || compression, ' ') FILTER (WHERE segment_type <> 'VALIDITY') comp FROM pragma_storage_info('records')`)).getRowObjects()[0]!;
let exact = 'n/a';
if (typed) { // spot-check fidelity: every 997th record's body equals the original line
  const r = await con.runAndReadAll(`SELECT off, body FROM records_v WHERE off % 997 = 0 ORDER BY off`);
  const bad = r.getRowObjects().filter((row) => row.body !== lines[Number(row.off)]).length;
  exact = `${r.getRowObjects().length - bad}/${r.getRowObjects().length}`;
}
con.closeSync(); instance.closeSync();
const closed = fileBytes(dbFile);
if (!keep) { rmSync(dbFile, { force: true }); rmSync(dbFile + '.wal', { force: true }); }
console.log(JSON.stringify({
  layout: layout + (bin ? '+bin' : ''), records: N, batch: BATCH, order, storage, compress, ckpt,
  totalCpuUsPerRec: +((ingestCpu + ckCpu) * 1e6 / N).toFixed(2), rssMB: Math.round(process.memoryUsage().rss / 1e6),
  recPerSec: Math.round(N / ingestWall), cpuUsPerRec: +(ingestCpu * 1e6 / N).toFixed(2), jsParseUsPerRec: +(parseCpu * 1e6 / N).toFixed(2),
  recPerCpuSec: Math.round(N / ingestCpu), commitMsP50: +pct(commitMs, 0.5).toFixed(1), commitMsMax: +Math.max(...commitMs).toFixed(1),
  walPeakMB: +(walPeak / 1e6).toFixed(1), bytesPerRecBeforeCk: +((beforeCk.db + beforeCk.wal) / N).toFixed(1),
  checkpointS: +ckWall.toFixed(2), checkpointCpuS: +ckCpu.toFixed(2), bytesPerRec: +(closed.db / N).toFixed(1),
  rows: Number(rows.n), rawKept: Number(rows.raw_kept), exact, rowGroups: Number(info.rgs), comp: info.comp,
}));
