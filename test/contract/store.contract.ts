// The store contract: what every store engine (embedded DuckDB, OpenSearch) must do,
// written against the Store interface alone, with exact answers computed here from the records.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Hit, LogEntry, Store } from '../../src/stores/store.ts';
import { parseQuery } from '../../src/query/parser.ts';

export interface StoreUnderTest {
  store: Store;
  /** Closes the store and opens it again on the same data. */
  reopen: () => Promise<Store>;
  cleanup: () => Promise<void>;
}

const T0 = Date.UTC(2024, 4, 1, 0, 0, 0);
const LEVELS = ['info', 'error', 'warn', 'debug'];

interface Sample {
  n: number;
  level: string;
  message: string;
  resourceId: string;
  latency_ms: number;
  ts: number;
  metadata: { region: string };
}

function sample(n: number): Sample {
  return {
    n, level: LEVELS[n % 4]!, message: `request ${n} ${n % 5 === 0 ? 'Failed to connect' : 'done'}`,
    resourceId: `server-${n % 3}`, latency_ms: (n * 37) % 100, ts: T0 + n * 60_000, metadata: { region: n % 2 ? 'eu' : 'us' },
  };
}

const SAMPLES = Array.from({ length: 120 }, (_, n) => sample(n));

function entries(samples: Sample[], firstOffset: number, ingestedAt: number): LogEntry[] {
  return samples.map((s, i) => ({
    offset: firstOffset + i, ingestedAt,
    value: Buffer.from(JSON.stringify({ timestamp: new Date(s.ts).toISOString(), level: s.level, message: s.message, resourceId: s.resourceId, latency_ms: s.latency_ms, n: s.n, metadata: s.metadata })),
  }));
}

/** Writes SAMPLES to stream `app` over two partitions, odd n on partition 1, committing offsets. */
async function load(store: Store): Promise<void> {
  const even = SAMPLES.filter((s) => s.n % 2 === 0);
  const odd = SAMPLES.filter((s) => s.n % 2 === 1);
  await store.write([{ stream: 'app', partition: 0, entries: entries(even.slice(0, 30), 0, T0) }], [{ consumer: 'c', topic: 'app', partition: 0, nextOffset: 30 }]);
  await store.write([{ stream: 'app', partition: 0, entries: entries(even.slice(30), 30, T0 + 1) }], [{ consumer: 'c', topic: 'app', partition: 0, nextOffset: even.length }]);
  await store.write([{ stream: 'app', partition: 1, entries: entries(odd, 0, T0 + 2) }], [{ consumer: 'c', topic: 'app', partition: 1, nextOffset: odd.length }]);
  await store.write([{ stream: 'other', partition: 0, entries: [{ offset: 0, ingestedAt: T0 + 3, value: Buffer.from('plain text, not JSON') }] }]);
}

const ns = (hits: Hit[]): number[] => hits.map((hit) => (JSON.parse(hit.bodyJson) as { n: number }).n);
const q = (text: string) => parseQuery(text);

