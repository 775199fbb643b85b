// What the OpenSearch store does beyond the store contract: retention by whole indices, values
// whose type changes from record to record, records with more fields than an index may map,
// regexes Lucene cannot say, and two processes numbering a stream's topics at once.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { LogEntry } from '../../src/stores/store.ts';
import { StoreBusyError, StoreQueryError } from '../../src/stores/store.ts';
import { IndexLayout } from '../../src/stores/opensearch/index-layout.ts';
import { parseQuery } from '../../src/query/parser.ts';
import type { OpenSearchStore } from '../../src/stores/opensearch/opensearch-store.ts';
import { OPENSEARCH_URL, openTestStore, skipWithoutOpenSearch, testIndexPrefix } from '../support/opensearch.ts';

const skip = await skipWithoutOpenSearch();
const DAY = 86_400_000;

function entries(bodies: object[], ingestedAt = Date.now()): LogEntry[] {
  return bodies.map((body, offset) => ({ offset, ingestedAt, value: Buffer.from(JSON.stringify(body)) }));
}

describe('OpenSearch store', { skip }, () => {
  const opened: OpenSearchStore[] = [];
  async function open(prefix = testIndexPrefix(), retentionDays?: number): Promise<OpenSearchStore> {
    const store = await openTestStore(prefix, { retentionDays });
    opened.push(store);
    return store;
  }
  after(async () => {
    for (const store of opened) {
      await store.drop().catch(() => undefined);
      await store.close();
    }
  });

  it('deletes the indices of days past the retention, whole, and keeps the rest searchable', async () => {
    const now = Date.now();
    const store = await open(testIndexPrefix(), 5);
    const at = (ms: number, n: number) => ({ timestamp: new Date(ms).toISOString(), n, message: `day ${n}` });
    await store.write([{ stream: 'app', partition: 0, entries: entries([at(now - 10 * DAY, 1), at(now - 2 * DAY, 2), at(now, 3), at(now - 10 * DAY + 1000, 4)]) }]);
    assert.equal((await store.search({ query: null, streams: ['app'], limit: 0 })).total, 4);
    const dropped = await store.dropExpired(now);
    assert.equal(dropped.length, 1, `one day is past 5 days: ${dropped.join(', ')}`);
    const left = await store.search({ query: null, streams: ['app'], limit: 10 });
    assert.deepEqual(left.hits.map((hit) => (JSON.parse(hit.bodyJson) as { n: number }).n), [3, 2]);
    assert.deepEqual(await store.dropExpired(now), []);
  });

  it('takes a field that is a number, a decimal, text and an object in turn, and compares it as the query says', async () => {
    const store = await open();
    const values = [82, 82.6, '82', 'n/a', { ms: 82 }, 7, true, null, '1e2'];
    await store.write([{ stream: 'mixed', partition: 0, entries: entries(values.map((latency, n) => ({ n, latency, message: `m${n}` }))) }]);
    const ns = async (q: string) => (await store.search({ query: parseQuery(q), streams: ['mixed'], limit: 20 })).hits
      .map((hit) => (JSON.parse(hit.bodyJson) as { n: number }).n).sort((a, b) => a - b);
    assert.equal((await store.search({ query: null, streams: ['mixed'], limit: 0 })).total, values.length, 'no record refused for its type');
    assert.deepEqual(await ns('latency:>=80'), [0, 1, 2, 8], 'numbers and numeric text compare as numbers');
    assert.deepEqual(await ns('latency:82'), [0, 2], 'equality is on the text as written');
    assert.deepEqual(await ns('latency.ms:82'), [4]);
    assert.deepEqual(await ns('_exists_:latency'), [0, 1, 2, 3, 4, 5, 6, 8]);
    const stats = await store.stats({ query: null, streams: ['mixed'], groupBy: [], aggregations: [{ fn: 'max', field: 'latency' }, { fn: 'count', field: 'latency' }], limit: 1 });
    assert.deepEqual(stats.groups[0]!.values, { 'max(latency)': 100, 'count(latency)': 8 });
  });

  it('keeps a record whose fields the index can no longer map, searchable by its message and level', async () => {
    const store = await open();
    const wide = (n: number) => Object.fromEntries([['n', n], ['level', 'warn'], ['message', `wide record ${n}`], ...Array.from({ length: 2000 }, (_, i) => [`f${n}_${i}`, i])]);
    for (let n = 0; n < 5; n++) await store.write([{ stream: 'wide', partition: 0, entries: [{ offset: n, ingestedAt: Date.now(), value: Buffer.from(JSON.stringify(wide(n))) }] }]);
    assert.equal((await store.search({ query: null, streams: ['wide'], limit: 0 })).total, 5);
    assert.equal((await store.search({ query: parseQuery('"wide record 4" AND level:warn'), streams: ['wide'], limit: 0 })).total, 1);
    assert.equal((await store.search({ query: parseQuery('f0_7:7'), streams: ['wide'], limit: 0 })).total, 1, 'the first records keep their fields');
  });

  it('gives exact quantiles of groups too large to read a rank directly (the ranks found inside estimated windows)', async () => {
    const store = await open();
    // bimodal, with ties and a long tail: where a t-digest estimate is worst
    const value = (i: number) => (i % 10 < 7 ? (i * 7919) % 500 : 20_000 + ((i * 104_729) % 9000) + (i % 3) / 4);
    const groups = { big: 46_000, mid: 23_000 };
    let offset = 0;
    for (const [group, count] of Object.entries(groups)) {
      for (let start = 0; start < count; start += 10_000) {
        const bodies = Array.from({ length: Math.min(10_000, count - start) }, (_, k) => ({ group, latency: value(start + k), message: 'q' }));
        await store.write([{ stream: 'lat', partition: 0, entries: bodies.map((body, k) => ({ offset: offset + k, ingestedAt: 1000, value: Buffer.from(JSON.stringify(body)) })) }]);
        offset += bodies.length;
      }
    }
    const quantileCont = (values: number[], q: number) => {
      const sorted = [...values].sort((a, b) => a - b);
      const position = (sorted.length - 1) * q;
      const lo = sorted[Math.floor(position)]!;
      return lo + (sorted[Math.ceil(position)]! - lo) * (position - Math.floor(position));
    };
    const stats = await store.stats({ query: null, streams: ['lat'], groupBy: ['group'], limit: 10,
      aggregations: [{ fn: 'median', field: 'latency' }, { fn: 'p90', field: 'latency' }, { fn: 'p99', field: 'latency' }, { fn: 'count' }] });
    assert.equal(stats.estimated, undefined);
    for (const [group, count] of Object.entries(groups)) {
      const values = Array.from({ length: count }, (_, i) => value(i));
      const found = stats.groups.find((g) => g.key.group === group)!;
      assert.equal(found.values.count, count);
      assert.deepEqual([found.values['median(latency)'], found.values['p90(latency)'], found.values['p99(latency)']],
        [quantileCont(values, 0.5), quantileCont(values, 0.9), quantileCont(values, 0.99)], group);
    }
  });

  it('never answers short while a day index\'s shard is not started: waits for it, else refuses as busy naming the shards', async () => {
    const prefix = testIndexPrefix();
    const store = await open(prefix);
    const now = Date.now();
    await store.write([{ stream: 'days', partition: 0, entries: entries([1, 2, 3].map((n) => ({ timestamp: new Date(now).toISOString(), n, message: `m${n}` }))) }]);
    // another day of the stream whose shard cannot start (allocated to no node), as a new index is until its shard starts
    const stuck = new IndexLayout(prefix).recordIndex('days', now - 3 * DAY);
    assert.equal((await fetch(`${OPENSEARCH_URL}/${stuck}?wait_for_active_shards=0`, { method: 'PUT', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ settings: { number_of_shards: 1, number_of_replicas: 0, 'index.routing.allocation.require._name': 'no-such-node' } }) })).status, 200);
    await assert.rejects(store.search({ query: null, streams: ['days'], limit: 10 }), (error: unknown) => {
      assert.ok(error instanceof StoreBusyError, `busy, not ${String(error)}`);
      assert.match(error.message, /shard/);
      return true;
    });
    // the shard starts while a search waits for it: the search answers whole
    const waiting = store.search({ query: null, streams: ['days'], limit: 10 });
    await new Promise((resolve) => setTimeout(resolve, 150));
    const allowed = await fetch(`${OPENSEARCH_URL}/${stuck}/_settings`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ 'index.routing.allocation.require._name': null }) });
    assert.equal(allowed.status, 200);
    const answer = await waiting;
    assert.deepEqual([answer.total, answer.hits.length], [3, 3]);
  });

  it('refuses a regex Lucene cannot say, naming what to change', async () => {
    const store = await open();
    await assert.rejects(store.search({ query: parseQuery('message:/a\\bb/'), limit: 1 }), (error: Error) => error instanceof StoreQueryError && /\\b/.test(error.message));
    await assert.rejects(store.search({ query: parseQuery('message:/(^a|b)c/'), limit: 1 }), (error: Error) => error instanceof StoreQueryError && /anchor/.test(error.message));
  });

  it('numbers the topics of a stream the same way in two processes writing at once', async () => {
    const prefix = testIndexPrefix();
    const [first, second] = [await open(prefix), await open(prefix)];
    const write = (store: OpenSearchStore, topic: string) => store.write([{ stream: 'merged', topic, partition: 0, entries: entries([{ topic, message: topic }], 1000) }]);
    await Promise.all(['t1', 't2', 't3'].flatMap((topic) => [write(first!, topic), write(second!, topic)]));
    const { hits, total } = await first!.search({ query: null, streams: ['merged'], limit: 10 });
    assert.equal(total, 3, 'a topic written by both processes is one record at one position');
    assert.equal(new Set(hits.map((hit) => hit.id)).size, 3);
  });
});
