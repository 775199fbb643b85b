// The spine on Apache Kafka: HTTP ingest → Kafka → indexer → store → search, against a real broker.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { startInProcess, postJson, getJson, waitForTotal } from './harness.ts';
import { BROKERS, skipWithoutBroker } from '../support/kafka.ts';

const skip = await skipWithoutBroker();

describe('the spine on Kafka', { skip }, () => {
  let server: Awaited<ReturnType<typeof startInProcess>>;
  const stream = `spine-${randomUUID().slice(0, 8)}`;

  before(async () => {
    server = await startInProcess({ 'log.engine': 'kafka', 'log.kafka.brokers': BROKERS });
  });
  after(() => server?.cleanup());

  it('makes records posted over HTTP searchable, exactly once', async () => {
    const logs = Array.from({ length: 50 }, (_, n) => ({ n, level: n % 5 === 0 ? 'error' : 'info', message: `kafka spine ${n}` }));
    const response = await postJson(`${server.url}/api/v1/logs?stream=${stream}`, logs.map((l) => JSON.stringify(l)).join('\n'), { 'content-type': 'application/x-ndjson' });
    assert.deepEqual(response, { status: 202, body: { accepted: 50 } });
    await waitForTotal(server.url, 50, `stream:"${stream}"`, 30_000);
    const { body } = await getJson(`${server.url}/api/v1/search?stream=${stream}&level=error&limit=100`);
    assert.deepEqual(body.hits.map((hit: { record: { n: number } }) => hit.record.n).sort((a: number, b: number) => a - b), [0, 5, 10, 15, 20, 25, 30, 35, 40, 45]);
    const topics = await server.log.describeTopic(`tributary.${stream}`);
    assert.equal(topics.partitions.reduce((sum, p) => sum + p.endOffset, 0), 50, 'the records went through the Kafka topic');
  });
});
