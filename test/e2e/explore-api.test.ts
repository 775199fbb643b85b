// The explorer's endpoints as a client uses them: top values of fields over a query, the records
// around one hit, and a live tail that shows new matching records as they arrive.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startInProcess, postJson, getJson, waitForTotal } from './harness.ts';

const ndjson = { 'content-type': 'application/x-ndjson' };
const T0 = Date.UTC(2024, 0, 1);

function line(n: number, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ timestamp: new Date(T0 + n * 1000).toISOString(), level: n % 3 === 0 ? 'error' : 'info', message: `event ${n}`, resourceId: `server-${n % 2}`, n, ...extra });
}

/** Reads a tail's server-sent events, handing each hit's `n` to `take` until it says done or the time is up. */
async function readTail(response: Response, timeoutMs: number, take: (n: number) => boolean): Promise<void> {
  const reader = response.body!.getReader();
  const deadline = Date.now() + timeoutMs;
  let text = '';
  let done = false;
  while (!done && Date.now() < deadline) {
    const { value } = await reader.read();
    text += new TextDecoder().decode(value);
    const events = text.split('\n\n');
    text = events.pop()!;
    for (const event of events) {
      const data = /^data: (.*)$/m.exec(event);
      if (data) for (const hit of JSON.parse(data[1]!) as Array<{ record: { n: number } }>) done = take(hit.record.n) || done;
    }
  }
}

