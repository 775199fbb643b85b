// The Dyte log ingestor end to end: logs posted over HTTP as the evaluator does, then every
// filter of the problem statement, the query language and their combinations checked against the
// expected records.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { startInProcess, postJson, getJson, waitForTotal, ROOT } from './harness.ts';
import { dyteLogs, type DyteLog } from '../fixtures/dyte-logs.ts';

const sample = JSON.parse(readFileSync(path.join(ROOT, 'test/fixtures/dyte-sample-log.json'), 'utf8'));
const sampleQueries = JSON.parse(readFileSync(path.join(ROOT, 'test/fixtures/dyte-sample-queries.json'), 'utf8'));
const logs = dyteLogs(240);
type Any = DyteLog | typeof sample;
const all: Any[] = [sample, ...logs];
const key = (record: Any) => ('n' in record ? `n${record.n}` : 'sample');
const tsOf = (record: Any) => Date.parse(record.timestamp);

describe('Dyte log ingestor end to end', () => {
  let server: Awaited<ReturnType<typeof startInProcess>>;
  let url: string;

  async function searchKeys(params: Record<string, string>): Promise<string[]> {
    const keys: string[] = [];
    let cursor: string | null = null;
    let total = -1;
    do {
      const query = new URLSearchParams({ ...params, limit: '50', ...(cursor ? { cursor } : {}) });
      const { status, body } = await getJson(`${url}/api/v1/search?${query}`);
      assert.equal(status, 200, JSON.stringify(body));
      if (total === -1) total = body.total; else assert.equal(body.total, total, 'total is stable across pages');
      keys.push(...body.hits.map((hit: { record: Any }) => key(hit.record)));
      cursor = body.cursor;
    } while (cursor);
    assert.equal(keys.length, total, 'pages add up to the total');
    return keys.sort();
  }

  function expected(predicate: (record: Any) => boolean): string[] {
    return all.filter(predicate).map(key).sort();
  }

  before(async () => {
    server = await startInProcess();
    url = server.url;
    // The evaluator's way: one object per POST to /.
    const single = await postJson(`${url}/`, JSON.stringify(sample));
    assert.equal(single.status, 202);
    assert.deepEqual(single.body, { accepted: 1 });
    // An array, and NDJSON, to the API route.
    const array = await postJson(`${url}/api/v1/logs`, JSON.stringify(logs.slice(0, 100)));
    assert.deepEqual(array, { status: 202, body: { accepted: 100 } });
    const ndjson = logs.slice(100).map((log) => JSON.stringify(log)).join('\n');
    const lines = await postJson(`${url}/api/v1/logs?stream=logs`, ndjson, { 'content-type': 'application/x-ndjson' });
    assert.deepEqual(lines, { status: 202, body: { accepted: 140 } });
    await waitForTotal(url, all.length);
  });
  after(() => server.cleanup());

  it('answers the four sample queries of the problem statement exactly', async () => {
    const [q1, q2, q3, q4, q5] = sampleQueries.queries;
    assert.deepEqual(await searchKeys({ level: q1.filter.level }), expected((r) => r.level === 'error'));
    assert.deepEqual(await searchKeys({ message: q2.filter.message_contains }),
      expected((r) => r.message.toLowerCase().includes('failed to connect')));
    assert.deepEqual(await searchKeys({ resourceId: q3.filter.resourceId }), expected((r) => r.resourceId === 'server-1234'));
    const from = Date.parse(q4.filter.timestamp_gte);
    const to = Date.parse(q4.filter.timestamp_lte);
    assert.deepEqual(await searchKeys({ timestamp_start: q4.filter.timestamp_gte, timestamp_end: q4.filter.timestamp_lte }),
      expected((r) => tsOf(r) >= from && tsOf(r) <= to));
    assert.deepEqual(await searchKeys({ level: q5.filter.level, resourceId: q5.filter.resourceId }),
      expected((r) => r.level === 'error' && r.resourceId === 'server-1234'));
    for (const query of [q1, q2, q3, q4, q5]) {
      const params = new URLSearchParams(new URL(query.mukaustav_request.replace(/^GET /, '')).search);
      const { body } = await getJson(`${url}/api/v1/search?${params}`);
      assert.ok(body.hits.some((hit: { record: Any }) => key(hit.record) === 'sample'), `sample log found by query ${query.id}`);
    }
  });

  it('filters on every Dyte field, alone and combined', async () => {
    assert.deepEqual(await searchKeys({ traceId: 'trace-3' }), expected((r) => r.traceId === 'trace-3'));
    assert.deepEqual(await searchKeys({ spanId: 'span-456' }), ['sample']);
    assert.deepEqual(await searchKeys({ commit: 'a1b2c3d' }), expected((r) => r.commit === 'a1b2c3d'));
    assert.deepEqual(await searchKeys({ 'metadata.parentResourceId': 'server-0987' }),
      expected((r) => r.metadata.parentResourceId === 'server-0987'));
    assert.deepEqual(await searchKeys({ level: 'warning' }), expected((r) => r.level === 'warning'));
    assert.deepEqual(await searchKeys({ level: 'info', commit: '5e5342f', message: 'request', timestamp_start: '2023-09-05T00:00:00Z' }),
      expected((r) => r.level === 'info' && r.commit === '5e5342f' && r.message.toLowerCase().includes('request') && tsOf(r) >= Date.parse('2023-09-05T00:00:00Z')));
  });

  it('combines the query language with the filters', async () => {
    assert.deepEqual(await searchKeys({ q: 'level:error "Failed to connect"' }),
      expected((r) => r.level === 'error' && r.message.toLowerCase().includes('failed to connect')));
    assert.deepEqual(await searchKeys({ q: '(resourceId:server-1234 OR resourceId:server-5555) AND NOT level:info' }),
      expected((r) => ['server-1234', 'server-5555'].includes(r.resourceId) && r.level !== 'info'));
    assert.deepEqual(await searchKeys({ q: 'latency_ms:>=900', level: 'error' }),
      expected((r) => 'n' in r && r.latency_ms >= 900 && r.level === 'error'));
    assert.deepEqual(await searchKeys({ q: 'resourceId:server-123*' }), expected((r) => r.resourceId.startsWith('server-123')));
    assert.deepEqual(await searchKeys({ q: 'message:/timeout after \\d+s/' }), expected((r) => /timeout after \d+s/.test(r.message)));
    assert.deepEqual(await searchKeys({ q: '-_exists_:latency_ms' }), ['sample']);
    assert.deepEqual(await searchKeys({ q: 'timeout', from: '2023-09-20T00:00:00Z', to: '2023-09-25T00:00:00Z' }),
      expected((r) => r.message.toLowerCase().includes('timeout') && tsOf(r) >= Date.parse('2023-09-20T00:00:00Z') && tsOf(r) <= Date.parse('2023-09-25T00:00:00Z')));
  });

  it('returns hits newest first with the original record', async () => {
    const { body } = await getJson(`${url}/api/v1/search?limit=20`);
    assert.equal(body.hits.length, 20);
    assert.equal(typeof body.tookMs, 'number');
    const times = body.hits.map((hit: { ts: string }) => Date.parse(hit.ts));
    assert.deepEqual(times, [...times].sort((a, b) => b - a));
    const newest = [...all].sort((a, b) => tsOf(b) - tsOf(a))[0]!;
    assert.deepEqual(body.hits[0].record, newest);
    assert.equal(body.hits[0].stream, 'logs');
    assert.equal(body.hits[0].ts, new Date(tsOf(newest)).toISOString());
    const { body: one } = await getJson(`${url}/api/v1/search?spanId=span-456`);
    assert.deepEqual(one.hits[0].record, sample);
  });

  it('answers the total alone with limit=0', async () => {
    const { status, body } = await getJson(`${url}/api/v1/search?level=error&limit=0`);
    assert.equal(status, 200);
    assert.equal(body.total, all.filter((r) => r.level === 'error').length);
    assert.ok(body.total > 0);
    assert.deepEqual(body.hits, []);
    assert.equal(body.cursor, null);
  });

  it('leaves the total out with total=false, and the hits unchanged', async () => {
    const counted = await getJson(`${url}/api/v1/search?level=error&limit=5`);
    const { status, body } = await getJson(`${url}/api/v1/search?level=error&limit=5&total=false`);
    assert.equal(status, 200);
    assert.equal(body.total, null);
    assert.deepEqual(body.hits, counted.body.hits);
    assert.equal(body.cursor, counted.body.cursor);
    const bad = await getJson(`${url}/api/v1/search?total=no`);
    assert.equal(bad.status, 400);
    assert.match(bad.body.error.message, /total must be true or false, got 'no'/);
    assert.equal((await getJson(`${url}/api/v1/search?total=false&limit=0`)).status, 400);
  });

  it('describes the streams it holds', async () => {
    const { status, body } = await getJson(`${url}/api/v1/streams`);
    assert.equal(status, 200);
    assert.equal(body.streams.length, 1);
    assert.equal(body.streams[0].stream, 'logs');
    assert.equal(body.streams[0].records, all.length);
    assert.equal(body.streams[0].newestTs, new Date(Math.max(...all.map(tsOf))).toISOString());
    assert.ok(body.bytesOnDisk > 0);
  });

  it('answers 400 with the position for a bad query, and for bad parameters', async () => {
    const bad = await getJson(`${url}/api/v1/search?q=${encodeURIComponent('level:error AND (resourceId:x')}`);
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.code, 'bad_query');
    assert.equal(typeof bad.body.error.position, 'number');
    assert.equal((await getJson(`${url}/api/v1/search?limit=-1`)).status, 400);
    assert.equal((await getJson(`${url}/api/v1/search?from=yesterday-ish`)).body.error.code, 'bad_time_range');
    assert.equal((await getJson(`${url}/api/v1/search?cursor=garbage`)).status, 400);
    assert.equal((await getJson(`${url}/api/v1/search?q=${encodeURIComponent('message:/(/')}`)).status, 400);
  });

  it('counts per time bucket with /histogram', async () => {
    const { status, body } = await getJson(`${url}/api/v1/histogram?level=error&interval=1d&from=2023-09-01T00:00:00Z&to=2023-09-30T23:59:59Z`);
    assert.equal(status, 200);
    assert.equal(body.intervalMs, 86_400_000);
    assert.equal(body.buckets.length, 30);
    const errors = all.filter((r) => r.level === 'error');
    assert.equal(body.total, errors.length);
    const day10 = body.buckets.find((b: { ts: string }) => b.ts === '2023-09-10T00:00:00.000Z');
    assert.equal(day10.count, errors.filter((r) => r.timestamp.startsWith('2023-09-10')).length);
  });

  it('groups and aggregates with /stats', async () => {
    const { status, body } = await getJson(`${url}/api/v1/stats?by=resourceId&agg=count,avg:latency_ms,max:latency_ms,p50:latency_ms,distinct:traceId&q=_exists_:n`);
    assert.equal(status, 200, JSON.stringify(body));
    assert.equal(body.totalGroups, 5);
    for (const group of body.groups) {
      const members = logs.filter((r) => r.resourceId === group.key.resourceId);
      const latencies = members.map((r) => r.latency_ms).sort((a, b) => a - b);
      assert.equal(group.values.count, members.length);
      assert.ok(Math.abs(group.values['avg(latency_ms)'] - latencies.reduce((a, b) => a + b, 0) / members.length) < 1e-9);
      assert.equal(group.values['max(latency_ms)'], latencies.at(-1));
      assert.equal(group.values['distinct(traceId)'], new Set(members.map((r) => r.traceId)).size);
      assert.ok(group.values['p50(latency_ms)'] >= latencies[0]! && group.values['p50(latency_ms)'] <= latencies.at(-1)!);
    }
    const counts = body.groups.map((g: { values: { count: number } }) => g.values.count);
    assert.deepEqual(counts, [...counts].sort((a, b) => b - a), 'largest groups first');
    assert.equal((await getJson(`${url}/api/v1/stats?agg=avg`)).status, 400);
    const levels = await getJson(`${url}/api/v1/stats?by=level`);
    assert.equal(levels.body.groups.find((g: { key: { level: string } }) => g.key.level === 'warn').values.count,
      all.filter((r) => r.level === 'warning').length, 'levels group by their normalized name');
  });
});
