// Partitions per stream: the function-call-logs preset's topics as the seed has them (3 and 1),
// and streams.NAME.partitions for any stream, both when ingest creates the topic.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { postJson, startInProcess } from './harness.ts';

test('a stream\'s topic gets its configured or preset partition count, others log.partitions', async () => {
  const tributary = await startInProcess({ streams: { app: { partitions: 4 } } });
  try {
    for (const [stream, partitions] of [['app', 4], ['FunctionCallLogs', 3], ['LeaderActivityLogs', 1], ['other', tributary.config.log.partitions]] as const) {
      const posted = await postJson(`${tributary.url}/api/v1/logs?stream=${stream}`, JSON.stringify({ message: `to ${stream}`, LogID: `p-${stream}` }));
      assert.equal(posted.status, 202, JSON.stringify(posted.body));
      const topic = tributary.log.describeTopic(stream);
      assert.equal((await topic).partitions.length, partitions, stream);
    }
  } finally {
    await tributary.cleanup();
  }
});
