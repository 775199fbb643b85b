// Query conformance: the JavaScript evaluator (src/query/evaluate.ts, used by the route step)
// matches exactly the records each store engine (embedded, OpenSearch) returns for the same query,
// and its counts, hourly histogram and counts per level agree too, over records of
// varied shapes (typed columns and kept text, numbers as numbers and as strings, nested objects,
// missing and null fields, every level/message/time field spelling).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DuckDbStore } from '../../src/stores/embedded/duckdb-store.ts';
import type { LogEntry, Store } from '../../src/stores/store.ts';
import { parseQuery } from '../../src/query/parser.ts';
import { compilePredicate } from '../../src/query/evaluate.ts';
import { eventTime } from '../../src/record/time.ts';
import { recordLevel } from '../../src/record/level.ts';
import { openTestStore, skipWithoutOpenSearch, testIndexPrefix } from '../support/opensearch.ts';

const HOUR = 3_600_000;
const T0 = Date.UTC(2024, 4, 1, 10, 0, 0); // 2024-05-01T10:00:00Z
const NOW = Date.now();
const INGESTED = Date.UTC(2024, 5, 1, 0, 0, 0);
const iso = (ms: number): string => new Date(ms).toISOString();

/** Ten records of one shape, so the store types them into columns. */
const dyte = Array.from({ length: 10 }, (_, i) => ({
  level: ['info', 'error', 'warn', 'debug', 'error'][i % 5],
  message: [`request ${i} done in ${i * 7}ms`, `db timeout after retry ${i}7`, 'connection refused by peer', `Disk full on /var ${i}`, 'FAILED to connect'][i % 5],
  resourceId: `server-12${i}`,
  timestamp: iso(T0 + i * 10 * 60_000),
  traceId: `trace-${i}`,
  latency_ms: i * 60 + (i % 2 ? 0.5 : 0),
  status: i % 3 === 0 ? 500 : 200,
  metadata: { parentResourceId: i % 2 ? 'server-0987' : 'server-0001' },
}));

const odd: Array<Record<string, unknown>> = [
  { level: 'ERR', message: 'Timeout talking to DB', resourceId: 'server-1234', status: '500', latency_ms: '150', timestamp: '2024-05-01T11:00:00' },
  { severity: 'warning', msg: 'retry 7 of 9', path: '/api/v1/users', latency_ms: 501, ts: 1714557600 },
  { log_type: 'fatal', log_message: 'panic: disk full', path: '/api/v3/x', ets: 1714557600000 + 3_600_000 },
  { level: 50, message: 'pino error line 42ms', latency_ms: -5, time: '2024-05-01T09:00:00+02:00' },
  { level: 'notice', message: 'user login', user: 'Ada Lovelace', ok: true, tags: ['a', 'b'] },
  { level: ' warn ', message: 'padded level', user: 'ada lovelace', ok: false, nested: { a: 1, b: 'x' } },
  { message: 'no level at all', commit: '5e5342f', count: '9', name: 'ada' },
  { message: 'no level, other commit', commit: 'abc1234', count: 12, name: 'adam' },
  { level: 'info', message: 'Ünïcödé connection REFUSED ✓', count: 'abc', code: 'b', size: 2000 },
  { level: 'debug', code: 'a', size: '1e3', traceId: null },
  { level: 'trace', message: 'request 77 done', traceId: '', resourceId: 'server-5x', timestamp: 'not a time' },
  { level: 'info', message: 'multi\nline failure', resourceId: 'server-6', code: 'z', latency_ms: 100 },
  { level: 'info', message: 'recent 1', timestamp: iso(NOW - 30 * 60_000) },
  { level: 'error', message: 'recent 2', timestamp: iso(NOW - 3 * 3_600_000) },
  { level: 'warn', message: 'recent 3', timestamp: Math.floor((NOW - 10 * 60_000) / 1000) },
  { level: 'info', message: 'dotted', 'a.b': 'literal key', a: { b: 'nested value' } },
  { level: 'error', message: 'status as text', status: '500 ', latency_ms: '  200 ' },
  { level: 'info', message: 'array message', msg: 'ignored', log: 'also ignored', metadata: { parentResourceId: 'server-0987', region: 'eu' } },
  { message: 42, msg: 'numeric message falls through to msg', level: 'INFO' },
  { text: 'text field message', level: 'Error' },
  { level: 'warn', message: 'big numbers', latency_ms: 1e21, size: 1.5e-7 },
  { level: 'info', message: 'zone-less space', timestamp: '2024-05-01 10:45:00.250' },
  { level: 'info', message: 'hostile numbers', count: '0x10', size: '', latency_ms: 'Infinity', timestamp: '2024-05-01T10:50Z' },
  { level: 'info', message: 'more hostile numbers', count: ' 7', size: '1_000', latency_ms: '1e2', timestamp: '2024-05-01T12:00:00+0200' },
  { level: 'info', message: 'odd times 1', timestamp: '2024-05-01T10:50:00-0230', count: 'nan', size: '-inf' },
  { level: 'info', message: 'odd times 2', timestamp: '2024-05-01T1:50:00', count: '1_0.5_5', size: 'NaN' },
  { level: 'info', message: 'odd times 3', timestamp: '2024-05-01T24:00:00', count: '+inf' },
  { level: 'info', message: 'odd times 4', timestamp: '2024-5-1' },
  { level: 'info', message: 'odd times 5', timestamp: '2024-05-01t10:50:00' },
  { level: 'info', message: 'odd times 6', timestamp: '2024-05-01T10:50:00+02' },
  { level: 'info', message: 'progress 50% done_ok (a|b) [x]' },
  { level: 'info', message: '7', count: 7.25 },
  { level: 'info', message: 'STRASSE straße İstanbul ΟΔΟΣ' },
  { level: 'info', message: 'array values', tags: ['x', 1, null], nested: { a: '1', deeper: { c: [1, 2] } }, ok: 'true' },
];

