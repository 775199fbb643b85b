// DuckDB alone, the way the embedded store moves rows (docs/decisions.md, "Moving rows between
// tables"): two writers append to `recent`; a mover copies it into `sorted` and deletes it in one
// transaction that also bumps a marker row; three readers run newest-first queries over a view of
// both tables and report any row they see twice, with the marker value their snapshot read.
//
//   node scripts/duckdb-move-repro.ts [--moves 25] [--rows-per-move 400000] [--gate]
//     [--no-optimistic-write] [--checkpoints]
//
// --gate runs each move's COMMIT with no read statement in progress, as the store does.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { ExclusiveGate } from '../src/stores/embedded/exclusive-gate.ts';

const { values } = parseArgs({
  options: {
    moves: { type: 'string', default: '25' },
    'rows-per-move': { type: 'string', default: '400000' },
    gate: { type: 'boolean', default: false },
    'no-optimistic-write': { type: 'boolean', default: false },
    checkpoints: { type: 'boolean', default: false },
  },
});
const moves = Number(values.moves);
const rowsPerWrite = 5000;
const writesPerMove = Math.max(1, Math.round(Number(values['rows-per-move']) / (2 * rowsPerWrite)));

const dir = mkdtempSync(path.join(tmpdir(), 'duckdb-move-'));
const instance = await DuckDBInstance.create(path.join(dir, 'db.duckdb'), {
  threads: '2',
  enable_optimistic_write: values['no-optimistic-write'] ? 'false' : 'true',
  // without --checkpoints none runs at all, automatic or ours
  checkpoint_threshold: values.checkpoints ? '16MB' : '100GB',
});
const setup = await instance.connect();
for (const sql of [
  'CREATE TABLE sorted (ts BIGINT, id BIGINT, msg VARCHAR)',
  'CREATE TABLE recent AS SELECT * FROM sorted LIMIT 0',
  'CREATE TABLE marker (moves INTEGER)',
  'INSERT INTO marker VALUES (0)',
]) await setup.run(sql);

const gate = new ExclusiveGate();
const writers = [setup, await instance.connect()];
const mover = await instance.connect();
const readers = await Promise.all([1, 2, 3].map(() => instance.connect()));
let nextId = 0;
let stop = false;
let reads = 0;
const twice: string[] = [];

async function write(connection: DuckDBConnection): Promise<void> {
  const first = nextId;
  nextId += rowsPerWrite;
  await connection.run(`INSERT INTO recent SELECT i * 10 + (hash(i) % 7)::BIGINT, i, 'message ' || i || ' failed to connect'
    FROM range(${first}, ${first + rowsPerWrite}) t(i)`);
}

async function read(connection: DuckDBConnection, movesCommitted: () => number): Promise<void> {
  const sql = `SELECT id, moves FROM (SELECT ts, id FROM sorted UNION ALL SELECT ts, id FROM recent) CROSS JOIN marker
    ORDER BY ts DESC, id DESC LIMIT 100`;
  while (!stop) {
    const committedBefore = movesCommitted();
    const run = () => connection.runAndReadAll(sql);
    const rows = (await (values.gate ? gate.together(run) : run())).getRows();
    reads++;
    const ids = new Set(rows.map((row) => String(row[0])));
    if (ids.size < rows.length) {
      twice.push(`${rows.length - ids.size} of 100 rows twice; snapshot read marker ${String(rows[0]![1])}, moves committed before the query: ${committedBefore}`);
    }
  }
}

let committed = 0;
const reading = readers.map((connection) => read(connection, () => committed));
for (let move = 0; move < moves; move++) {
  for (let i = 0; i < writesPerMove; i++) await Promise.all(writers.map(write));
  await mover.run('BEGIN TRANSACTION');
  await mover.run('INSERT INTO sorted SELECT * FROM recent ORDER BY ts');
  await mover.run('DELETE FROM recent');
  await mover.run('UPDATE marker SET moves = moves + 1');
  const commit = () => mover.run('COMMIT');
  await (values.gate ? gate.alone(commit) : commit());
  committed++;
  if (values.checkpoints) await mover.run('CHECKPOINT');
  await new Promise((resolve) => setTimeout(resolve, 200));
  process.stderr.write(`move ${move + 1}/${moves}: ${nextId} rows written, ${reads} queries, ${twice.length} listed a row twice\n`);
}
stop = true;
await Promise.all(reading);
for (const line of twice) console.log(line);
console.log(`${twice.length} of ${reads} queries listed a row twice (${moves} moves of ${writesPerMove * 2 * rowsPerWrite} rows${values.gate ? ', gated' : ''})`);
for (const connection of [...writers, mover, ...readers]) connection.closeSync();
instance.closeSync();
rmSync(dir, { recursive: true, force: true });
