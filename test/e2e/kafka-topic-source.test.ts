// The kafka-topic source: topics written by producers we did not write (kcat) are indexed as the
// stream of the same name, on both log engines; topics no source names are left alone.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { startInProcess, startChild, tempDir, postJson, getJson, waitForTotal } from './harness.ts';
import { BROKERS, skipWithoutBroker, skipWithoutKcat, kcatProduce } from '../support/kafka.ts';
import { openKafkaLog } from '../../src/log/kafka/kafka-log.ts';
import type { Log } from '../../src/log/log.ts';

const skip = (await skipWithoutBroker()) || skipWithoutKcat();

interface Login { user_id: string; event: string; device: string; n: number }

const logins = (count: number): Login[] => Array.from({ length: count }, (_, n) => ({
  user_id: `user-${n % 7}`, event: n % 4 === 0 ? 'login_failed' : 'login', device: n % 2 ? 'ios' : 'android', n,
}));

async function searchAll(url: string, query: string): Promise<{ total: number; records: Array<Record<string, unknown>> }> {
  const { status, body } = await getJson(`${url}/api/v1/search?limit=1000&q=${encodeURIComponent(query)}`);
  assert.equal(status, 200, JSON.stringify(body));
  return { total: body.total, records: body.hits.map((hit: { record: Record<string, unknown> }) => hit.record) };
}

describe('kafka-topic source', { skip }, () => {
  let admin: Log;
  const run = randomUUID().slice(0, 8);
  const sourceTopic = `user-login-${run}`;
  const otherTeamTopic = `payments-${run}`;
  const sent = logins(40);

  before(async () => {
    admin = await openKafkaLog({ brokers: BROKERS });
    await admin.createTopic(sourceTopic, { partitions: 3 });
    await admin.createTopic(otherTeamTopic, { partitions: 1 });
    kcatProduce(sourceTopic, sent.map((login) => JSON.stringify(login)), (line) => (JSON.parse(line) as Login).user_id);
    kcatProduce(sourceTopic, ['plain text line from a legacy producer']);
    kcatProduce(otherTeamTopic, [JSON.stringify({ card: 'not for Tributary' })]);
  });
  after(async () => {
    for (const topic of [sourceTopic, otherTeamTopic]) await admin.deleteTopic(topic).catch(() => undefined);
    await admin.close();
  });

  it('indexes an existing topic as a stream on the Kafka log, and nothing it was not asked for', async () => {
    const server = await startInProcess({ 'log.engine': 'kafka', 'log.kafka.brokers': BROKERS, 'sources.kafkaTopics': [sourceTopic] });
    try {
      await waitForTotal(server.url, sent.length + 1, `stream:"${sourceTopic}"`, 30_000);
      const failed = await searchAll(server.url, `stream:"${sourceTopic}" AND event:login_failed`);
      assert.deepEqual(failed.records.map((r) => r.n).sort((a, b) => Number(a) - Number(b)), sent.filter((l) => l.event === 'login_failed').map((l) => l.n));
      const text = await searchAll(server.url, `stream:"${sourceTopic}" AND "legacy producer"`);
      assert.deepEqual(text.records, [{ message: 'plain text line from a legacy producer' }]);

      // HTTP ingest into the source's stream goes to the source topic itself
      const posted = await postJson(`${server.url}/api/v1/logs?stream=${sourceTopic}`, JSON.stringify({ user_id: 'user-http', event: 'login', n: 1000 }));
      assert.equal(posted.status, 202);
      await waitForTotal(server.url, sent.length + 2, `stream:"${sourceTopic}"`, 30_000);
      const described = await admin.describeTopic(sourceTopic);
      assert.equal(described.partitions.reduce((sum, p) => sum + p.endOffset, 0), sent.length + 2);

      const streams = (await getJson(`${server.url}/api/v1/streams`)).body.streams.map((s: { stream: string }) => s.stream);
      assert.ok(!streams.includes(otherTeamTopic), `a topic no source names was indexed: ${streams.join(', ')}`);
      assert.equal((await searchAll(server.url, 'card:*')).total, 0);
    } finally {
      await server.cleanup();
    }
  });

  it('indexes it beside the embedded log, started with --kafka-topic', async () => {
    const dataDir = tempDir('kafka-source');
    const server = await startChild(dataDir, ['--kafka-topic', sourceTopic, '--kafka-brokers', BROKERS.join(',')]);
    try {
      assert.match(server.output(), new RegExp(`log: embedded.*kafka topics: ${sourceTopic}`));
      await waitForTotal(server.url, sent.length + 2, `stream:"${sourceTopic}"`, 30_000);
      const byUser = await getJson(`${server.url}/api/v1/stats?q=${encodeURIComponent(`stream:"${sourceTopic}"`)}&by=user_id&limit=100`);
      assert.equal(byUser.status, 200, JSON.stringify(byUser.body));
      const counts = Object.fromEntries(byUser.body.groups.map((g: { key: { user_id: string }; values: { count: number } }) => [g.key.user_id, g.values.count]));
      assert.equal(counts['user-3'], sent.filter((l) => l.user_id === 'user-3').length);

      // other streams still go to the embedded log
      assert.equal((await postJson(`${server.url}/api/v1/logs?stream=app`, JSON.stringify({ message: 'embedded still works' }))).status, 202);
      await waitForTotal(server.url, 1, 'stream:app AND "embedded still works"');
      const topics = (await getJson(`${server.url}/api/v1/topics`)).body;
      assert.ok(JSON.stringify(topics).includes('"app"'));
    } finally {
      await server.kill();
    }
  });
});

describe('kafka-topic source configuration', () => {
  it('refuses to start without brokers, saying what to pass', async () => {
    const dataDir = tempDir('kafka-source-config');
    await assert.rejects(startChild(dataDir, ['--kafka-topic', 'user-login']), /sources\.kafkaTopics \(user-login\) needs a Kafka cluster: pass --kafka-brokers/);
  });
});