const webRecords: Array<Record<string, unknown>> = [
  { level: 'info', message: 'GET /api/v2/items 200', path: '/api/v2/items', status: 200, latency_ms: 12 },
  { level: 'error', message: 'POST /api/v1/orders 500 timeout', path: '/api/v1/orders', status: 500, latency_ms: 5000 },
];

interface Written {
  n: number;
  stream: string;
  body: Record<string, unknown>;
}

const written: Written[] = [];
for (const body of [...dyte, ...odd]) written.push({ n: written.length, stream: 'app', body: { n: written.length, ...body } });
for (const body of webRecords) written.push({ n: written.length, stream: 'web', body: { n: written.length, ...body } });

const QUERIES = [
  'timeout', '"connection refused"', 'db timeout', 'retry*7', '/\\d+ms/', 'FAIL*', '/^request/', 'message:*fail*',
  'level:error', 'level:ERR', 'level:50', 'level:>=warn', 'level:<info', 'level:[debug TO warn}', 'level:/err.*/', 'level:w*',
  'resourceId:server-1234', 'resourceId:server-12*', 'resourceId:[server-5 TO server-6]', 'resourceId:server-12?',
  'metadata.parentResourceId:server-0987', 'metadata.region:eu', 'message:"disk full"', 'status:500', 'status:>=500',
  'path:/^\\/api\\/v[12]\\//', 'path:"/api/v1/users"', '_exists_:traceId', 'traceId:*', '_exists_:message', 'NOT _exists_:level',
  'NOT level:error', 'NOT latency_ms:>100', 'latency_ms:[100 TO 500]', 'latency_ms:{100 TO 500}', 'latency_ms:[500 TO *]',
  'latency_ms:>=82.5', 'latency_ms:<0', 'count:<10', 'size:>1e3', 'size:<1', 'code:>a', 'code:[a TO b]',
  'ts:>2024-05-01T10:30:00Z', 'ts:2024-05-01', '@timestamp:<1714557600', 'ts:[2024-05-01T09:00:00Z TO 2024-05-01T11:00:00Z}',
  'timestamp:[2024-05-01T10:00:00Z TO 2024-05-01T12:00:00Z]', 'timestamp:>=2024-05-01T10:45:00Z', 'ts:>now-1h', 'timestamp:>now-2h',
  'ingestedAt:>=2024-06-01', '(level:error OR level:warn) AND db', 'level:error OR level:warn AND db', '-commit:5e5342f',
  'ok:true', 'ok:false', 'tags:*', 'nested:*', 'nested.a:1', 'a.b:"nested value"', 'stream:web', 'stream:[a TO b]',
  'user:"Ada Lovelace"', 'name:ad?', 'msg:*', 'level:(error OR warn) AND NOT timeout', '!level:info || status:200',
  'tags:"[\\"x\\",1,null]"', 'nested.deeper.c:"[1,2]"', 'nested.a:[0 TO 5]', 'count:>=7', 'count:[0 TO 20]', 'size:>=0', 'latency_ms:>1000',
  'timestamp:<2024-05-01T10:55:00Z', 'timestamp:[1714557600 TO 1714560000]', 'ok:"true"', 'timestamp:[2024-05-01T00:00:00Z TO 2024-05-02T00:00:00Z}', 'timestamp:>=2024-05-02', 'count:>100', 'size:<0', 'count:[10 TO 11]', 'message:"hostile"',
  '50\\%', 'done_o?', '*%*', '"(a|b) [x]"', 'message:>5', 'level:>=30', 'level:>=5', '_exists_:ts', 'ingestedAt:*', 'ts:now/d',
  'straße', 'istanbul', 'STRAßE', 'ΟΔΟΣ', 'οδοσ', 'οδος', '*ΟΔΟΣ', '*οδοσ', '*İst*', 'message:/straße$/', 'count:7.25', 'count:>7.2', 'count:"7"',
  'message:Ünïcödé', 'refused', 'message:/[Rr]efused/', '/\\Arequest/', '/done\\z/', '/\\w+ \\d\\-/', '/[^a-z]{3}$/', '/straße|İst/', 'metadata:*', 'latency_ms:*0*',
];

