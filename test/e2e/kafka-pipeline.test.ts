// A pipeline on the Kafka engine (real broker): the user-login preset reads its stream's Kafka
// topic in its own consumer group and writes metric-event and dead-letter-queue topics, which the
// indexer makes searchable; a restart of the process mid-window resumes from the checkpoint and
// the group's offsets with nothing lost or counted twice.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { generateUserLogins } from '../../src/presets/user-login/generate.ts';
import { startInProcess, tempDir, getJson, waitFor } from './harness.ts';
import { BROKERS, skipWithoutBroker } from '../support/kafka.ts';
import { all, checkDeadLetters, checkMetrics, post, settled, START } from './user-login-checks.ts';

const skip = await skipWithoutBroker();

describe('a pipeline on Kafka', { skip }, () => {
  it('runs the user-login preset in its consumer group, exactly, across a restart mid-window', async () => {
    const dataDir = tempDir('kafka-pipeline');
    const prefix = `pl-${randomUUID().slice(0, 8)}.`;
    const overrides = {
      'log.engine': 'kafka', 'log.kafka.brokers': BROKERS, 'log.kafka.topicPrefix': prefix, 'log.partitions': 3,
      presets: { 'user-login': { window: { idleTimeout: '3s' } } },
    };
    const input = generateUserLogins(3000, { seed: 5, startTimeSec: START + 3, secondsPerRecord: 0.41, users: 300 }).map(({ record }) => record as unknown as Record<string, unknown>);
    let tributary = await startInProcess(overrides, dataDir);
    try {
      await post(tributary, input.slice(0, 1800));
      await waitFor(async () => ((await getJson(`${tributary.url}/api/v1/search?stream=metric-event&limit=0`)).body.total >= 1 ? true : undefined), 30_000, 'a first window');
      await tributary.close();
      tributary = await startInProcess(overrides, dataDir);
      await post(tributary, input.slice(1800));
      await settled(tributary.url, input);
      checkMetrics(await all(tributary.url, 'metric-event'), input);
      checkDeadLetters(await all(tributary.url, 'dead-letter-queue'), input);
      // earlier runs on this broker left their own prefixes' partitions in the group
      const group = (await tributary.log.describeGroup('pipeline-user-login')).partitions.filter((p) => p.topic.startsWith(prefix));
      assert.deepEqual(group.map((p) => [p.topic, p.lag]), [0, 1, 2].map(() => [`${prefix}user-login`, 0]));
      assert.ok((await tributary.log.listTopics()).includes(`${prefix}metric-event`));
    } finally {
      await tributary.cleanup();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
