// Two deployments on one Kafka cluster, told apart by their topic prefixes, both name their
// indexer group tributary-indexer. One's lag is not the other's backlog: ingest is held back, and
// the lag reported, only for this deployment's own stream topics.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { openKafkaLog } from '../../src/log/kafka/kafka-log.ts';
import type { Log } from '../../src/log/log.ts';
import { describeStreamGroup, streamTopics } from '../../src/log/stream-topics.ts';
import { indexingBacklog } from '../../src/sources/backlog-gate.ts';
import { BROKERS, skipWithoutBroker } from '../support/kafka.ts';
import { uniqueName, values, waitFor } from '../contract/log-test-helpers.ts';

describe('an indexer group name shared by two deployments on one Kafka cluster', { skip: await skipWithoutBroker() }, () => {
  let log: Log | undefined;
  after(async () => { await log?.close(); });

  it('counts only this deployment\'s stream topics as its backlog', async () => {
    const kafka = await openKafkaLog({ brokers: BROKERS, clientId: 'shared-group-test' });
    log = kafka;
    const run = uniqueName('shared');
    const [ours, theirs] = [`${run}-a.orders`, `${run}-b.orders`];
    const group = `${run}-indexer`;
    for (const topic of [ours, theirs]) await kafka.createTopic(topic, { partitions: 1 });
    await kafka.produce(ours, values(5, 'ours'));
    await kafka.produce(theirs, values(5, 'theirs'));
    // the other deployment's indexer has stored 1 of its 5 records; ours has stored all 5
    for (const [topic, offset] of [[theirs, 1], [ours, 5]] as const) {
      const consumer = kafka.createConsumer({ group, topics: [topic], commit: 'manual', fromBeginning: true, maxWaitMs: 100 });
      let read = 0;
      const running = consumer.run(async (batch) => { read += batch.messages.length; });
      await waitFor(() => read >= 5, 30_000, `the records of ${topic}`);
      await consumer.commit([{ topic, partition: 0, offset }]);
      await consumer.stop();
      await running;
    }
    const whole = await kafka.describeGroup(group);
    assert.equal(whole.partitions.reduce((sum, partition) => sum + partition.lag, 0), 4, 'the group as Kafka describes it holds the other deployment\'s lag');
    const deployment = { log: kafka, topics: streamTopics(`${run}-a.`), indexerGroup: group };
    const described = await describeStreamGroup(deployment);
    assert.deepEqual(described.partitions.map((partition) => [partition.topic, partition.lag]), [[ours, 0]]);
    assert.equal(await indexingBacklog(deployment, [ours]), 0, 'ingest is not held back for the other deployment\'s lag');
  });
});