/** The evaluator and a store engine agree on every query. */
function conformance(name: string, open: () => Promise<{ store: Store; cleanup: () => Promise<void> }>, skip: string | false = false): void {
  describe(`query conformance: evaluator vs ${name} store`, { skip }, () => {
    let store: Store;
    let cleanup: () => Promise<void>;

    before(async () => {
      ({ store, cleanup } = await open());
      for (const stream of ['app', 'web']) {
        const entries: LogEntry[] = written.filter((w) => w.stream === stream)
          .map((w, offset) => ({ offset, ingestedAt: INGESTED + w.n, value: Buffer.from(JSON.stringify(w.body)) }));
        await store.write([{ stream, partition: 0, entries }]);
      }
    });

    after(() => cleanup());

    it('holds every record written', async () => {
      assert.equal((await store.search({ query: null, limit: 0 })).total, written.length);
    });

    for (const text of QUERIES) {
      it(text, async () => {
        const query = parseQuery(text);
        const result = await store.search({ query, limit: 1000 });
        const fromStore = result.hits.map((hit) => (JSON.parse(hit.bodyJson) as { n: number }).n).sort((a, b) => a - b);
        const predicate = compilePredicate(query);
        const matching = written.filter((w) => predicate({
          body: w.body, stream: w.stream, ingestedAt: INGESTED + w.n, ts: eventTime(w.body) ?? INGESTED + w.n,
        }));
        assert.deepEqual(fromStore, matching.map((w) => w.n));
        assert.equal(result.total, matching.length);

        // the same matches counted per hour and per level
        const hours = new Map<number, number>();
        const levels = new Map<string | null, number>();
        for (const w of matching) {
          const hour = Math.floor((eventTime(w.body) ?? INGESTED + w.n) / HOUR) * HOUR;
          hours.set(hour, (hours.get(hour) ?? 0) + 1);
          const level = recordLevel(w.body);
          levels.set(level, (levels.get(level) ?? 0) + 1);
        }
        const histogram = await store.histogram({ query, intervalMs: HOUR });
        assert.deepEqual(new Map(histogram.buckets.filter((b) => b.count > 0).map((b) => [b.ts, b.count])), hours);
        const stats = await store.stats({ query, groupBy: ['level'], aggregations: [{ fn: 'count' }], limit: 100 });
        assert.deepEqual(new Map(stats.groups.map((g) => [g.key.level ?? null, g.values.count])), levels);
      });
    }

    it('covers queries that match some records and not all', async () => {
      let partial = 0;
      for (const text of QUERIES) {
        const total = (await store.search({ query: parseQuery(text), limit: 0 })).total!;
        if (total > 0 && total < written.length) partial++;
      }
      assert.ok(partial >= QUERIES.length * 0.9, `${partial} of ${QUERIES.length} queries split the records`);
    });
  });
}

conformance('embedded', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'tributary-conformance-'));
  const store = await DuckDbStore.open(dir);
  return { store, cleanup: async () => { await store.close(); await rm(dir, { recursive: true, force: true }); } };
});

conformance('opensearch', async () => {
  const store = await openTestStore(testIndexPrefix());
  return { store, cleanup: async () => { await store.drop(); await store.close(); } };
}, await skipWithoutOpenSearch());
