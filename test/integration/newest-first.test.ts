// Newest-first search over records that arrive out of time order: every page is exactly the next
// `limit` matches by (ts, position), whether the filter matches half the records or a handful,
// with ties on ts, a few records decades away from the rest, time ranges and cursors
// (src/stores/embedded/newest-first.ts), whether the records are still recent or moved into
// sorted runs (sorted-runs.ts).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DuckDbStore } from '../../src/stores/embedded/duckdb-store.ts';
import { parseQuery } from '../../src/query/parser.ts';
import { positionId } from '../../src/record/id.ts';

const DAY = 86_400_000;
const START = Date.UTC(2025, 0, 1);
const COUNT = 6000;
const INGESTED = START + 30 * DAY;

interface Written {
  id: string;
  ts: number;
  kind: string;
}

/** Records decades away from the rest, as a clock set wrong writes them: the windows must not assume the span is evenly filled. */
const STRAYS = new Map([[11, Date.UTC(2090, 0, 1)], [12, Date.UTC(1990, 0, 1)], [503, Date.UTC(1990, 0, 2)]]);

/** Deterministic, out of time order; every 7th record shares its ts with the one before it. */
function records(): Written[] {
  let seed = 7;
  const next = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const out: Written[] = [];
  for (let i = 0; i < COUNT; i++) {
    const ts = STRAYS.get(i) ?? (i % 7 === 6 ? out[i - 1]!.ts : START + Math.floor(next() * 7 * DAY));
    const kind = i % 500 === 3 ? 'rare' : i % 2 ? 'common' : 'other';
    out.push({ id: positionId(INGESTED, 0, i), ts, kind });
  }
  return out;
}

/** Brute force: the store's order is ts, then log position, newest first. */
function newest(all: Written[], keep: (r: Written) => boolean): string[] {
  return all.filter(keep).sort((a, b) => b.ts - a.ts || (b.id < a.id ? -1 : b.id > a.id ? 1 : 0)).map((r) => r.id);
}

// Without moves every record stays in arrival order; with runs of 1,000 most are in sorted runs
// and the last writes are still recent.
for (const runRows of [undefined, 1000]) describe(`newest-first search over out-of-order records (runs of ${runRows ?? 'the default size'})`, () => {
  let dir: string;
  let store: DuckDbStore;
  const all = records();

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'newest-first-'));
    store = await DuckDbStore.open(dir, { runRows });
    const entries = all.map((r, i) => ({
      offset: i, ingestedAt: INGESTED,
      value: Buffer.from(JSON.stringify({ timestamp: new Date(r.ts).toISOString(), level: 'info', message: `${r.kind} record ${i}`, kind: r.kind })),
    }));
    // Several writes, as the indexer makes them.
    for (let from = 0; from < entries.length; from += 1000) {
      await store.write([{ stream: 'app', partition: 0, entries: entries.slice(from, from + 1000) }]);
    }
  });

  after(async () => {
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  for (const kind of ['common', 'rare', 'missing']) {
    test(`the newest matches of a ${kind} filter, for several limits`, async () => {
      const want = newest(all, (r) => r.kind === kind);
      for (const limit of [1, 10, 100]) {
        const result = await store.search({ query: parseQuery(`kind:${kind}`), limit, total: false });
        assert.deepEqual(result.hits.map((hit) => hit.id), want.slice(0, limit), `limit ${limit}`);
        assert.equal(result.total, null);
      }
    });
  }

  test('pages of a rare filter walk every match once, in order, with the total', async () => {
    const want = newest(all, (r) => r.kind === 'rare');
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await store.search({ query: parseQuery('kind:rare'), limit: 3, cursor });
      assert.equal(page.total, want.length);
      seen.push(...page.hits.map((hit) => hit.id));
      cursor = page.cursor;
    } while (cursor);
    assert.deepEqual(seen, want);
  });

  test('deep pages and time ranges of a common filter', async () => {
    const fromMs = START + 2 * DAY;
    const toMs = START + 3 * DAY;
    const inRange = (r: Written): boolean => r.kind === 'common' && r.ts >= fromMs && r.ts <= toMs;
    const want = newest(all, inRange);
    let cursor: string | null = null;
    const seen: string[] = [];
    for (let page = 0; page < 4; page++) {
      const result = await store.search({ query: parseQuery('kind:common'), fromMs, toMs, limit: 50, cursor });
      seen.push(...result.hits.map((hit) => hit.id));
      cursor = result.cursor;
    }
    assert.deepEqual(seen, want.slice(0, 200));
    const everything = newest(all, () => true);
    const first = await store.search({ query: null, limit: 25, total: false });
    assert.deepEqual(first.hits.map((hit) => hit.id), everything.slice(0, 25));
  });
});
