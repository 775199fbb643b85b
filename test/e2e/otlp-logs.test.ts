// OTLP/HTTP logs, sent by the OpenTelemetry Python SDK's exporter (protobuf, plain and gzip, a log
// inside a span) and by hand in OTLP/JSON: every log record a searchable record with its level,
// trace and span ids, attributes, resource and service; a record breaking a limit reported in
// partialSuccess; a body that does not decode a 400 Status in the request's encoding.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import protobuf from 'protobufjs';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { childServerForSuite, getJson, streamRecords as search, ROOT, type ChildServer } from './harness.ts';
import { runPythonClient, skipWithoutPythonModule } from '../support/clients.ts';

describe('OTLP/HTTP logs', () => {
  const suite = childServerForSuite('otlp');
  let server: ChildServer;

  before(() => {
    server = suite.server();
  });

  it('stores what the OpenTelemetry Python SDK exports (protobuf, plain and gzip)', { skip: skipWithoutPythonModule('opentelemetry.exporter.otlp.proto.http') }, async () => {
    const out = runPythonClient(path.join(ROOT, 'test/fixtures/clients/otel_logs.py'), [server.url]) as { results: string[]; trace_id: string; span_id: string };
    assert.deepEqual(out.results, Array(6).fill('SUCCESS'));
    for (const stream of ['otel', 'otel-gzip']) {
      const all = await search(server.url, stream, 'service:checkout', 3);
      assert.deepEqual(all.map((record) => record.message).sort(), ['card declined', 'order o-1 paid', 'payment retry']);
      const [declined] = await search(server.url, stream, 'level:error', 1);
      assert.deepEqual([declined.trace_id, declined.span_id, declined.severity_number], [out.trace_id, out.span_id, 17]);
      const [paid] = await search(server.url, stream, 'attributes.order_id:o-1 AND attributes.items:3', 1);
      assert.deepEqual([paid.attributes.amount, paid.scope.name, paid.resource['deployment.environment']], [12.5, 'shop.checkout', 'test']);
      await search(server.url, stream, 'level:warn AND attributes.attempt:2', 1);
    }
  });

  it('stores what the OpenTelemetry JavaScript SDK exports (OTLP/JSON)', async () => {
    const provider = new LoggerProvider({
      resource: resourceFromAttributes({ 'service.name': 'cart' }),
      processors: [new SimpleLogRecordProcessor({ exporter: new OTLPLogExporter({ url: `${server.url}/v1/logs?stream=otel-js` }) })],
    });
    const logger = provider.getLogger('cart.api', '1.4.0');
    logger.emit({ severityNumber: SeverityNumber.WARN, severityText: 'WARN', body: 'stock low', attributes: { sku: 'A-1', left: 2 } });
    logger.emit({ severityNumber: SeverityNumber.INFO, body: { event: 'added', qty: 3 } });
    await provider.forceFlush();
    await provider.shutdown();
    const [low] = await search(server.url, 'otel-js', 'level:warn AND attributes.sku:A-1', 1);
    assert.deepEqual([low.message, low.attributes.left, low.service, low.scope], ['stock low', 2, 'cart', { name: 'cart.api', version: '1.4.0' }]);
    const [added] = await search(server.url, 'otel-js', 'body.event:added', 1);
    assert.deepEqual([added.level, added.body], ['info', { event: 'added', qty: 3 }]);
  });

  it('takes OTLP/JSON (hex ids, integer severities, int64 as strings, a map body) and reports a record past the limits', async () => {
    const deep: Record<string, unknown> = {};
    let cursor = deep;
    for (let i = 0; i < 70; i++) cursor = (cursor.kvlistValue = { values: [{ key: 'k', value: {} }] }).values[0]!.value as Record<string, unknown>;
    const request = {
      resourceLogs: [{
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'billing' } }] },
        scopeLogs: [{
          scope: { name: 'billing.jobs', version: '2.1' },
          logRecords: [
            { timeUnixNano: '1764763200123000000', severityNumber: 21, body: { stringValue: 'ledger out of balance' }, traceId: '5B8EFFF798038103D269B633813FC60C', spanId: 'EEE19B7EC3C1B174', attributes: [{ key: 'big', value: { intValue: '9007199254740993' } }, { key: 'n', value: { intValue: 7 } }] },
            { observedTimeUnixNano: '1764763201000000000', severityNumber: 10, body: { kvlistValue: { values: [{ key: 'job', value: { stringValue: 'close' } }, { key: 'rows', value: { intValue: '12' } }] } } },
            { timeUnixNano: '1764763202000000000', body: deep },
          ],
        }],
      }],
    };
    const response = await fetch(`${server.url}/v1/logs?stream=otel-json`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(request) });
    assert.equal(response.status, 200);
    const answer = await response.json() as any;
    assert.equal(answer.partialSuccess.rejectedLogRecords, '1');
    assert.match(answer.partialSuccess.errorMessage, /log record 2/);
    const [fatal] = await search(server.url, 'otel-json', 'level:fatal', 1);
    assert.deepEqual([fatal.timestamp, fatal.message, fatal.trace_id, fatal.span_id, fatal.service, fatal.attributes.big, fatal.attributes.n, fatal.scope],
      ['2025-12-03T12:00:00.123Z', 'ledger out of balance', '5b8efff798038103d269b633813fc60c', 'eee19b7ec3c1b174', 'billing', '9007199254740993', 7, { name: 'billing.jobs', version: '2.1' }]);
    const [info] = await search(server.url, 'otel-json', 'body.job:close', 1);
    assert.deepEqual([info.level, info.timestamp, info.body], ['info', '2025-12-03T12:00:01.000Z', { job: 'close', rows: 12 }]);
  });

  it('answers a body that does not decode with a 400 Status in the request\'s encoding, and stays healthy', async () => {
    const root = protobuf.loadSync(path.join(ROOT, 'src/sources/otlp/logs.proto'));
    const Status = root.lookupType('tributary.otlp.Status');
    const badProto = await fetch(`${server.url}/v1/logs`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body: Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f, 0x01]) });
    assert.equal(badProto.status, 400);
    assert.equal(badProto.headers.get('content-type'), 'application/x-protobuf');
    const status = Status.toObject(Status.decode(Buffer.from(await badProto.arrayBuffer()))) as { code: number; message: string };
    assert.equal(status.code, 3);
    assert.match(status.message, /not an OTLP logs export request/);
    const badJson = await fetch(`${server.url}/v1/logs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"resourceLogs": [' });
    assert.equal(badJson.status, 400);
    assert.equal(((await badJson.json()) as any).code, 3);
    assert.equal((await fetch(`${server.url}/v1/logs`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'x' })).status, 415);
    assert.equal((await getJson(`${server.url}/healthz`)).status, 200);
  });
});
