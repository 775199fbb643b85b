// `tributary/sdk` as a backend service imports it: the function-call logging helpers and the
// seed's routing rule against a real server; retries, backoff and the memory bound against a
// server that answers what a loaded Tributary can (429 with Retry-After, 400, nothing at all),
// every record not delivered reported with its reason.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { gunzipSync } from 'node:zlib';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import { pino } from 'pino';
import winston from 'winston';
import { FunctionCallLogger, Producer, type DropReason } from 'tributary/sdk';
import { TributaryTransport } from 'tributary/sdk/winston';
import { childServerForSuite, streamRecords, type ChildServer } from './harness.ts';

/** A server answering each request with the next status of `statuses` (then 202), recording the bodies. */
async function scriptedServer(statuses: number[], retryAfter = '0'): Promise<{ url: string; bodies: string[]; close: () => Promise<void> }> {
  const bodies: string[] = [];
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const raw = Buffer.concat(chunks);
      bodies.push((request.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw).toString());
      const status = statuses.shift() ?? 202;
      response.writeHead(status, { 'content-type': 'application/json', ...(status === 429 ? { 'retry-after': retryAfter } : {}) });
      response.end(JSON.stringify(status === 202 ? { accepted: 1 } : { error: { code: 'x', message: `status ${status}` } }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, bodies, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe('the SDK (tributary/sdk)', () => {
  const suite = childServerForSuite('sdk');
  let server: ChildServer;

  before(() => {
    server = suite.server();
  });

  it('sends function-call and leader-activity logs in batches to their streams, routed by the seed\'s rule', async () => {
    const logger = new FunctionCallLogger({ url: server.url, batchSize: 100, lingerMs: 20 });
    for (let i = 0; i < 350; i++) {
      assert.ok(logger.sendFunctionCallLog({ LogID: `LOG${i}`, endpoint: '/api/v1/users', timestamp: new Date(Date.UTC(2025, 2, 10, 12, 0, i)).toISOString(), function_name: 'getUserProfile', http_method_type: 'GET', log_message: 'Operation Successful', log_type: 'info' }));
    }
    for (let i = 0; i < 10; i++) logger.sendLeaderActivityLog({ leader_activity: 'member_status_updated', log_timestamp: '2025-03-10T12:00:00.000Z', after_change_data: { member: `m${i}` } });
    logger.log({ leaderAction: 'team_created', log_timestamp: '2025-03-10T12:01:00.000Z' });
    logger.log({ LogID: 'LOG-routed', endpoint: '/api/v1/teams', function_name: 'createTeam', http_method_type: 'POST', log_message: 'created', log_type: 'success', timestamp: '2025-03-10T12:02:00.000Z' });
    await logger.close();
    assert.deepEqual(logger.producer.stats(), { sent: 362, dropped: 0, buffered: 0, retries: 0 });
    await streamRecords(server.url, 'FunctionCallLogs', '', 351);
    await streamRecords(server.url, 'LeaderActivityLogs', '', 11);
    const [routed] = await streamRecords(server.url, 'FunctionCallLogs', 'LogID:LOG-routed', 1);
    assert.equal(routed.function_name, 'createTeam');
    assert.equal(logger.log({ LogID: 'late' }), false, 'a closed logger refuses');
  });

  it('is a pino transport and a winston transport', async () => {
    const transport = pino.transport({ target: 'tributary/sdk/pino', options: { url: server.url, stream: 'pino-app', lingerMs: 10 } });
    const logger = pino(transport);
    logger.info({ order: 'o-1', amount: 12.5 }, 'order paid');
    logger.error({ order: 'o-2' }, 'payment failed');
    transport.end();
    await once(transport, 'close');
    const [failed] = await streamRecords(server.url, 'pino-app', 'level:error', 1);
    assert.deepEqual([failed.msg, failed.order, failed.level], ['payment failed', 'o-2', 50]);
    await streamRecords(server.url, 'pino-app', 'level:info AND amount:12.5', 1);

    const tributary = new TributaryTransport({ url: server.url, stream: 'winston-app', lingerMs: 10 });
    const log = winston.createLogger({ transports: [tributary] });
    log.info('user signed in', { user: 'u1' });
    log.warn('quota at 90%', { user: 'u2' });
    await tributary.flush();
    const [warned] = await streamRecords(server.url, 'winston-app', 'level:warn', 1);
    assert.deepEqual([warned.message, warned.user], ['quota at 90%', 'u2']);
    await streamRecords(server.url, 'winston-app', 'user:u1 AND "signed in"', 1);
  });

  it('retries a batch the server holds back, after the Retry-After it asks for, and delivers it once', async () => {
    const scripted = await scriptedServer([429, 503, 429], '1');
    try {
      const producer = new Producer({ url: scripted.url, lingerMs: 5, baseBackoffMs: 10 });
      const started = Date.now();
      producer.send('app', { message: 'one' });
      producer.send('app', { message: 'two' });
      await producer.flush();
      assert.ok(Date.now() - started >= 2000, 'two Retry-After: 1 waits');
      assert.deepEqual(producer.stats(), { sent: 2, dropped: 0, buffered: 0, retries: 3 });
      assert.equal(scripted.bodies.length, 4);
      assert.deepEqual(scripted.bodies.map((body) => body.split('\n').map((line) => JSON.parse(line).message)), Array(4).fill(['one', 'two']));
    } finally {
      await scripted.close();
    }
  });

  it('reports what it cannot deliver: a batch refused as bad, one out of attempts, one past the memory bound', async () => {
    const dropped: Array<[DropReason, number, string]> = [];
    const onDropped = (records: ReadonlyArray<Record<string, unknown>>, reason: DropReason, detail: string) => dropped.push([reason, records.length, detail]);
    const scripted = await scriptedServer([400]);
    try {
      const refused = new Producer({ url: scripted.url, lingerMs: 5, onDropped });
      refused.send('app', { message: 'bad' });
      await refused.flush();
      assert.deepEqual(dropped.map(([reason, count]) => [reason, count]), [['rejected', 1]]);
      assert.match(dropped[0]![2], /HTTP 400/);
    } finally {
      await scripted.close();
    }
    dropped.length = 0;
    const unreachable = new Producer({ url: 'http://127.0.0.1:9', lingerMs: 5, maxAttempts: 3, baseBackoffMs: 5, onDropped });
    for (let i = 0; i < 4; i++) unreachable.send('app', { n: i });
    await unreachable.flush();
    assert.deepEqual(dropped.map(([reason, count]) => [reason, count]), [['retries_exhausted', 4]]);
    assert.deepEqual(unreachable.stats(), { sent: 0, dropped: 4, buffered: 0, retries: 2 });
    dropped.length = 0;
    const bounded = new Producer({ url: 'http://127.0.0.1:9', lingerMs: 60_000, maxBufferedRecords: 5, maxAttempts: 1, onDropped });
    const taken = Array.from({ length: 8 }, (_, n) => bounded.send('app', { n }));
    assert.deepEqual(taken, [true, true, true, true, true, false, false, false]);
    assert.deepEqual(dropped.map(([reason, count]) => [reason, count]), [['buffer_full', 1], ['buffer_full', 1], ['buffer_full', 1]]);
    await bounded.flush();
    assert.equal(bounded.stats().dropped, 8, 'the five taken are reported too once their one attempt fails');
  });
});
