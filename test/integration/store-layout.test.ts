// The embedded store's typed layout against the definition it replaces: every record comes back
// byte for byte with the ts, level and message toRecord gives it, and every query, count and
// aggregation answers as it does over the original JSON bodies (the reference table below).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { DuckDbStore } from '../../src/stores/embedded/duckdb-store.ts';
import type { WriteBatch } from '../../src/stores/store.ts';
import { parseQuery } from '../../src/query/parser.ts';
import { compileToDuckDb } from '../../src/stores/embedded/compile-query.ts';
import { toRecord } from '../../src/record/normalize.ts';
import { messageBody } from '../../src/record/message-body.ts';
import { positionId } from '../../src/record/id.ts';

const T0 = Date.UTC(2024, 4, 1, 10, 0, 0);

function dyte(n: number, extra: Record<string, unknown> = {}): string {
  const body: Record<string, unknown> = {
    level: ['info', 'error', 'warn', 'debug'][n % 4], message: `request ${n} ${n % 3 === 0 ? 'Failed to connect' : 'done'}`,
    resourceId: `server-${n % 7}`, timestamp: new Date(T0 + n * 60_000).toISOString(), traceId: `t${n}`,
    metadata: { parentResourceId: `p-${n % 3}`, region: n % 2 ? 'eu' : 'us' }, customer_id: `c${n % 5}`,
    latency_ms: (n * 37) % 1000, status: n % 10 === 0 ? 500 : 200, ...extra,
  };
  for (const key of Object.keys(body)) if (body[key] === undefined) delete body[key];
  return JSON.stringify(body);
}

/** Lines as producers send them: the common shape, its variants, and everything that must stay exact. */
const LINES: string[] = [
  ...Array.from({ length: 60 }, (_, n) => dyte(n)),
  dyte(60, { latency_ms: 12.75 }),
  dyte(61, { status: '503' }),
  dyte(62, { metadata: undefined, tags: ['a', 'b'] }),
  dyte(63, { level: ' ERROR ' }),
  dyte(64, { level: 'WARNING', extra: null }),
  dyte(65, { timestamp: '2024-05-01T12:05:00+02:00' }),
  dyte(66, { timestamp: '2024-05-01T10:06:00' }),
  dyte(67, { timestamp: 1714557600 }),
  dyte(68, { timestamp: '1714557600000' }),
  dyte(69, { message: 'line\nbreak "quoted" \\ back\u0001slash é ☃ \ud83d\ude00' }),
  dyte(70, { latency_ms: 1e21 }),
  dyte(71, { latency_ms: 1.5e-7 }),
  dyte(72, { metadata: { parentResourceId: 'p-x', deep: { a: { b: { c: 1 } } } } }),
  dyte(73, { 'user agent': 'curl/8', "it's": 'quote', 'a.b': 'dotted' }),
  dyte(74, { level: '50' }),
  dyte(75, { timestamp: 1e30 }),
  dyte(76, { timestamp: '2024-05-01 10:06:00' }),
  dyte(77, { timestamp: 2e20 }),
  // zone-less times typed in SQL as UTC, and the ones it leaves to JavaScript
  dyte(78, { timestamp: '2024-05-01 10:06:01.5' }),
  dyte(79, { timestamp: '2024-02-30 10:06:00' }),
  dyte(80, { timestamp: '2024-05-01 24:00:00' }),
  dyte(81, { timestamp: '2024-05-01T10:06:60' }),
  dyte(82, { timestamp: '2024-05-01 10:06:02.1234' }),
  dyte(83, { timestamp: '0099-05-01 10:06:00' }),
  '{"level": "info", "message": "python separators", "resourceId": "server-1", "latency_ms": 5}',
  '{"level": "info", "message": "python separators", "resourceId": "server-2", "latency_ms": 6}',
  '{ "level":"info","message":"space after brace"}',
  '{"msg":"alt message field","lvl":50,"ts":1714557900}',
  '{"msg":"alt message field","lvl":"err","ts":1714557960000}',
  '{"message":{"nested":"not a string"},"log":"the log field"}',
  '{"Level":"error","level":"info","message":"keys differing in case"}',
  '{"message":"dup","message":"duplicate keys"}',
  '{"message":"unicode escape \\u00e9"}',
  '{"severity":"critical","text":"severity and text"}',
  '{"n":9007199254740993,"message":"big integer"}',
  '{}',
  '[1,2,3]',
  '"a json string"',
  'plain text, not JSON',
  '{"message":"truncated',
  '{"pretty": true,\n  "message": "multi-line value"}',
  '{"message":"trailing space"} ',
  '{"a":{"b":{"c":{"d":{"e":"deep"}}}},"message":"deep nesting"}',
  '{"empty":{},"list":[],"message":"empty containers"}',
  '{"ok":true,"bad":false,"nothing":null,"message":"booleans"}',
  // Rows of shapes whose message, level and time are kept only in the record's columns, and rows
  // of those shapes where the leaf is not what the column gives back.
  dyte(74, { timestamp: '2024-05-01T10:07:00Z' }),
  dyte(75, { timestamp: '2024-05-01T10:08:00Z' }),
  dyte(76, { message: null }),
  dyte(77, { timestamp: null }),
  dyte(78, { level: 'err' }),
  dyte(79, { timestamp: '2024-05-01T10:05:00.000+00:00' }),
  dyte(80, { timestamp: '+010000-01-01T00:00:00.000Z' }),
  '{"ts":1714557960000,"message":"epoch ms first","level":"warn"}',
  '{"ts":1714557960001,"message":"epoch ms second","level":"warn"}',
  '{"ts":1714557960,"message":"epoch seconds in an epoch ms shape","level":"warn"}',
  '{"ts":1714557960002,"message":null,"level":null}',
  '{"level":"info","message":"every leaf kept"}',
  '{"timestamp":"2024-05-01T10:09:00.000Z","message":"every leaf kept, with a time"}',
];

