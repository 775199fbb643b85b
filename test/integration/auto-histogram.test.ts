// A histogram over an open time range picks its interval from the matches' own span (about 120
// buckets) in one pass over the records (src/stores/embedded/histogram-sql.ts): checked against
// brute force for matches spread over the whole store, matches in one short burst (finer than the
// first pass counts), split by a field or not, and no match at all.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DuckDbStore } from '../../src/stores/embedded/duckdb-store.ts';
import { parseQuery } from '../../src/query/parser.ts';
import { autoInterval } from '../../src/stores/histogram-interval.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const START = Date.UTC(2025, 2, 1);
const DAY = 86_400_000;

interface Written { ts: number; level: string; kind: string }

function records(): Written[] {
  const out: Written[] = [];
  for (let i = 0; i < 5000; i++) {
    // spread over 7 days, out of order
    out.push({ ts: START + ((i * 7919) % 5000) * Math.floor((7 * DAY) / 5000), level: ['info', 'warn', 'error'][i % 3]!, kind: 'spread' });
  }
  // a burst of 90 records over 9 minutes on day 3
  for (let i = 0; i < 90; i++) out.push({ ts: START + 3 * DAY + i * 6000, level: i % 4 ? 'info' : 'error', kind: 'burst' });
  return out;
}

function bruteForce(matches: Written[], split: boolean): { intervalMs: number; buckets: Array<{ ts: string; count: number; groups?: Record<string, number> }> } {
  const lo = Math.min(...matches.map((r) => r.ts));
  const hi = Math.max(...matches.map((r) => r.ts));
  const interval = autoInterval(hi - lo);
  const buckets = [];
  for (let b = Math.floor(lo / interval) * interval; b <= hi; b += interval) {
    const inside = matches.filter((r) => r.ts >= b && r.ts < b + interval);
    const groups: Record<string, number> = {};
    for (const r of inside) groups[r.level] = (groups[r.level] ?? 0) + 1;
    buckets.push({ ts: new Date(b).toISOString(), count: inside.length, ...(split ? { groups } : {}) });
  }
  return { intervalMs: interval, buckets };
}

describe('a histogram over an open range', () => {
  let dir: string;
  let store: DuckDbStore;
  const all = records();

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'auto-histogram-'));
    store = await DuckDbStore.open(dir, { runRows: 1000 });
    const entries = all.map((r, i) => ({ offset: i, ingestedAt: START + 10 * DAY, value: Buffer.from(JSON.stringify({ timestamp: new Date(r.ts).toISOString(), level: r.level, message: `${r.kind} event ${i}`, kind: r.kind })) }));
    for (let from = 0; from < entries.length; from += 1000) await store.write([{ stream: 'app', partition: 0, entries: entries.slice(from, from + 1000) }]);
  });

  after(async () => {
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const cases: Array<[string, (r: Written) => boolean]> = [
    ['level:error', (r) => r.level === 'error'],
    ['"burst event"', (r) => r.kind === 'burst'],
    ['kind:burst AND level:error', (r) => r.kind === 'burst' && r.level === 'error'],
  ];
  for (const [query, keep] of cases) {
    for (const split of [false, true]) {
      test(`${query}${split ? ', split by level' : ''}: ~120 buckets over the matches' span, each count exact`, async () => {
        const result = await store.histogram({ query: parseQuery(query), ...(split ? { groupBy: 'level' } : {}) });
        const want = bruteForce(all.filter(keep), split);
        assert.equal(result.intervalMs, want.intervalMs);
        assert.deepEqual(result.buckets.map((b) => ({ ...b, ts: new Date(b.ts).toISOString() })), want.buckets);
      });
    }
  }

  test('no match: no buckets', async () => {
    const result = await store.histogram({ query: parseQuery('kind:none'), groupBy: 'level' });
    assert.deepEqual(result.buckets, []);
  });
});
