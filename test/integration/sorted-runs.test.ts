// Recent records move into time-ordered runs while writes go on: none is lost or doubled, the runs
// are in ts order, shapes learned between moves reach both tables, a move commits only through
// the store's read gate, and a store from before the split opens with its records in place
// (src/stores/embedded/sorted-runs.ts).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DuckDbStore } from '../../src/stores/embedded/duckdb-store.ts';
import { parseQuery } from '../../src/query/parser.ts';
import type { WriteBatch } from '../../src/stores/store.ts';
import { SortedRuns } from '../../src/stores/embedded/sorted-runs.ts';
import { SORTED_TABLE, RECENT_TABLE, RECENT_DEFAULTS } from '../../src/stores/embedded/schema.ts';
import { MINUTE_COUNTS_TABLE } from '../../src/stores/embedded/minute-counts.ts';
import { DuckDBInstance } from '@duckdb/node-api';
import { inStoreFile, withTempDir } from '../support/store-files.ts';

const START = Date.UTC(2025, 0, 1);

function line(i: number): string {
  // out of time order: a multiplicative hash spreads the timestamps over a day
  const ts = START + ((i * 7919) % 86_400) * 1000;
  return JSON.stringify({ timestamp: new Date(ts).toISOString(), level: 'info', message: `record ${i}`, n: i });
}

function batch(from: number, count: number, lines: (i: number) => string = line): WriteBatch {
  return { stream: 'app', partition: 0, entries: Array.from({ length: count }, (_, k) => ({ offset: from + k, ingestedAt: START, value: Buffer.from(lines(from + k)) })) };
}