/** The first row of a query over a closed store's file, as numbers (how many rows kept their text…). */
async function storedNumbers(dir: string, sql: string): Promise<number[]> {
  const db = await DuckDBInstance.create(path.join(dir, 'records.duckdb'));
  const connection = await db.connect();
  try {
    return (await connection.runAndReadAll(sql)).getRows()[0]!.map(Number);
  } finally {
    connection.closeSync();
    db.closeSync();
  }
}

const INGESTED = T0 - 3_600_000;

function batches(lines: string[], firstOffset: number, partition: number): WriteBatch[] {
  return [{ stream: 'app', partition, entries: lines.map((line, i) => ({ offset: firstOffset + i, ingestedAt: INGESTED + i, value: Buffer.from(line) })) }];
}

const QUERIES = [
  'level:error', 'level:>=warn', 'resourceId:server-1', 'resourceId:server-1*', 'NOT resourceId:server-1', '"Failed to connect"',
  'failed', 'message:/request [0-9]+ done/', 'latency_ms:>500', 'latency_ms:[100 TO 200]', 'latency_ms:12.75', 'latency_ms:5',
  'status:500', 'status:503', 'status:>=500', 'metadata.parentResourceId:p-1', 'metadata.region:eu AND level:info',
  '_exists_:metadata', 'NOT _exists_:metadata', '_exists_:tags', 'tags:*a*', 'metadata.deep.a.b.c:1', '_exists_:metadata.deep',
  'user\\ agent:curl*', "it\\'s:quote", 'a.b.c.d.e:deep', 'msg:*field*', 'lvl:50', 'ok:true', 'bad:false', '_exists_:nothing',
  'n:9007199254740993', 'timestamp:>2024-05-01T10:30:00Z', 'ts:>2024-05-01T10:30:00Z', 'extra:*', 'customer_id:c3 OR customer_id:c4',
  'id:*', 'message:*', '*', 'empty:*', 'list:*', 'Level:error',
  'timestamp:"2024-05-01T10:05:00.000Z"', 'timestamp:"2024-05-01T10:07:00Z"', 'timestamp:*00Z', '_exists_:timestamp',
  'NOT _exists_:timestamp', 'ts:1714557960001', 'level:warn AND message:epoch',
];

