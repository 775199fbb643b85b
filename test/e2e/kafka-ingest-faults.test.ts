// HTTP ingest on Apache Kafka when the cluster does not simply go along: a stream's topic deleted
// under a running server, a record over the broker's message size, a replication factor the
// cluster cannot give. Against the real broker; each server has a topic prefix of its own, so
// other runs on the shared broker never take its partitions.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { tempDir, startInProcess, postJson, getJson, waitForTotal } from './harness.ts';
import { BROKERS, skipWithoutBroker } from '../support/kafka.ts';
import { openKafkaLog } from '../../src/log/kafka/kafka-log.ts';
import type { Log } from '../../src/log/log.ts';

const skip = await skipWithoutBroker();
const prefix = () => `e2e-${randomUUID().slice(0, 8)}.`;
const ndjson = { 'content-type': 'application/x-ndjson' };

describe('HTTP ingest on Kafka, when the cluster does not go along', { skip }, () => {
  const topicPrefix = prefix();
  let server: Awaited<ReturnType<typeof startInProcess>>;
  let admin: Log;

  before(async () => {
    server = await startInProcess({
      'log.engine': 'kafka',
      'log.kafka.brokers': BROKERS,
      'log.kafka.topicPrefix': topicPrefix,
      'log.partitions': 1,
      // above the broker's 1 MB message.max.bytes, so the broker is the one to refuse
      'limits.maxRecordBytes': 4 << 20,
    });
    admin = await openKafkaLog({ brokers: BROKERS, clientId: 'e2e-ingest-faults' });
  });
  after(async () => {
    await server?.cleanup();
    await admin?.close();
  });

  it("creates a stream's topic again when it was deleted under the server; records sent after are searchable", async () => {
    const stream = 'recreated';
    const url = `${server.url}/api/v1/logs?stream=${stream}`;
    const first = await postJson(url, [1, 2, 3].map((n) => JSON.stringify({ n, message: `before the delete ${n}` })).join('\n'), ndjson);
    assert.deepEqual(first, { status: 202, body: { accepted: 3 } });
    await waitForTotal(server.url, 3, `stream:"${stream}"`, 30_000);

    await admin.deleteTopic(`${topicPrefix}${stream}`);
    const after = await postJson(url, JSON.stringify({ message: 'after the delete' }));
    assert.deepEqual(after, { status: 202, body: { accepted: 1 } });
    assert.ok((await admin.listTopics()).includes(`${topicPrefix}${stream}`), 'the topic is there again');
    await waitForTotal(server.url, 4, `stream:"${stream}"`, 30_000);
    const { body } = await getJson(`${server.url}/api/v1/search?stream=${stream}&q=${encodeURIComponent('"after the delete"')}`);
    assert.equal(body.total, 1);
  });

  it("answers 413 naming the limit for a record over the broker's message size", async () => {
    const stream = 'sizes';
    const url = `${server.url}/api/v1/logs?stream=${stream}`;
    const big = await postJson(url, JSON.stringify({ message: 'big', pad: 'x'.repeat(2 << 20) }));
    assert.equal(big.status, 413, JSON.stringify(big.body));
    assert.equal(big.body.error.code, 'record_too_large');
    assert.match(big.body.error.message, /a message of \d+ bytes is over what Kafka topic \S+sizes accepts/);
    assert.match(big.body.error.message, /1048588 bytes it accepts \(the topic's max\.message\.bytes/);
    assert.match(big.body.error.message, /send smaller records, or raise that limit/);

    // 3 MB of small records is no record over the limit: it goes to the broker in several batches
    const lines = Array.from({ length: 10_000 }, (_, n) => JSON.stringify({ n, message: `small ${n}`, pad: 'p'.repeat(250) }));
    const many = await postJson(url, lines.join('\n'), ndjson);
    assert.deepEqual(many, { status: 202, body: { accepted: 10_000 } });
    await waitForTotal(server.url, 10_000, `stream:"${stream}"`, 60_000);
  });
});

describe('HTTP ingest on Kafka with a replication factor the cluster cannot give', { skip }, () => {
  let server: Awaited<ReturnType<typeof startInProcess>>;

  before(async () => {
    server = await startInProcess({
      'log.engine': 'kafka',
      'log.kafka.brokers': BROKERS,
      'log.kafka.topicPrefix': prefix(),
      'log.kafka.replicationFactor': 2,
      // the presets' pipelines would create their input topics at start, and fail the start instead
      presets: { 'user-login': { enabled: false }, 'function-call-logs': { enabled: false }, 'sunbird-telemetry': { enabled: false } },
    });
  });
  after(() => server?.cleanup());

  it('fails the first record of a stream with a message naming log.kafka.replicationFactor', async () => {
    const response = await postJson(`${server.url}/api/v1/logs?stream=replicas`, JSON.stringify({ message: 'x' }));
    assert.equal(response.status, 500);
    assert.match(response.body.error.message, /the cluster cannot give it replication factor 2: set a lower one \(log\.kafka\.replicationFactor/);
    assert.match(response.body.error.message, /or none for the cluster's default/);
  });

  it('fails the start when a pipeline needs a topic the cluster refuses, naming the setting, and leaves nothing open', async () => {
    const dataDir = tempDir('kafka-rf-start');
    const overrides = { 'log.engine': 'kafka', 'log.kafka.brokers': BROKERS, 'log.kafka.topicPrefix': prefix() };
    await assert.rejects(startInProcess({ ...overrides, 'log.kafka.replicationFactor': 2 }, dataDir), /replication factor 2: set a lower one \(log\.kafka\.replicationFactor/);
    // the store and the data dir were released: a corrected start on the same dir works
    const again = await startInProcess(overrides, dataDir);
    await again.cleanup();
  });
});
