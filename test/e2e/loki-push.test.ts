// Loki's push API: JSON from python-logging-loki's handler, and a protobuf + snappy push built
// here byte by byte from Loki's field numbers (as Promtail and Alloy send it); every entry a
// searchable record with its labels and structured metadata as fields; a bad push a 400 with the
// reason and nothing kept.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { compressSync } from 'snappy';
import { childServerForSuite, getJson, streamRecords, ROOT, type ChildServer } from './harness.ts';
import { runPythonClient, skipWithoutPythonModule } from '../support/clients.ts';

/** A protobuf field: key (number, wire type) then a varint or length-delimited bytes. */
function varint(n: bigint): Buffer {
  const bytes: number[] = [];
  do {
    let byte = Number(n & 0x7fn);
    n >>= 7n;
    if (n > 0n) byte |= 0x80;
    bytes.push(byte);
  } while (n > 0n);
  return Buffer.from(bytes);
}
const field = (number: number, value: Buffer | string | bigint): Buffer => typeof value === 'bigint'
  ? Buffer.concat([varint(BigInt(number << 3)), varint(value)])
  : Buffer.concat([varint(BigInt((number << 3) | 2)), varint(BigInt(Buffer.byteLength(value))), Buffer.from(value)]);

/** logproto.PushRequest{streams: [{labels, entries: [{timestamp{seconds, nanos}, line, structuredMetadata}]}]} */
function pushRequest(labels: string, entries: Array<{ ns: bigint; line: string; metadata?: Record<string, string> }>): Buffer {
  const encoded = entries.map(({ ns, line, metadata = {} }) => field(2, Buffer.concat([
    field(1, Buffer.concat([field(1, ns / 1_000_000_000n), field(2, ns % 1_000_000_000n)])),
    field(2, line),
    ...Object.entries(metadata).map(([name, value]) => field(3, Buffer.concat([field(1, name), field(2, value)]))),
  ])));
  return field(1, Buffer.concat([field(1, labels), ...encoded]));
}

describe('Loki push', () => {
  const suite = childServerForSuite('loki');
  let server: ChildServer;

  before(() => {
    server = suite.server();
  });

  it('stores what python-logging-loki sends (JSON), labels as fields', { skip: skipWithoutPythonModule('logging_loki') }, async () => {
    runPythonClient(path.join(ROOT, 'test/fixtures/clients/loki_push.py'), [`${server.url}`]);
    const all = await streamRecords(server.url, 'logs', 'app:web AND env:test', 3);
    assert.deepEqual(all.map((record) => record.message).sort(), ['GET /cart 200', 'GET /checkout slow', 'POST /pay 502']);
    const [failed] = await streamRecords(server.url, 'logs', 'level:error', 1);
    assert.deepEqual([failed.route, failed.logger], ['/pay', 'web.requests']);
  });

  it('takes a protobuf + snappy push with structured metadata, and JSON with gzip', async () => {
    const ns = 1_764_763_200_123_456_789n;
    const body = compressSync(pushRequest('{job="api", level="warn", message="a label named message"}', [
      { ns, line: 'upstream timeout after 30s', metadata: { trace_id: 'abc123' } },
      { ns: ns + 1_000_000_000n, line: 'retried ok' },
    ]));
    const response = await fetch(`${server.url}/loki/api/v1/push?stream=loki-proto`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body });
    assert.equal(response.status, 204);
    const [timeout] = await streamRecords(server.url, 'loki-proto', 'trace_id:abc123', 1);
    assert.deepEqual(timeout, { timestamp: '2025-12-03T12:00:00.123Z', message: 'upstream timeout after 30s', job: 'api', level: 'warn', label_message: 'a label named message', trace_id: 'abc123' });
    await streamRecords(server.url, 'loki-proto', 'job:api AND level:warn', 2);
    const json = { streams: [{ stream: { job: 'batch' }, values: [['1764763200000000000', 'nightly export done', { rows: '1200' }]] }] };
    const gz = await fetch(`${server.url}/loki/api/v1/push`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip', 'x-tributary-stream': 'loki-json' }, body: gzipSync(JSON.stringify(json)) });
    assert.equal(gz.status, 204);
    const [exported] = await streamRecords(server.url, 'loki-json', 'job:batch', 1);
    assert.deepEqual(exported, { timestamp: '2025-12-03T12:00:00.000Z', message: 'nightly export done', job: 'batch', rows: '1200' });
    assert.equal(await (await fetch(`${server.url}/ready`)).text(), 'ready\n');
  });

  it('answers a bad push with a 400 naming the problem and keeps nothing of it', async () => {
    const cases: Array<[string, string | Buffer, string, RegExp]> = [
      ['application/x-protobuf', Buffer.from('not snappy at all'), 'not snappy', /snappy/],
      ['application/x-protobuf', compressSync(pushRequest('app="no braces"', [{ ns: 1n, line: 'x' }])), 'bad labels', /labels/],
      ['application/json', '{"streams": [{"stream": {"job": "x"}, "values": [["yesterday", "line"]]}]}', 'bad time', /unix ns/],
      ['application/json', '{"nope": 1}', 'no streams', /streams/],
    ];
    for (const [type, body, what, reason] of cases) {
      const response = await fetch(`${server.url}/loki/api/v1/push?stream=loki-bad`, { method: 'POST', headers: { 'content-type': type }, body });
      assert.equal(response.status, 400, what);
      assert.match(await response.text(), reason, what);
    }
    assert.equal((await getJson(`${server.url}/api/v1/search?stream=loki-bad&limit=0`)).body.total, 0);
    assert.equal((await getJson(`${server.url}/healthz`)).status, 200);
  });
});