describe('sorted runs', () => {
  test('moves recent records into ts-ordered runs while writes continue, losing and doubling none', withTempDir('runs-', async (dir) => {
    const store = await DuckDbStore.open(dir, { runRows: 1000 });
    // one write after another, as the indexer makes them, each beside the move an earlier one started
    for (let k = 0; k < 20; k++) await store.write([batch(k * 500, 500)]);
    const all = await store.search({ query: null, limit: 0 });
    const some = await store.search({ query: parseQuery('n:4321'), limit: 10 });
    await store.close();
    assert.equal(all.total, 10_000);
    assert.deepEqual(some.hits.map((hit) => JSON.parse(hit.bodyJson).n), [4321]);
    const [sorted, recent, distinct, descents] = await inStoreFile(dir, async (run) => (await run(`SELECT
      (SELECT count(*) FROM records_sorted), (SELECT count(*) FROM records_recent), (SELECT count(DISTINCT off) FROM records),
      (SELECT count(*) FROM (SELECT ts < lag(ts) OVER (ORDER BY rowid) AS down FROM records_sorted) WHERE down)`))[0]!.map(Number));
    assert.ok(sorted! >= 9000, `${sorted} records moved into runs`);
    assert.equal(sorted! + recent!, 10_000);
    assert.equal(distinct, 10_000);
    // Each run is ascending, so ts only steps back where a run begins: at most one per run.
    assert.ok(descents! <= sorted! / 1000, `${descents} steps back in ts within the runs`);
  }));

  test('a run too large to sort in the store memory at once moves in pieces, still in ts order', withTempDir('runs-wide-', async (dir) => {
    // 3 KB records: the 128 MB pool cannot sort a run of 40,000 at once: the move used to fail every time, and
    // the recent table kept every record from then on
    const wide = (i: number): string => JSON.stringify({ timestamp: new Date(START + ((i * 7919) % 86_400) * 1000).toISOString(),
      level: 'info', message: `record ${i}`, n: i, blob: Array.from({ length: 60 }, (_, k) => ((i * 2654435761 + k * 40503) >>> 0).toString(36).padStart(7, '0')).join(' ').repeat(6) });
    const store = await DuckDbStore.open(dir, { runRows: 40_000, memoryLimit: '128MB' });
    for (let k = 0; k < 100; k++) await store.write([batch(k * 500, 500, wide)]);
    const total = (await store.search({ query: null, limit: 0 })).total;
    const some = await store.search({ query: parseQuery('n:4321'), limit: 10 });
    await store.close();
    assert.equal(total, 50_000);
    assert.deepEqual(some.hits.map((hit) => hit.bodyJson), [wide(4321)]);
    const [sorted, recent, descents] = await inStoreFile(dir, async (run) => (await run(`SELECT
      (SELECT count(*) FROM records_sorted), (SELECT count(*) FROM records_recent),
      (SELECT count(*) FROM (SELECT ts < lag(ts) OVER (ORDER BY rowid) AS down FROM records_sorted) WHERE down)`))[0]!.map(Number));
    assert.ok(sorted! >= 40_000, `${sorted} records moved into a run, ${recent} left recent`);
    assert.equal(sorted! + recent!, 50_000);
    assert.equal(descents, 0, 'the pieces make one run in ts order');
  }));

  test('a shape learned after runs moved reaches both tables, and every body comes back', withTempDir('runs-shape-', async (dir) => {
    const store = await DuckDbStore.open(dir, { runRows: 1000 });
    await store.write([batch(0, 1500)]);
    const other = (i: number): string => JSON.stringify({ msg: `other ${i}`, code: i, ok: i % 2 === 0 });
    await store.write([batch(1500, 200, other)]);
    await store.write([batch(1700, 300, other)]);
    await store.write([batch(2000, 1200)]);
    const hits = (await store.search({ query: null, limit: 5000 })).hits;
    await store.close();
    const expected = [...Array.from({ length: 1500 }, (_, i) => line(i)), ...Array.from({ length: 500 }, (_, i) => other(1500 + i)),
      ...Array.from({ length: 1200 }, (_, i) => line(2000 + i))];
    assert.deepEqual(hits.map((hit) => hit.bodyJson).sort(), expected.sort());
    const [sorted] = await inStoreFile(dir, async (run) => (await run('SELECT count(*) FROM records_sorted'))[0]!.map(Number));
    assert.ok(sorted! > 1500, `${sorted} records in runs: the later shape moved too`);
  }));

  test('a move commits inside the step it is given, so the store can keep reads away from the commit', async () => {
    const instance = await DuckDBInstance.create(':memory:');
    const setup = await instance.connect();
    for (const ddl of [SORTED_TABLE, RECENT_TABLE, RECENT_DEFAULTS, MINUTE_COUNTS_TABLE]) await setup.run(ddl);
    await setup.run(`INSERT INTO records_recent (stream, ts, ingested_at, part, off)
      SELECT 'app', ${START} + (i * 7919) % 86400000, ${START}, 0, i FROM range(1000) t(i)`);
    const moved = async () => Number((await setup.runAndReadAll('SELECT count(*) FROM records_sorted')).getRows()[0]![0]);
    const seen: number[] = [];
    const runs = await SortedRuns.open(await instance.connect(), 1000, async (commit) => {
      seen.push(await moved());
      await commit();
      seen.push(await moved());
    });
    runs.added(0);
    await runs.settled();
    await runs.close();
    setup.closeSync();
    instance.closeSync();
    assert.deepEqual(seen, [0, 1000], 'not committed before the step, committed by it');
  });

  test('a store from before topic numbers and own ids opens with every id as it was', withTempDir('runs-ids-', async (dir) => {
    const store = await DuckDbStore.open(dir, { runRows: 100 });
    await store.write([batch(0, 300)]);
    const before = (await store.search({ query: null, limit: 300 })).hits.map((hit) => hit.id);
    await store.close();
    await inStoreFile(dir, async (run) => {
      await run('DROP VIEW records');
      for (const table of ['records_sorted', 'records_recent']) for (const column of ['src', 'rid']) await run(`ALTER TABLE ${table} DROP COLUMN ${column}`);
      await run('DROP TABLE store_sources');
      return null;
    });
    const reopened = await DuckDbStore.open(dir, { runRows: 100 });
    await reopened.write([batch(300, 10)]);
    const after = (await reopened.search({ query: null, limit: 310 })).hits.map((hit) => hit.id);
    await reopened.close();
    assert.equal(new Set(after).size, 310);
    assert.deepEqual(before.filter((id) => !after.includes(id)), [], 'every id as it was');
  }));

  test('a store from before the split opens with its records searchable', withTempDir('runs-old-', async (dir) => {
    const store = await DuckDbStore.open(dir);
    await store.write([batch(0, 300)]);
    await store.close();
    // the layout before: one table named records, no recent table, no view, no minute counts
    await inStoreFile(dir, async (run) => {
      await run('DROP VIEW records');
      await run('INSERT INTO records_sorted SELECT * FROM records_recent');
      await run('DROP TABLE records_recent');
      await run('DROP TABLE records_minutes');
      await run('ALTER TABLE records_sorted RENAME TO records');
      return null;
    });
    const reopened = await DuckDbStore.open(dir, { runRows: 100 });
    await reopened.write([batch(300, 200)]);
    const result = await reopened.search({ query: parseQuery('n:<5'), limit: 10 });
    const total = (await reopened.search({ query: null, limit: 0 })).total;
    await reopened.close();
    assert.equal(total, 500);
    assert.deepEqual(result.hits.map((hit) => JSON.parse(hit.bodyJson).n).sort(), [0, 1, 2, 3, 4]);
  }));
});