export function storeContract(name: string, open: () => Promise<StoreUnderTest>, options: { skip?: string | false } = {}): void {
  async function withStore(test: (subject: StoreUnderTest) => Promise<void>): Promise<void> {
    const subject = await open();
    try {
      await load(subject.store);
      await test(subject);
    } finally {
      await subject.cleanup();
    }
  }

  describe(`store contract: ${name}`, { skip: options.skip }, () => {
    it('keeps what it acknowledged, with the consumer offsets written alongside, across a reopen', () => withStore(async (subject) => {
      const store = await subject.reopen();
      assert.deepEqual(Object.fromEntries(await store.committedOffsets('c')), { 'app:0': 60, 'app:1': 60 });
      assert.equal((await store.search({ query: null, streams: ['app'], limit: 0 })).total, 120);
      const text = await store.search({ query: null, streams: ['other'], limit: 10 });
      assert.equal(text.hits[0]!.message, 'plain text, not JSON', 'a value that is not JSON is kept as the message');
    }));

    it('returns the bodies as written, newest first, with stable unique ids', () => withStore(async ({ store }) => {
      const page = await store.search({ query: null, streams: ['app'], limit: 5 });
      assert.deepEqual(ns(page.hits), [119, 118, 117, 116, 115]);
      assert.equal(page.hits[0]!.ts, SAMPLES[119]!.ts);
      assert.equal(page.hits[0]!.level, SAMPLES[119]!.level);
      assert.equal(page.hits[0]!.message, SAMPLES[119]!.message);
      const again = await store.search({ query: null, streams: ['app'], limit: 5 });
      assert.deepEqual(again.hits.map((hit) => hit.id), page.hits.map((hit) => hit.id));
      assert.equal(new Set(page.hits.map((hit) => hit.id)).size, 5);
    }));

    it('pages with a cursor through every match exactly once, and counts exactly', () => withStore(async ({ store }) => {
      const query = q('level:error OR level:warn');
      const expected = SAMPLES.filter((s) => s.level === 'error' || s.level === 'warn').map((s) => s.n).reverse();
      const seen: number[] = [];
      let cursor: string | null = null;
      do {
        const page = await store.search({ query, streams: ['app'], limit: 7, cursor });
        assert.equal(page.total, expected.length);
        seen.push(...ns(page.hits));
        cursor = page.cursor;
      } while (cursor);
      assert.deepEqual(seen, expected);
      assert.equal((await store.search({ query, limit: 3, total: false })).total, null);
    }));

    it('filters by fields, phrases, ranges, time and stream', () => withStore(async ({ store }) => {
      const count = async (text: string, extra: object = {}) => (await store.search({ query: q(text), streams: ['app'], limit: 0, ...extra })).total;
      assert.equal(await count('"Failed to connect"'), SAMPLES.filter((s) => s.n % 5 === 0).length);
      assert.equal(await count('resourceId:server-1 AND metadata.region:eu'), SAMPLES.filter((s) => s.resourceId === 'server-1' && s.metadata.region === 'eu').length);
      assert.equal(await count('latency_ms:>=90'), SAMPLES.filter((s) => s.latency_ms >= 90).length);
      assert.equal(await count('NOT level:info'), SAMPLES.filter((s) => s.level !== 'info').length);
      assert.equal(await count('*', { fromMs: SAMPLES[10]!.ts, toMs: SAMPLES[19]!.ts }), 10, 'time bounds are inclusive');
      assert.equal((await store.search({ query: null, streams: ['other'], limit: 0 })).total, 1);
    }));

    it('counts per time bucket and aggregates per group exactly', () => withStore(async ({ store }) => {
      const histogram = await store.histogram({ query: null, streams: ['app'], intervalMs: 3_600_000, fromMs: T0, toMs: T0 + 2 * 3_600_000 - 1 });
      assert.deepEqual(histogram.buckets.map((bucket) => bucket.count), [60, 60]);
      const stats = await store.stats({ query: null, streams: ['app'], groupBy: ['resourceId'], limit: 10,
        aggregations: [{ fn: 'count' }, { fn: 'max', field: 'latency_ms' }, { fn: 'distinct', field: 'level' }] });
      assert.equal(stats.totalGroups, 3);
      for (const group of stats.groups) {
        const members = SAMPLES.filter((s) => s.resourceId === group.key.resourceId);
        assert.equal(group.values.count, members.length);
        assert.equal(group.values['max(latency_ms)'], Math.max(...members.map((s) => s.latency_ms)));
        assert.equal(group.values['distinct(level)'], new Set(members.map((s) => s.level)).size);
      }
    }));

    it('gives exact quantiles per group, as quantile_cont interpolates them', () => withStore(async ({ store }) => {
      const quantileCont = (values: number[], q: number) => {
        const sorted = [...values].sort((a, b) => a - b);
        const position = (sorted.length - 1) * q;
        const lo = sorted[Math.floor(position)]!;
        const hi = sorted[Math.ceil(position)]!;
        return lo + (hi - lo) * (position - Math.floor(position));
      };
      const stats = await store.stats({ query: q('NOT level:debug'), streams: ['app'], groupBy: ['resourceId'], limit: 10,
        aggregations: [{ fn: 'median', field: 'latency_ms' }, { fn: 'p90', field: 'latency_ms' }, { fn: 'p99', field: 'n' }] });
      assert.equal(stats.estimated, undefined, 'no value is an estimate');
      for (const group of stats.groups) {
        const members = SAMPLES.filter((s) => s.resourceId === group.key.resourceId && s.level !== 'debug');
        assert.equal(group.values['median(latency_ms)'], quantileCont(members.map((s) => s.latency_ms), 0.5));
        assert.equal(group.values['p90(latency_ms)'], quantileCont(members.map((s) => s.latency_ms), 0.9));
        assert.equal(group.values['p99(n)'], quantileCont(members.map((s) => s.n), 0.99));
      }
      const none = await store.stats({ query: q('level:nothing'), streams: ['app'], groupBy: [], limit: 1, aggregations: [{ fn: 'p99', field: 'latency_ms' }] });
      assert.deepEqual(none.groups.map((group) => group.values), [{ 'p99(latency_ms)': null }]);
    }));

    it('gives the top values of fields over a filter, with distinct and missing counts', () => withStore(async ({ store }) => {
      const facets = await store.facets({ query: q('NOT level:debug'), streams: ['app'], fields: ['level', 'resourceId', 'absent'], limit: 2 });
      assert.equal(facets.total, 90);
      assert.deepEqual(facets.fields.level!.values, [{ value: 'error', count: 30 }, { value: 'info', count: 30 }]);
      assert.equal(facets.fields.level!.distinct, 3);
      assert.equal(facets.fields.resourceId!.values.length, 2);
      assert.equal(facets.fields.resourceId!.distinct, 3);
      assert.deepEqual(facets.fields.absent, { values: [], distinct: 0, missing: 90 });
    }));

    it('gives the exact values at ranks of a numeric field, as a sort of the matching values does', () => withStore(async ({ store }) => {
      const ranked = (values: number[], ranks: number[]) => {
        const sorted = [...values].sort((a, b) => a - b);
        return { count: sorted.length, values: ranks.map((rank) => sorted[rank] ?? null) };
      };
      const ranksOf = (n: number) => [0, Math.floor(n / 2), n - 1, n, n + 5, 0];
      const errors = SAMPLES.filter((s) => s.level === 'error' && s.ts >= SAMPLES[20]!.ts && s.ts <= SAMPLES[99]!.ts).map((s) => s.latency_ms);
      assert.deepEqual(
        await store.orderStatistics({ query: q('level:error'), streams: ['app'], fromMs: SAMPLES[20]!.ts, toMs: SAMPLES[99]!.ts, field: 'latency_ms', ranks: ranksOf(errors.length) }),
        ranked(errors, ranksOf(errors.length)));

      // a dotted path that is sometimes text, null or missing: only its numbers are ranked
      const duration = (n: number): unknown => (n % 7 === 0 ? 'n/a' : n % 11 === 0 ? null : n % 13 === 0 ? undefined : n % 5 === 0 ? -(n % 9) / 4 : ((n * 31) % 17) + 0.125);
      const mixed = Array.from({ length: 200 }, (_, n) => ({ n, region: n % 3 ? 'eu' : 'us', ts: T0 + n * 1000, timing: { duration: duration(n) } }));
      await store.write([{ stream: 'mixed', partition: 0, entries: mixed.map((r, i) => ({ offset: i, ingestedAt: T0 + 100, value: Buffer.from(JSON.stringify({ ...r, timestamp: new Date(r.ts).toISOString() })) })) }]);
      const from = T0 + 30_000;
      const to = T0 + 170_000;
      const numbers = mixed.filter((r) => r.region === 'eu' && r.ts >= from && r.ts <= to && typeof r.timing.duration === 'number').map((r) => r.timing.duration as number);
      assert.ok(numbers.length > 50 && numbers.length < mixed.length / 2 + 50);
      const request = { query: q('region:eu'), streams: ['mixed'], fromMs: from, toMs: to, field: 'timing.duration' };
      assert.deepEqual(await store.orderStatistics({ ...request, ranks: ranksOf(numbers.length) }), ranked(numbers, ranksOf(numbers.length)));
      assert.deepEqual(await store.orderStatistics({ ...request, ranks: [] }), { count: numbers.length, values: [] });
      assert.deepEqual(await store.orderStatistics({ ...request, query: q('region:nowhere'), ranks: [0, 1] }), { count: 0, values: [null, null] });
      assert.deepEqual(await store.orderStatistics({ ...request, field: 'absent', ranks: [0] }), { count: 0, values: [null] });
    }));

    it('shows the records around one record, also among those sharing a field with it', () => withStore(async ({ store }) => {
      const [anchor] = (await store.search({ query: q('n:50'), streams: ['app'], limit: 1 })).hits;
      const around = await store.context({ id: anchor!.id, stream: 'app', before: 3, after: 2 });
      assert.deepEqual(ns([around.anchor!]), [50]);
      assert.deepEqual(ns(around.before), [47, 48, 49]);
      assert.deepEqual(ns(around.after), [51, 52]);
      const sameServer = await store.context({ id: anchor!.id, stream: 'app', before: 2, after: 2, sameFields: ['resourceId'] });
      assert.deepEqual(ns(sameServer.before), [44, 47]);
      assert.deepEqual(ns(sameServer.after), [53, 56]);
      assert.equal((await store.context({ id: anchor!.id, stream: 'other', before: 1, after: 1 })).anchor, null);
      assert.equal((await store.context({ id: 'not an id', stream: 'app', before: 1, after: 1 })).anchor, null);
    }));

    it('tails the matches ingested since a time, in arrival order', () => withStore(async ({ store }) => {
      const since = await store.tail({ query: q('level:error'), streams: ['app'], sinceIngestedAt: T0 + 1, limit: 100 });
      const expected = [...SAMPLES.filter((s) => s.n % 2 === 0).slice(30), ...SAMPLES.filter((s) => s.n % 2 === 1)].filter((s) => s.level === 'error');
      assert.deepEqual(ns(since.hits), expected.map((s) => s.n));
      // page by page through the cursor, every match once, in the same order
      const paged: Hit[] = [];
      for (let after: string | null = null; ;) {
        const page = await store.tail({ query: q('level:error'), streams: ['app'], sinceIngestedAt: T0 + 1, limit: 3, after });
        paged.push(...page.hits);
        if (page.hits.length < 3) break;
        after = page.cursor;
      }
      assert.deepEqual(ns(paged), expected.map((s) => s.n));
      await store.write([{ stream: 'app', partition: 0, entries: entries([sample(200)], 60, T0 + 10) }]);
      assert.deepEqual(ns((await store.tail({ query: null, streams: ['app'], sinceIngestedAt: T0 + 10, limit: 100 })).hits), [200]);
    }));

    it('keeps records of two topics feeding one stream apart, even at the same log position', () => withStore(async ({ store }) => {
      const at = (topic: string, n: number) => ({ stream: 'merged', topic, partition: 0, entries: entries([sample(n)], 0, T0 + 50) });
      await store.write([at('first', 1000)]);
      await store.write([at('second', 1001)]);
      const { hits, total } = await store.search({ query: null, streams: ['merged'], limit: 10 });
      assert.equal(total, 2);
      assert.equal(new Set(hits.map((hit) => hit.id)).size, 2);
      const second = hits.find((hit) => ns([hit])[0] === 1001)!;
      assert.equal((await store.search({ query: q(`id:${second.id}`), streams: ['merged'], limit: 10 })).total, 1);
    }));

    it('keeps the ids records carry of their own: several records of one message, paged and found by id', () => withStore(async ({ store }) => {
      const batch = SAMPLES.slice(0, 5).map((s, i) => ({ offset: 7, ingestedAt: T0 + 60, value: entries([{ ...s, ts: T0 }], 7, T0 + 60)[0]!.value, id: `mid-${i}` }));
      await store.write([{ stream: 'events', topic: 'batches', partition: 0, entries: batch }]);
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page = await store.search({ query: null, streams: ['events'], limit: 2, cursor });
        seen.push(...page.hits.map((hit) => hit.id));
        cursor = page.cursor;
      } while (cursor);
      assert.deepEqual(seen.sort(), ['mid-0', 'mid-1', 'mid-2', 'mid-3', 'mid-4']);
      assert.deepEqual(ns((await store.search({ query: q('id:mid-3'), streams: ['events'], limit: 5 })).hits), [3]);
      const around = await store.context({ id: 'mid-2', stream: 'events', before: 5, after: 5 });
      assert.deepEqual(ns([around.anchor!]), [2]);
      assert.deepEqual([...ns(around.before), ...ns(around.after)].sort(), [0, 1, 3, 4]);
    }));

    it('keeps every record of one message when their shapes differ: a template holding some of them does not take the others for stored', () => withStore(async ({ store }) => {
      const shaped = (n: number) => Buffer.from(JSON.stringify({ timestamp: new Date(T0 + n).toISOString(), level: 'info', message: `item ${n}`, item: n }));
      const other = (n: number) => Buffer.from(JSON.stringify({ ts: T0 + n, kind: 'other', count: n, tags: ['a', 'b'] }));
      // the first write teaches the store the common shape
      await store.write([{ stream: 'split', topic: 'batches', partition: 0, entries: Array.from({ length: 20 }, (_, i) => ({ offset: i, ingestedAt: T0, value: shaped(i), id: `first-${i}` })) }]);
      // then one message gives records of both shapes, all with its offset
      const mixed = Array.from({ length: 30 }, (_, i) => ({ offset: 20, ingestedAt: T0, value: i % 10 === 9 ? other(i) : shaped(i), id: `mixed-${i}` }));
      await store.write([{ stream: 'split', topic: 'batches', partition: 0, entries: mixed }]);
      const { total, hits } = await store.search({ query: null, streams: ['split'], limit: 100 });
      assert.equal(total, 50);
      assert.deepEqual(hits.map((hit) => hit.id).filter((id) => id.startsWith('mixed-')).sort(), mixed.map((entry) => entry.id).sort());
    }));

    it('replaces a record by its own id: the same id written again (also in another write, partition or after a reopen) is one record, the latest', () => withStore(async (subject) => {
      const body = (n: number, note: string) => Buffer.from(JSON.stringify({ timestamp: new Date(T0 + n * 1000).toISOString(), n, note, message: `window ${n}` }));
      await subject.store.write([{ stream: 'metrics', topic: 'm', partition: 0, entries: [
        { offset: 0, ingestedAt: T0, value: body(1, 'first'), id: 'w-1' },
        { offset: 1, ingestedAt: T0, value: body(2, 'first'), id: 'w-2' },
        { offset: 2, ingestedAt: T0, value: body(2, 'twice in one write'), id: 'w-2' },
        { offset: 3, ingestedAt: T0, value: Buffer.from('not json w-3'), id: 'w-3' },
      ] }]);
      const store = await subject.reopen();
      await store.write([{ stream: 'metrics', topic: 'm', partition: 1, entries: [
        { offset: 0, ingestedAt: T0 + 5, value: body(1, 'again'), id: 'w-1' },
        { offset: 1, ingestedAt: T0 + 5, value: Buffer.from('still not json w-3'), id: 'w-3' },
      ] }]);
      await store.write([{ stream: 'other-metrics', topic: 'm2', partition: 0, entries: [{ offset: 0, ingestedAt: T0, value: body(1, 'other stream'), id: 'w-1' }] }]);
      const { hits, total } = await store.search({ query: null, streams: ['metrics'], limit: 10 });
      assert.equal(total, 3);
      const byId = new Map(hits.map((hit) => [hit.id, hit]));
      assert.equal((JSON.parse(byId.get('w-1')!.bodyJson) as { note: string }).note, 'again');
      assert.equal((JSON.parse(byId.get('w-2')!.bodyJson) as { note: string }).note, 'twice in one write');
      assert.equal(byId.get('w-3')!.message, 'still not json w-3');
      assert.equal((await store.search({ query: null, streams: ['other-metrics'], limit: 10 })).total, 1);
    }));

    it('answers a page and its total from one moment, while writes land', () => withStore(async ({ store }) => {
      const write = (offset: number) => store.write([{ stream: 'arriving', partition: 0, entries: [{ offset, ingestedAt: T0, value: Buffer.from(JSON.stringify({ n: offset, message: 'arrived' })) }] }]);
      // the stream exists first: a search racing the creation of its first index is another matter (OpenSearch answers 503 then)
      await write(0);
      const writes = (async () => {
        for (let offset = 1; offset < 40; offset++) {
          await write(offset);
        }
      })();
      let finished = false;
      void writes.finally(() => { finished = true; });
      do {
        const page = await store.search({ query: q('arrived'), streams: ['arriving'], limit: 100 });
        assert.equal(page.total, page.hits.length, 'every match fits the page, so the total is the hits shown');
      } while (!finished);
      await writes;
    }));

    it('describes its streams', () => withStore(async ({ store }) => {
      const { streams } = await store.describe();
      const app = streams.find((s) => s.stream === 'app')!;
      assert.equal(app.records, 120);
      assert.equal(app.oldestTs, SAMPLES[0]!.ts);
      assert.equal(app.newestTs, SAMPLES[119]!.ts);
      assert.ok(streams.some((s) => s.stream === 'other'));
    }));
  });
}