describe('embedded store: typed layout', () => {
  let dir: string;
  let store: DuckDbStore;
  let reference: DuckDBConnection;
  let referenceDb: DuckDBInstance;
  const firstPart = LINES.slice(0, 80);
  const secondPart = LINES.slice(80);

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'store-layout-'));
    store = await DuckDbStore.open(dir);
    await store.write(batches(firstPart, 0, 0));
    // Reopened: the learned shapes come back from the file and keep working.
    await store.close();
    store = await DuckDbStore.open(dir);
    await store.write(batches(secondPart, 0, 1));

    referenceDb = await DuckDBInstance.create(':memory:');
    reference = await referenceDb.connect();
    await reference.run('CREATE TABLE records (id VARCHAR, stream VARCHAR, ts BIGINT, ingested_at BIGINT, level VARCHAR, message VARCHAR, body VARCHAR)');
    const add = async (lines: string[], partition: number) => {
      for (const [i, line] of lines.entries()) {
        const { body, json } = messageBody(Buffer.from(line));
        const r = toRecord(body, { stream: 'app', id: positionId(INGESTED + i, partition, i), ingestedAt: INGESTED + i });
        await reference.run('INSERT INTO records VALUES (?, ?, ?, ?, ?, ?, ?)', [r.id, r.stream, BigInt(r.ts), BigInt(r.ingestedAt), r.level, r.message, json]);
      }
    };
    await add(firstPart, 0);
    await add(secondPart, 1);
  });

  after(async () => {
    await store?.close();
    reference?.closeSync();
    referenceDb?.closeSync();
    rmSync(dir, { recursive: true, force: true });
  });

  test('every record comes back byte for byte, with the ts, level and message toRecord derives', async () => {
    const result = await store.search({ query: null, limit: 1000 });
    assert.equal(result.total, LINES.length);
    const expected = (await reference.runAndReadAll('SELECT id, ts, level, message, body FROM records')).getRowObjects();
    const byId = new Map(result.hits.map((hit) => [hit.id, hit]));
    for (const row of expected) {
      const hit = byId.get(String(row.id));
      assert.ok(hit, `record ${String(row.body)} is missing`);
      assert.equal(hit.bodyJson, row.body);
      assert.equal(hit.ts, Number(row.ts), `ts of ${hit.bodyJson}`);
      assert.equal(hit.level, row.level, `level of ${hit.bodyJson}`);
      assert.equal(hit.message, row.message, `message of ${hit.bodyJson}`);
    }
  });

  test('queries match the same records as over the original JSON bodies', async () => {
    for (const text of QUERIES) {
      const query = parseQuery(text);
      const compiled = compileToDuckDb(query);
      const want = (await reference.runAndReadAll(`SELECT id FROM records WHERE ${compiled.sql} ORDER BY id`, compiled.params as never[]))
        .getRows().map((row) => String(row[0]));
      const got = await store.search({ query, limit: 1000 });
      assert.deepEqual(got.hits.map((hit) => hit.id).sort(), want, text);
      assert.equal(got.total, want.length, text);
    }
  });

  test('aggregations and group keys match the original bodies', async () => {
    const stats = await store.stats({
      query: null, groupBy: ['resourceId', 'metadata.region'], limit: 100,
      aggregations: [{ fn: 'count' }, { fn: 'avg', field: 'latency_ms' }, { fn: 'p99', field: 'latency_ms' }, { fn: 'distinct', field: 'status' }, { fn: 'max', field: 'lvl' }],
    });
    const rows = (await reference.runAndReadAll(`SELECT json_extract_string(body, '$.resourceId') AS r, json_extract_string(body, '$.metadata.region') AS g,
      count(*) AS n, avg(TRY_CAST(json_extract_string(body, '$.latency_ms') AS DOUBLE)) AS a,
      quantile_cont(TRY_CAST(json_extract_string(body, '$.latency_ms') AS DOUBLE), 0.99) AS p,
      count(DISTINCT json_extract_string(body, '$.status')) AS d, max(TRY_CAST(json_extract_string(body, '$.lvl') AS DOUBLE)) AS m
      FROM records GROUP BY 1, 2`)).getRowObjects();
    assert.equal(stats.totalGroups, rows.length);
    for (const row of rows) {
      const group = stats.groups.find((g) => g.key.resourceId === row.r && g.key['metadata.region'] === row.g);
      assert.ok(group, `group ${String(row.r)}/${String(row.g)}`);
      assert.equal(group.values.count, Number(row.n));
      const close = (a: number | null | undefined, b: unknown) => assert.ok(a === null ? b === null : Math.abs(a! - Number(b)) < 1e-9, `${a} vs ${b}`);
      close(group.values['avg(latency_ms)'], row.a);
      close(group.values['p99(latency_ms)'], row.p);
      close(group.values['distinct(status)'], row.d);
      close(group.values['max(lvl)'], row.m);
    }
  });

  test('paging with cursors walks every record once, newest first', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await store.search({ query: null, limit: 7, cursor });
      seen.push(...page.hits.map((hit) => hit.id));
      cursor = page.cursor;
    } while (cursor);
    const all = await store.search({ query: null, limit: 1000 });
    assert.deepEqual(seen, all.hits.map((hit) => hit.id));
  });

  test('the common shape is stored as columns, not text', async () => {
    await store.close();
    const [commonRaw, templates] = await storedNumbers(dir, `SELECT
      (SELECT count(raw) FROM records WHERE part = 0 AND off < 60), (SELECT count(*) FROM store_templates)`);
    store = await DuckDbStore.open(dir);
    assert.equal(commonRaw, 0, 'the 60 records of the common shape keep no text');
    assert.ok(templates! <= 8, `${templates} templates learned; one-off shapes should not each get one`);
  });

  test('the message, level and time a record keeps in its own columns are not stored again', async () => {
    await store.close();
    const db = await DuckDBInstance.create(path.join(dir, 'records.duckdb'));
    const connection = await db.connect();
    const columns = (await connection.runAndReadAll(`SELECT name, path FROM store_columns WHERE path IN ('["message"]', '["level"]', '["timestamp"]')`))
      .getRows().map(([name, leaf]) => ({ name: String(name), leaf: String(leaf) }));
    const stored = [];
    for (const { name, leaf } of columns) {
      const count = Number((await connection.runAndReadAll(`SELECT count(${name}) FROM records WHERE part = 0 AND off < 60`)).getRows()[0]![0]);
      if (count > 0) stored.push(`${leaf}: ${count}`);
    }
    connection.closeSync();
    db.closeSync();
    store = await DuckDbStore.open(dir);
    assert.deepEqual(stored, [], 'the common shape\'s message, level and timestamp have no column values');
  });

  test('a rare shape left as text in one write is learned and typed from the next write on', async () => {
    const rareDir = mkdtempSync(path.join(tmpdir(), 'store-rare-'));
    try {
      // The second rare shape has only leaves the record's own columns keep: no typed column at all.
      const rare = (n: number): string => (n % 2 ? JSON.stringify({ message: `rare ${n}`, code: n, ok: true }) : JSON.stringify({ level: 'warn', message: `rare ${n}` }));
      const first = [...Array.from({ length: 200 }, (_, n) => dyte(n)), rare(0), rare(1)];
      const second = Array.from({ length: 10 }, (_, n) => rare(n + 2));
      const rareStore = await DuckDbStore.open(rareDir);
      const entries = (lines: string[], from: number) => lines.map((line, i) => ({ offset: from + i, ingestedAt: T0, value: Buffer.from(line) }));
      await rareStore.write([{ stream: 'logs', partition: 0, entries: entries(first, 0) }]);
      await rareStore.write([{ stream: 'logs', partition: 0, entries: entries(second, first.length) }]);
      const bodies = (await rareStore.search({ query: parseQuery('message:rare'), limit: 100 })).hits.map((hit) => hit.bodyJson);
      await rareStore.close();
      const [firstRaw, secondRaw] = await storedNumbers(rareDir, `SELECT count(raw) FILTER (off < ${first.length}),
        count(raw) FILTER (off >= ${first.length}) FROM records`);
      assert.deepEqual(bodies.sort(), [rare(0), rare(1), ...second].sort());
      assert.equal(firstRaw, 2, 'the rare lines of the first write keep their text');
      assert.equal(secondRaw, 0, 'the next write types the rare shape');
    } finally {
      rmSync(rareDir, { recursive: true, force: true });
    }
  });

  test('in a write of many shapes, the main shape and large groups are typed, the rarest few keep their text, and every record is found', async () => {
    const mixedDir = mkdtempSync(path.join(tmpdir(), 'store-mixed-'));
    try {
      const fields = ['a', 'b', 'c', 'd', 'e', 'f'];
      // shape k lacks field k: 1000 lines of the full shape, 100 lacking a, 2 each lacking one of b..f
      const line = (n: number, lacking?: string) => JSON.stringify(Object.fromEntries(fields.filter((f) => f !== lacking).map((f) => [f, `${f}${n}`]).concat([['message', `m ${n}`]])));
      const write = (from: number) => [
        ...Array.from({ length: 1000 }, (_, i) => line(from + i)),
        ...Array.from({ length: 100 }, (_, i) => line(from + 1000 + i, 'a')),
        ...fields.slice(1).flatMap((lacking, k) => [line(from + 1100 + 2 * k, lacking), line(from + 1101 + 2 * k, lacking)]),
      ];
      const mixed = await DuckDbStore.open(mixedDir);
      const entries = (lines: string[], from: number) => lines.map((text, i) => ({ offset: from + i, ingestedAt: T0, value: Buffer.from(text) }));
      // the first write teaches the shapes, the second is typed with them
      await mixed.write([{ stream: 'logs', partition: 0, entries: entries(write(0), 0) }]);
      await mixed.write([{ stream: 'logs', partition: 0, entries: entries(write(2000), 1110) }]);
      assert.equal((await mixed.search({ query: null, limit: 0 })).total, 2220);
      assert.equal((await mixed.search({ query: parseQuery('_exists_:a'), limit: 0 })).total, 2020);
      assert.equal((await mixed.search({ query: parseQuery('NOT _exists_:c'), limit: 0 })).total, 4);
      assert.equal((await mixed.search({ query: parseQuery('b:b2003'), limit: 5 })).hits.length, 1);
      await mixed.close();
      const [mainRaw, secondRaw, rareRaw] = await storedNumbers(mixedDir, `SELECT count(raw) FILTER (off >= 1110 AND off < 2110),
        count(raw) FILTER (off >= 2110 AND off < 2210), count(raw) FILTER (off >= 2210) FROM records`);
      assert.deepEqual([mainRaw, secondRaw], [0, 0], 'the main shape and the 100 lines of the second are typed in the second write');
      assert.ok(rareRaw >= 6, `beyond the two largest groups, the rare lines keep their text (${rareRaw} of 10)`);
    } finally {
      rmSync(mixedDir, { recursive: true, force: true });
    }
  });

  test('records whose nested object varies (dead letters carrying other records) share one template with the object kept whole', async () => {
    const variedDir = mkdtempSync(path.join(tmpdir(), 'store-varied-'));
    try {
      const inner = ['user_id', 'device_type', 'ip', 'app_version', 'location'];
      // each record's `message` lacks another field: 5 nested shapes, each too rare to learn alone
      const line = (n: number) => {
        const message = Object.fromEntries(inner.filter((_, k) => k !== n % 5).map((key) => [key, key === 'app_version' ? n / 10 : `${key}-${n % 7}`]));
        const text = n % 10 === 9 ? { msg: `rejected ${n}` } : {};
        return JSON.stringify({ topic_name: 'user-login', message, error: `missing ${inner[n % 5]}`, timestamp: new Date(T0 + n * 1000).toISOString(), level: 'warn', ...text });
      };
      const lines = Array.from({ length: 400 }, (_, n) => line(n));
      const varied = await DuckDbStore.open(variedDir);
      const entries = (from: number, to: number) => lines.slice(from, to).map((text, i) => ({ offset: from + i, ingestedAt: T0, value: Buffer.from(text) }));
      await varied.write([{ stream: 'dlq', partition: 0, entries: entries(0, 200) }]);
      await varied.write([{ stream: 'dlq', partition: 0, entries: entries(200, 400) }]);
      const all = await varied.search({ query: null, limit: 400 });
      assert.equal(all.total, 400);
      for (const [i, hit] of all.hits.entries()) {
        const n = 399 - i; // newest first
        const expected = toRecord(JSON.parse(lines[n]!) as Record<string, unknown>, { stream: 'dlq', id: hit.id, ingestedAt: T0 });
        assert.deepEqual([hit.ts, hit.level, hit.message, hit.bodyJson], [expected.ts, expected.level, expected.message, lines[n]], `record ${n}`);
      }
      assert.equal((await varied.search({ query: parseQuery('message.device_type:device_type-3'), limit: 0 })).total,
        lines.filter((text) => (JSON.parse(text) as { message: { device_type?: string } }).message.device_type === 'device_type-3').length);
      assert.equal((await varied.search({ query: parseQuery('NOT _exists_:message.location'), limit: 0 })).total, 80);
      assert.equal((await varied.search({ query: parseQuery('message.app_version:>30'), limit: 0 })).total,
        lines.filter((text) => ((JSON.parse(text) as { message: { app_version?: number } }).message.app_version ?? 0) > 30).length);
      await varied.close();
      const [secondRaw] = await storedNumbers(variedDir, 'SELECT count(raw) FILTER (off >= 200) FROM records');
      assert.equal(secondRaw, 0, 'the second write is typed: the flat template holds every nested shape');
    } finally {
      rmSync(variedDir, { recursive: true, force: true });
    }
  });

  test('a template prepared before another shape added columns still writes its records exactly', async () => {
    const rebindDir = mkdtempSync(path.join(tmpdir(), 'store-rebind-'));
    try {
      const store = await DuckDbStore.open(rebindDir, { writers: 1 });
      const shapeA = (n: number) => JSON.stringify({ message: `a ${n}`, a: n });
      const shapeB = (n: number) => JSON.stringify({ message: `b ${n}`, b: `x${n}`, c: n / 2 });
      const write = (offset: number, lines: string[]) => store.write([{ stream: 'logs', partition: 0, entries: lines.map((text, i) => ({ offset: offset + i, ingestedAt: T0 + offset + i, value: Buffer.from(text) })) }]);
      const a = (from: number) => Array.from({ length: 50 }, (_, i) => shapeA(from + i));
      await write(0, a(0));
      await write(50, a(50)); // A's insert is prepared and used
      await write(100, Array.from({ length: 50 }, (_, i) => shapeB(i))); // B adds columns to the table
      await write(150, a(150)); // A's prepared insert runs against the wider table
      const all = await store.search({ query: null, limit: 200 });
      assert.deepEqual(all.hits.map((hit) => hit.bodyJson).sort(), [...a(0), ...a(50), ...Array.from({ length: 50 }, (_, i) => shapeB(i)), ...a(150)].sort());
      assert.equal((await store.search({ query: parseQuery('a:>=150'), limit: 0 })).total, 50);
      await store.close();
      const [raw] = await storedNumbers(rebindDir, 'SELECT count(raw) FROM records WHERE off >= 150');
      assert.equal(raw, 0, 'the last write is typed by the prepared template');
    } finally {
      rmSync(rebindDir, { recursive: true, force: true });
    }
  });

  test('a store written by the old one-body-column layout is refused with what to do', async () => {
    const oldDir = mkdtempSync(path.join(tmpdir(), 'store-old-'));
    try {
      const db = await DuckDBInstance.create(path.join(oldDir, 'records.duckdb'));
      const connection = await db.connect();
      await connection.run('CREATE TABLE records (stream VARCHAR, id VARCHAR, ts BIGINT, ingested_at BIGINT, level VARCHAR, message VARCHAR, body VARCHAR)');
      connection.closeSync();
      db.closeSync();
      await assert.rejects(DuckDbStore.open(oldDir), /older Tributary.*new --data-dir/);
    } finally {
      rmSync(oldDir, { recursive: true, force: true });
    }
  });
});

