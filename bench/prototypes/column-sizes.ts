// Per-column on-disk bytes of a kept DB: each column copied alone (same row order) into a fresh
// database file with the same storage version, checkpointed, and its file growth measured.
// Also prints the compression methods pragma_storage_info reports for each column.
// Usage: node bench/prototypes/column-sizes.ts --db FILE [--compress auto|zstd]
import { rmSync, statSync } from 'node:fs';
import { DuckDBInstance } from '@duckdb/node-api';
import { arg } from './common.ts';

const dbFile = arg('db', '');
const compress = arg('compress', 'auto');
const inst = await DuckDBInstance.create(':memory:', { threads: '2' });
const con = await inst.connect();
await con.run(`ATTACH '${dbFile}' AS src (READ_ONLY)`);
const n = Number((await con.runAndReadAll('SELECT count(*) n FROM src.records')).getRowObjects()[0]!.n);
const cols = (await con.runAndReadAll(`SELECT column_name, data_type FROM duckdb_columns() WHERE database_name = 'src' AND table_name = 'records' ORDER BY column_index`)).getRowObjects();
const comp = (await con.runAndReadAll(`SELECT column_name, string_agg(DISTINCT compression, ',') c FROM pragma_storage_info('src.records') WHERE segment_type <> 'VALIDITY' GROUP BY 1`)).getRowObjects();
const empty = '/tmp/trib-proto/colsize-empty.duckdb';
rmSync(empty, { force: true });
await con.run(`ATTACH '${empty}' AS e (STORAGE_VERSION 'v1.5.0')`); await con.run('CREATE TABLE e.t (x INTEGER)'); await con.run('CHECKPOINT e'); await con.run('DETACH e');
const base = statSync(empty).size;
let total = 0;
const out: Array<[string, string, string, number]> = [];
for (const c of cols) {
  const f = `/tmp/trib-proto/colsize-${c.column_name}.duckdb`;
  rmSync(f, { force: true });
  await con.run(`ATTACH '${f}' AS t (STORAGE_VERSION 'v1.5.0')`);
  if (compress !== 'auto') await con.run(`SET force_compression = '${compress}'`);
  await con.run(`CREATE TABLE t.c AS SELECT "${c.column_name}" FROM src.records ORDER BY rowid`);
  await con.run('CHECKPOINT t'); await con.run('DETACH t');
  const b = (statSync(f).size - base) / n;
  total += b;
  rmSync(f, { force: true });
  out.push([String(c.column_name), String(c.data_type), String(comp.find((x) => x.column_name === c.column_name)?.c ?? ''), +b.toFixed(2)]);
}
for (const o of out) console.log(o.join('\t'));
console.log(`sum\t\t\t${total.toFixed(1)}  (file ${(statSync(dbFile).size / n).toFixed(1)} B/record, ${n} records)`);
