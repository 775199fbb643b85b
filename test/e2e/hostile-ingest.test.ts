// Hostile ingest bodies: each gets a clear 4xx naming the problem, nothing of it is stored, and
// the server stays healthy.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { request } from 'node:http';
import { startInProcess, postJson, getJson, waitForTotal } from './harness.ts';

describe('hostile ingest bodies', () => {
  let server: Awaited<ReturnType<typeof startInProcess>>;
  let url: string;

  before(async () => {
    server = await startInProcess();
    url = server.url;
  });
  after(() => server.cleanup());

  async function expectRefused(body: string | Buffer, headers: Record<string, string>, status: number, code: string, message: RegExp): Promise<void> {
    const response = await postJson(`${url}/api/v1/logs`, body, headers);
    assert.equal(response.status, status, JSON.stringify(response.body));
    assert.equal(response.body.error.code, code);
    assert.match(response.body.error.message, message);
    assert.equal((await getJson(`${url}/healthz`)).status, 200);
  }

  const json = { 'content-type': 'application/json' };
  const ndjson = { 'content-type': 'application/x-ndjson' };

  it('refuses each hostile body with a clear 4xx and stays healthy', async () => {
    await expectRefused('{"level": "error", "message": ', json, 400, 'invalid_json', /not valid JSON/);
    await expectRefused('{"ok":1}\n{"ok":2}\n{broken\n{"ok":4}', ndjson, 400, 'invalid_json', /^line 3 /);
    await expectRefused(Buffer.concat([Buffer.from('{"message":"'), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from('"}')]), json, 400, 'invalid_utf8', /UTF-8/);
    await expectRefused(JSON.stringify({ message: 'x'.repeat(10 * 1024 * 1024) }), json, 413, 'body_too_large', /larger than/);
    await expectRefused('['.repeat(200_000) + ']'.repeat(200_000), json, 400, 'not_an_object', /an array/);
    await expectRefused('{"a":'.repeat(200_000) + '1' + '}'.repeat(200_000), json, 400, 'record_limit', /nesting deeper than 64/);
    await expectRefused('{"a":'.repeat(500) + '1' + '}'.repeat(500), json, 400, 'record_limit', /nesting deeper than 64/);
    await expectRefused('level=error&message=hi', { 'content-type': 'application/x-www-form-urlencoded' }, 415, 'unsupported_content_type', /application\/json/);
    await expectRefused('"just a string"', json, 400, 'not_an_object', /JSON object/);
    await expectRefused(Buffer.from('definitely not gzip'), { ...json, 'content-encoding': 'gzip' }, 400, 'bad_gzip', /gzip/);
    await expectRefused(gzipSync(Buffer.alloc(20 * 1024 * 1024, 0x20)), { ...json, 'content-encoding': 'gzip' }, 413, 'body_too_large', /decompressed/);
    await expectRefused('{"a":1}', { ...json, 'content-encoding': 'br' }, 415, 'unsupported_content_encoding', /gzip/);
    await expectRefused('', json, 400, 'empty_body', /empty/);
    const badStream = await postJson(`${url}/api/v1/logs?stream=${encodeURIComponent('../etc')}`, '{"a":1}');
    assert.equal(badStream.status, 400);
    assert.equal(badStream.body.error.code, 'bad_stream');
  });

  it('survives a client that disconnects mid-body', async () => {
    await new Promise<void>((resolve) => {
      const req = request(`${url}/api/v1/logs`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': '100000' } });
      req.on('error', () => resolve());
      req.write('{"message": "half');
      setTimeout(() => { req.destroy(); resolve(); }, 100);
    });
    assert.equal((await getJson(`${url}/healthz`)).status, 200);
  });

  it('stored nothing of the refused bodies, and still ingests good ones', async () => {
    const good = await postJson(`${url}/api/v1/logs`, '{"ok":1}\n{"ok":2}', ndjson);
    assert.deepEqual(good, { status: 202, body: { accepted: 2 } });
    await waitForTotal(url, 2);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const { body } = await getJson(`${url}/api/v1/search`);
    assert.equal(body.total, 2);
    assert.deepEqual(body.hits.map((hit: { record: { ok: number } }) => hit.record.ok).sort(), [1, 2]);
  });

  it('reports health, readiness and Prometheus metrics', async () => {
    assert.deepEqual((await getJson(`${url}/readyz`)).body, { status: 'ready' });
    const text = await (await fetch(`${url}/metrics`)).text();
    assert.match(text, /tributary_ingested_records_total\{stream="logs"\} 2/);
    assert.match(text, /tributary_ingested_bytes_total\{stream="logs"\} \d+/);
    assert.match(text, /tributary_log_append_seconds_count \d+/);
    assert.match(text, /tributary_store_write_seconds_count [1-9]/);
    assert.match(text, /tributary_query_seconds_count\{kind="search"\} [1-9]/);
    assert.match(text, /tributary_processor_lag\{group="tributary-indexer",topic="logs",partition="\d+"\} 0/);
    assert.match(text, /tributary_ingest_rejected_total\{code="invalid_json"\} [1-9]/);
    const missing = await getJson(`${url}/nope`);
    assert.equal(missing.status, 404);
    assert.equal(missing.body.error.code, 'not_found');
  });
});
