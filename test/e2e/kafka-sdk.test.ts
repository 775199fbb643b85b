// tributary/sdk straight to Kafka (real broker): a service's function-call and leader-activity
// logs produced to the streams' topics reach the function-call-logs preset's groups and its
// store streams, as over HTTP.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { FunctionCallLogger } from 'tributary/sdk';
import { startInProcess, streamRecords, tempDir } from './harness.ts';
import { BROKERS, skipWithoutBroker } from '../support/kafka.ts';

const skip = await skipWithoutBroker();

describe('the SDK on Kafka', { skip }, () => {
  it('produces to the streams\' topics, and the preset stores what it sent', async () => {
    const dataDir = tempDir('kafka-sdk');
    const prefix = `sdk-${randomUUID().slice(0, 8)}.`;
    const tributary = await startInProcess({
      'log.engine': 'kafka', 'log.kafka.brokers': BROKERS, 'log.kafka.topicPrefix': prefix,
      presets: { 'function-call-logs': { batch: { maxWait: '1s' } } },
    }, dataDir);
    try {
      const logger = new FunctionCallLogger({ kafka: { brokers: BROKERS, topicPrefix: prefix }, batchSize: 40, lingerMs: 10 });
      for (let i = 0; i < 120; i++) {
        logger.sendFunctionCallLog({ LogID: `K${i}`, endpoint: '/api/v1/events', timestamp: new Date(Date.UTC(2025, 2, 10, 12, 0, i)).toISOString(), function_name: 'listEvents', http_method_type: 'GET', log_message: `call ${i}`, log_type: 'info' });
      }
      for (let i = 0; i < 6; i++) logger.log({ leader_activity: 'member_added', log_timestamp: '2025-03-10T12:00:00.000Z', after_change_data: { member: `m${i}` } });
      await logger.close();
      assert.deepEqual(logger.producer.stats(), { sent: 126, dropped: 0, buffered: 0, retries: 0 });
      const calls = await streamRecords(tributary.url, 'function_call_logs', '', 120, 60_000);
      assert.deepEqual(calls.map((record) => record.LogID).sort(), Array.from({ length: 120 }, (_, i) => `K${i}`).sort());
      await streamRecords(tributary.url, 'leader_activity_logs', 'leader_activity:member_added', 6, 60_000);
    } finally {
      await tributary.cleanup();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
