// The dedup step with its keys in a real Redis (--redis): processes sharing it deduplicate
// together, and a record read again after a crash (the same origin) is not taken for a duplicate
// of itself (src/pipelines/steps/dedup/redis-keys.ts).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { dedupStep } from '../../src/pipelines/steps/dedup/dedup.ts';
import { connectRedisKeys, type SharedKeys } from '../../src/pipelines/steps/dedup/redis-keys.ts';
import type { PipelineRecord } from '../../src/pipelines/step.ts';
import { REDIS_URL, skipWithoutRedis } from '../support/redis.ts';

describe('dedup with its keys in Redis', { skip: await skipWithoutRedis() }, () => {
  let here: SharedKeys;
  let elsewhere: SharedKeys;
  // keys outlive the test in Redis: this run's pipeline name is its own
  const pipeline = `redis-dedup-test-${Date.now().toString(36)}-${process.pid}`;
  const rec = (mid: string, offset: number): PipelineRecord => ({ body: { mid }, origin: { topic: 'in', partition: 0, offset, ingestedAt: 0 } });
  const create = (sharedKeys: SharedKeys) => dedupStep.create({ key: 'mid', ttl: '1h', duplicatesTo: 'dup' }, { now: Date.now, pipeline, sharedKeys });

  before(async () => {
    here = await connectRedisKeys(REDIS_URL, 'process-a');
    elsewhere = await connectRedisKeys(REDIS_URL, 'process-b');
  });
  after(async () => {
    await here?.close();
    await elsewhere?.close();
  });

  it('sees a key another process claimed, but not a record of its own read again after a restart', async () => {
    const outputs = async (sharedKeys: SharedKeys, records: PipelineRecord[]) => (await (await create(sharedKeys)).process(records)).records.map((r) => `${r.body.mid}:${r.output ?? 'default'}`);
    assert.deepEqual(await outputs(here, [rec('a', 0), rec('b', 1), rec('a', 2)]), ['a:default', 'b:default', 'a:dup']);
    // the same records again (a crash before the commit): the same decisions
    assert.deepEqual(await outputs(here, [rec('a', 0), rec('b', 1), rec('a', 2)]), ['a:default', 'b:default', 'a:dup']);
    // another process, whose offset 0 is another record
    assert.deepEqual(await outputs(elsewhere, [rec('a', 0), rec('c', 1)]), ['a:dup', 'c:default']);
  });
});
