// Counts and histograms of time-only filters come from per-minute counts of the sorted runs plus
// the rows at the range's edges and the recent rows (src/stores/embedded/minute-counts.ts): every
// answer must equal a count of the records themselves, wherever the range's ends fall.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { DuckDbStore } from '../../src/stores/embedded/duckdb-store.ts';
import { parseQuery } from '../../src/query/parser.ts';
import type { Filter, WriteBatch } from '../../src/stores/store.ts';
import { inStoreFile, withTempDir } from '../support/store-files.ts';

const START = Date.UTC(2025, 0, 1, 10, 0, 0);
const MINUTE = 60_000;

interface Written {
  stream: string;
  ts: number;
}

/** Timestamps spread over three hours at ms precision, out of order; some on a minute's first ms, some before 1970. */
function tsOf(i: number): number {
  if (i % 97 === 0) return -90_500 + (i % 7) * 20_000;
  if (i % 13 === 0) return START + (i % 180) * MINUTE;
  return START + ((i * 7919) % 10_800) * 1000 + (i % 1000);
}

function batch(stream: string, from: number, count: number, written: Written[]): WriteBatch {
  const entries = Array.from({ length: count }, (_, k) => {
    const i = from + k;
    const ts = tsOf(i);
    written.push({ stream, ts });
    return { offset: i, ingestedAt: START, value: Buffer.from(JSON.stringify({ timestamp: new Date(ts).toISOString(), level: 'info', message: `record ${i}` })) };
  });
  return { stream, partition: 0, entries };
}

function matching(written: Written[], filter: Filter): Written[] {
  return written.filter((row) => (filter.fromMs === undefined || row.ts >= filter.fromMs) && (filter.toMs === undefined || row.ts <= filter.toMs)
    && (!filter.streams || filter.streams.includes(row.stream)));
}

function histogram(rows: Written[], interval: number): Map<number, number> {
  const counts = new Map<number, number>();
  for (const row of rows) {
    const bucket = Math.floor(row.ts / interval) * interval;
    counts.set(bucket, (counts.get(bucket) ?? 0) + 1);
  }
  return counts;
}

const FILTERS: Array<{ name: string; filter: Omit<Filter, 'query'> }> = [
  { name: 'everything', filter: {} },
  { name: 'whole minutes', filter: { fromMs: START + 10 * MINUTE, toMs: START + 70 * MINUTE - 1 } },
  { name: 'whole minutes and the end on a minute', filter: { fromMs: START + 10 * MINUTE, toMs: START + 70 * MINUTE } },
  { name: 'to only, on a minute', filter: { toMs: START + 42 * MINUTE } },
  { name: 'cut minutes at both ends', filter: { fromMs: START + 10 * MINUTE + 12_345, toMs: START + 70 * MINUTE + 999 } },
  { name: 'inside one minute', filter: { fromMs: START + 30 * MINUTE + 1_000, toMs: START + 30 * MINUTE + 40_000 } },
  { name: 'from only, cut', filter: { fromMs: START + 100 * MINUTE + 1 } },
  { name: 'to only, cut', filter: { toMs: START + 5 * MINUTE + 30_000 } },
  { name: 'around 1970', filter: { fromMs: -61_000, toMs: 30_000 } },
  { name: 'one stream, cut', filter: { fromMs: START + 7_777, toMs: START + 150 * MINUTE, streams: ['b'] } },
];

async function assertCountsExact(store: DuckDbStore, written: Written[]): Promise<void> {
  for (const { name, filter } of FILTERS) {
    const expected = matching(written, { query: null, ...filter });
    for (const query of [null, parseQuery('*')]) {
      const result = await store.search({ query, ...filter, limit: 0 });
      assert.equal(result.total, expected.length, `count of ${name}`);
    }
    for (const interval of [MINUTE, 3_600_000, 90_000]) {
      const result = await store.histogram({ query: null, ...filter, intervalMs: interval });
      const got = new Map(result.buckets.filter((bucket) => bucket.count > 0).map((bucket) => [bucket.ts, bucket.count]));
      assert.deepEqual(got, histogram(expected, interval), `histogram of ${name} per ${interval} ms`);
    }
  }
}

async function tableCounts(dir: string): Promise<{ sorted: number; recent: number; minutes: number }> {
  const [sorted, recent, minutes] = await inStoreFile(dir, async (run) => (await run(`SELECT (SELECT count(*) FROM records_sorted),
    (SELECT count(*) FROM records_recent), (SELECT coalesce(sum(n), 0) FROM records_minutes)`))[0]!.map(Number));
  return { sorted: sorted!, recent: recent!, minutes: minutes! };
}

describe('minute counts', () => {
  test('counts and histograms of time ranges equal the records, runs and recent rows alike', withTempDir('minutes-', async (dir) => {
    const written: Written[] = [];
    const store = await DuckDbStore.open(dir, { runRows: 1000 });
    for (let k = 0; k < 9; k++) await store.write([batch(k % 3 === 0 ? 'b' : 'a', k * 500, 500, written)]);
    await assertCountsExact(store, written);
    // a query other than * is counted from the records
    const one = await store.search({ query: parseQuery('message:"record 4242"'), limit: 0 });
    assert.equal(one.total, 1);
    await store.close();
    const tables = await tableCounts(dir);
    assert.ok(tables.sorted >= 3000 && tables.recent > 0, `runs ${tables.sorted}, recent ${tables.recent}: both must be counted`);
    assert.equal(tables.minutes, tables.sorted, 'the minute counts hold every row of the runs');
  }));

  test('a store from before the minute counts gets them when opened', withTempDir('minutes-old-', async (dir) => {
    const written: Written[] = [];
    const store = await DuckDbStore.open(dir, { runRows: 1000 });
    for (let k = 0; k < 5; k++) await store.write([batch('a', k * 500, 500, written)]);
    await store.close();
    await inStoreFile(dir, (run) => run('DROP TABLE records_minutes'));
    const reopened = await DuckDbStore.open(dir, { runRows: 1000 });
    await reopened.write([batch('b', 2500, 700, written)]);
    await assertCountsExact(reopened, written);
    await reopened.close();
    const tables = await tableCounts(dir);
    assert.equal(tables.minutes, tables.sorted);
  }));

  test('when writes pause, recent rows move into a run even short of a full one', withTempDir('minutes-idle-', async (dir) => {
    const written: Written[] = [];
    const store = await DuckDbStore.open(dir, { runRows: 1000 });
    await store.write([batch('a', 0, 100, written)]);
    await sleep(6500);
    await store.write([batch('a', 100, 300, written)]);
    await sleep(6500);
    await assertCountsExact(store, written);
    await store.close();
    // 100 rows are under a fifth of a run and stay; with 300 more, all 400 move
    assert.deepEqual(await tableCounts(dir), { sorted: 400, recent: 0, minutes: 400 });
  }));
});