describe('embedded store: positions and bytes of one write', () => {
  test('a write of several partitions, offset gaps and append times gives every record the id of its log position', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'store-positions-'));
    const store = await DuckDbStore.open(dir);
    try {
      const entry = (n: number, offset: number, ingestedAt: number) => ({ offset, ingestedAt, value: Buffer.from(dyte(n)) });
      const invalidUtf8 = Buffer.concat([Buffer.from('{"message":"bad byte '), Buffer.from([0xff]), Buffer.from('","level":"info"}')]);
      const written: WriteBatch[] = [
        // a run of one append time, then a gap in the offsets, then a new append time
        { stream: 'app', partition: 2, entries: [entry(1, 10, T0), entry(2, 11, T0), entry(3, 15, T0), entry(4, 16, T0 + 5), entry(5, 17, T0 + 5)] },
        { stream: 'app', partition: 0, entries: [entry(6, 0, T0 + 1), { offset: 1, ingestedAt: T0 + 1, value: invalidUtf8 }, entry(7, 2, T0 + 1)] },
        { stream: 'app', partition: 2, entries: [entry(8, 18, T0 + 5)] },
      ];
      await store.write(written);
      const { hits, total } = await store.search({ query: null, limit: 100 });
      assert.equal(total, 9);
      const byId = new Map(hits.map((hit) => [hit.id, hit]));
      for (const batch of written) {
        for (const { offset, ingestedAt, value } of batch.entries) {
          const hit = byId.get(positionId(ingestedAt, batch.partition, offset));
          assert.ok(hit, `no record at partition ${batch.partition} offset ${offset}`);
          assert.equal(hit.ingestedAt, ingestedAt);
          assert.equal(hit.bodyJson, messageBody(value).json);
        }
      }
      const rawRows = await store.search({ query: parseQuery('"bad byte"'), limit: 10 });
      assert.equal(rawRows.total, 1, 'the line that is not UTF-8 is kept and searchable');
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('embedded store: records whose members come and go', () => {
  /** Members present in some records only, floats printed 82 or 82.5, a field a number or a string. */
  function fleet(n: number): Record<string, unknown> {
    const record: Record<string, unknown> = { timestamp: new Date(T0 + n * 1000).toISOString(), level: ['info', 'ERROR', 'warn'][n % 3], message: `job ${n} done` };
    if (n % 10 < 7) record.traceId = `t${n}`;
    if (n % 5 !== 0) record.latency_ms = n % 2 ? n / 2 : n;
    record.status = n % 7 === 0 ? String(500 + (n % 4)) : 500 + (n % 4);
    if (n % 3 === 1) record.err = { type: n % 2 ? 'TypeError' : 'DBError', code: n % 4 === 0 ? `E${n % 9}` : n % 9 };
    if (n % 20 === 0) record.retry = n % 5;
    return record;
  }

  test('are one template: typed after the first write, byte for byte, and every query answers as over the text', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'store-fleet-'));
    try {
      const records = Array.from({ length: 1200 }, (_, n) => fleet(n));
      const lines = records.map((r) => JSON.stringify(r));
      const store = await DuckDbStore.open(dir);
      const entries = (from: number, to: number) => lines.slice(from, to).map((value, i) => ({ offset: from + i, ingestedAt: T0, value: Buffer.from(value) }));
      await store.write([{ stream: 'logs', partition: 0, entries: entries(0, 400) }]);
      await store.write([{ stream: 'logs', partition: 0, entries: entries(400, 1200) }]);
      const all = await store.search({ query: null, limit: 2000 });
      assert.deepEqual(all.hits.map((hit) => hit.bodyJson).sort(), [...lines].sort());
      const count = async (q: string) => (await store.search({ query: parseQuery(q), limit: 0 })).total;
      const brute = (pick: (r: Record<string, unknown>) => boolean) => records.filter(pick).length;
      assert.equal(await count('status:503'), brute((r) => r.status === 503 || r.status === '503'));
      assert.equal(await count('_exists_:traceId'), brute((r) => r.traceId !== undefined));
      assert.equal(await count('NOT _exists_:latency_ms'), brute((r) => r.latency_ms === undefined));
      assert.equal(await count('latency_ms:>300'), brute((r) => typeof r.latency_ms === 'number' && r.latency_ms > 300));
      assert.equal(await count('err.code:7'), brute((r) => { const code = (r.err as { code?: unknown } | undefined)?.code; return code === 7 || code === '7'; }));
      assert.equal(await count('err.type:TypeError'), brute((r) => (r.err as { type?: unknown } | undefined)?.type === 'TypeError'));
      assert.equal(await count('_exists_:err'), brute((r) => r.err !== undefined));
      assert.equal(await count('level:error'), brute((r) => r.level === 'ERROR'));
      const stats = await store.stats({ query: null, groupBy: ['status'], limit: 100, aggregations: [{ fn: 'count' }, { fn: 'avg', field: 'latency_ms' }] });
      for (const group of stats.groups) {
        const members = records.filter((r) => String(r.status) === group.key.status);
        assert.equal(group.values.count, members.length, `count of status ${group.key.status}`);
        const latencies = members.map((r) => r.latency_ms).filter((v): v is number => typeof v === 'number');
        assert.ok(Math.abs(group.values['avg(latency_ms)']! - latencies.reduce((a, b) => a + b, 0) / latencies.length) < 1e-9);
      }
      await store.close();
      const [secondRaw, templates] = await storedNumbers(dir, `SELECT (SELECT count(raw) FROM records WHERE off >= 400), (SELECT count(*) FROM store_templates)`);
      assert.equal(secondRaw, 0, 'the second write keeps no text');
      assert.ok(templates <= 3, `${templates} templates for 1,200 records of dozens of key sets`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('embedded store: a write whose every line keeps its text', () => {
  test('a pretty-printed record alone in a write, to a stream that has learned shapes, is stored', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'store-multiline-'));
    const store = await DuckDbStore.open(dir);
    try {
      await store.write(batches(Array.from({ length: 20 }, (_, n) => dyte(n)), 0, 0));
      // the Dyte sample as its file has it: one JSON document over several lines
      const pretty = JSON.stringify(JSON.parse(dyte(99)), null, 2);
      await store.write(batches([pretty], 20, 0));
      const result = await store.search({ query: parseQuery('traceId:t99'), limit: 10 });
      assert.equal(result.total, 1);
      assert.equal(JSON.parse(result.hits[0]!.bodyJson).traceId, 't99');
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