describe('explore API', () => {
  let server: Awaited<ReturnType<typeof startInProcess>>;
  let url: string;

  before(async () => {
    server = await startInProcess();
    url = server.url;
    const lines = Array.from({ length: 30 }, (_, n) => line(n));
    assert.equal((await postJson(`${url}/api/v1/logs?stream=app`, lines.join('\n'), ndjson)).status, 202);
    await waitForTotal(url, 30);
  });
  after(() => server.cleanup());

  it('counts the top values of fields over a query', async () => {
    const { status, body } = await getJson(`${url}/api/v1/facets?q=${encodeURIComponent('n:<20')}&fields=level,resourceId&limit=5`);
    assert.equal(status, 200);
    assert.equal(body.total, 20);
    assert.deepEqual(body.fields.level.values, [{ value: 'info', count: 13 }, { value: 'error', count: 7 }]);
    assert.deepEqual(body.fields.resourceId.values, [{ value: 'server-0', count: 10 }, { value: 'server-1', count: 10 }]);
    assert.equal((await getJson(`${url}/api/v1/facets?q=x`)).body.error.code, 'bad_fields');
  });

  it('shows the records around a hit, also on the same server only', async () => {
    const { body: found } = await getJson(`${url}/api/v1/search?q=n:10`);
    const hit = found.hits[0];
    const { body } = await getJson(`${url}/api/v1/context?id=${hit.id}&stream=app&before=2&after=2`);
    assert.deepEqual(body.before.map((h: { record: { n: number } }) => h.record.n), [8, 9]);
    assert.equal(body.anchor.record.n, 10);
    assert.deepEqual(body.after.map((h: { record: { n: number } }) => h.record.n), [11, 12]);
    const same = (await getJson(`${url}/api/v1/context?id=${hit.id}&stream=app&before=2&after=1&same=resourceId`)).body;
    assert.deepEqual(same.before.map((h: { record: { n: number } }) => h.record.n), [6, 8]);
    assert.deepEqual(same.after.map((h: { record: { n: number } }) => h.record.n), [12]);
    const missing = await getJson(`${url}/api/v1/context?id=${hit.id}&stream=other`);
    assert.equal(missing.status, 404);
  });

  it('tails new matching records as they arrive, each once', { timeout: 20_000 }, async () => {
    const controller = new AbortController();
    const response = await fetch(`${url}/api/v1/tail?stream=app&q=${encodeURIComponent('level:error AND live:true')}`, { signal: controller.signal });
    assert.equal(response.headers.get('content-type'), 'text/event-stream');
    const seen: number[] = [];
    const posting = (async () => {
      for (let round = 0; round < 3; round++) {
        const lines = Array.from({ length: 6 }, (_, i) => line(100 + round * 6 + i, { live: true }));
        await postJson(`${url}/api/v1/logs?stream=app`, lines.join('\n'), ndjson);
        await new Promise((resolve) => setTimeout(resolve, 300));
      }
    })();
    await readTail(response, 10_000, (n) => { seen.push(n); return seen.length >= 6; });
    controller.abort();
    await posting;
    assert.deepEqual(seen.sort((a, b) => a - b), [102, 105, 108, 111, 114, 117]);
  });

  it('tails a burst larger than a page, and steady traffic past the lookback, every record once', { timeout: 40_000 }, async () => {
    // once, a poll re-read its lookback window from the start with one page: past a page of
    // records in that window (one big batch, or 200 records/s) the tail stopped for good
    const controller = new AbortController();
    const response = await fetch(`${url}/api/v1/tail?stream=burst`, { signal: controller.signal });
    const seen = new Map<number, number>();
    const expected = 5_000 + 10 * 400;
    const posting = (async () => {
      assert.equal((await postJson(`${url}/api/v1/logs?stream=burst`, Array.from({ length: 5_000 }, (_, n) => line(n)).join('\n'), ndjson)).status, 202);
      for (let round = 0; round < 10; round++) {
        assert.equal((await postJson(`${url}/api/v1/logs?stream=burst`, Array.from({ length: 400 }, (_, i) => line(5_000 + round * 400 + i)).join('\n'), ndjson)).status, 202);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    })();
    await readTail(response, 30_000, (n) => { seen.set(n, (seen.get(n) ?? 0) + 1); return seen.size >= expected; });
    controller.abort();
    await posting;
    assert.equal(seen.size, expected, 'every record arrived');
    assert.ok([...seen.values()].every((times) => times === 1), 'each once');
  });

  it('splits the histogram by level, and picks its interval from the records\' span when the range is open', async () => {
    const { body } = await getJson(`${url}/api/v1/histogram?stream=app&q=${encodeURIComponent('n:<30')}&by=level`);
    // 30 records one second apart: an open range gets 1 s buckets, not a fixed hour
    assert.equal(body.intervalMs, 1000);
    assert.equal(body.buckets.length, 30);
    for (const [n, bucket] of body.buckets.entries()) {
      assert.deepEqual(bucket.groups, { [n % 3 === 0 ? 'error' : 'info']: 1 }, bucket.ts);
    }
    assert.equal(body.total, 30);
    const hourly = (await getJson(`${url}/api/v1/histogram?stream=app&q=${encodeURIComponent('n:<30')}&by=resourceId&interval=1h`)).body;
    assert.deepEqual(hourly.buckets, [{ ts: new Date(T0).toISOString(), count: 30, groups: { 'server-0': 15, 'server-1': 15 } }]);
  });

  it('exports the whole match as NDJSON or CSV, every page of it', async () => {
    const lines = Array.from({ length: 12_000 }, (_, n) => line(1000 + n, { bulk: true, note: n === 5 ? '=HYPERLINK("http://evil")' : n === 6 ? 'a "quoted", text' : undefined }));
    assert.equal((await postJson(`${url}/api/v1/logs?stream=export`, lines.join('\n'), ndjson)).status, 202);
    await waitForTotal(url, 12_000, 'bulk:true');
    const ndjsonExport = await fetch(`${url}/api/v1/export?stream=export&format=ndjson`);
    assert.equal(ndjsonExport.headers.get('content-type'), 'application/x-ndjson');
    assert.match(ndjsonExport.headers.get('content-disposition')!, /attachment; filename="tributary-.*\.ndjson"/);
    const exported = (await ndjsonExport.text()).trimEnd().split('\n').map((text) => JSON.parse(text) as { n: number });
    assert.equal(exported.length, 12_000, 'past the 5,000 of one page');
    assert.deepEqual(exported.map((record) => record.n), Array.from({ length: 12_000 }, (_, i) => 12_999 - i), 'newest first, each once');
    const csv = await (await fetch(`${url}/api/v1/export?stream=export&format=csv&fields=timestamp,n,note&q=${encodeURIComponent('n:[1004 TO 1006]')}`)).text();
    assert.deepEqual(csv.trimEnd().split('\r\n'), [
      'timestamp,n,note',
      `${new Date(T0 + 1006_000).toISOString()},1006,"a ""quoted"", text"`,
      `${new Date(T0 + 1005_000).toISOString()},1005,"'=HYPERLINK(""http://evil"")"`,
      `${new Date(T0 + 1004_000).toISOString()},1004,`,
    ]);
    assert.equal((await getJson(`${url}/api/v1/export?format=xml`)).body.error.code, 'bad_format');
    assert.equal((await getJson(`${url}/api/v1/export?q=${encodeURIComponent('level:(')}`)).body.error.code, 'bad_query');
  });

  it('gives a numeric field over time: aggregations per interval, for the commonest values of a field', async () => {
    const q = encodeURIComponent('n:<30');
    const { body } = await getJson(`${url}/api/v1/stats?stream=app&q=${q}&agg=count,avg:n,max:n&interval=10s&by=resourceId&top=1`);
    assert.equal(body.intervalMs, 10_000);
    // resourceIds tie at 15 each: the first by name is kept; buckets oldest first
    assert.deepEqual(body.groups.map((group: { key: Record<string, string> }) => group.key), [0, 1, 2].map((b) => ({ _time: new Date(T0 + b * 10_000).toISOString(), resourceId: 'server-0' })));
    assert.deepEqual(body.groups.map((group: { values: Record<string, number> }) => group.values), [
      { count: 5, 'avg(n)': 4, 'max(n)': 8 }, { count: 5, 'avg(n)': 14, 'max(n)': 18 }, { count: 5, 'avg(n)': 24, 'max(n)': 28 },
    ]);
    const p99 = (await getJson(`${url}/api/v1/stats?stream=app&q=${q}&agg=p99:n&interval=30s`)).body;
    assert.deepEqual(p99.groups.map((group: { values: Record<string, number> }) => group.values['p99(n)']), [28.71]);
    assert.equal((await getJson(`${url}/api/v1/stats?stream=app&agg=count&interval=10s&top=3`)).body.error.code, 'bad_top');
  });
});
