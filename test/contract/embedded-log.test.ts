import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, open, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EPHEMERAL_GROUP_PREFIX, LogError } from '../../src/log/log.ts';
import type { Log } from '../../src/log/log.ts';
import { openEmbeddedLog } from '../../src/log/embedded/index.ts';
import type { EmbeddedLog, EmbeddedLogOptions } from '../../src/log/embedded/index.ts';
import { logContract } from './log.contract.ts';
import { sleep, startConsumer, uniqueName, values, waitFor } from './log-test-helpers.ts';

const quietLogger = { warn: () => {}, error: () => {} };
const baseOptions: EmbeddedLogOptions = { retentionCheckIntervalMs: 0, retryBackoffMs: 100, logger: quietLogger };
const tempDirs: string[] = [];

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'tributary-log-'));
  tempDirs.push(dir);
  return dir;
}

after(async () => {
  for (const dir of tempDirs) await rm(dir, { recursive: true, force: true });
});

logContract(
  'embedded',
  async () => {
    const dir = await tempDir();
    let current: Log = await openEmbeddedLog(dir, baseOptions);
    return {
      log: current,
      reopen: async () => {
        await current.close();
        current = await openEmbeddedLog(dir, baseOptions);
        return current;
      },
      cleanup: () => current.close(),
    };
  },
  { timeoutMs: 5_000, settleMs: 20, retryBackoffMs: 100 },
);

/** The active (last) segment file of a partition. */
async function lastSegment(dir: string, topic: string, partition: number): Promise<string> {
  const files = (await readdir(join(dir, topic, String(partition)))).filter((f) => f.endsWith('.log')).sort();
  return join(dir, topic, String(partition), files[files.length - 1]!);
}

async function readAll(log: Log, topic: string, expected: number) {
  const consumer = startConsumer(log, { group: uniqueName('g-read'), topics: [topic] });
  try {
    await waitFor(() => consumer.received.length >= expected, 5_000, `${expected} messages`);
    return consumer.received;
  } finally {
    await consumer.stop();
  }
}

describe('embedded log', () => {
  it('keeps the order of produce calls within a partition', async () => {
    const log = await openEmbeddedLog(await tempDir(), baseOptions);
    try {
      await log.createTopic('ordered', { partitions: 1 });
      const calls = await Promise.all(Array.from({ length: 50 }, () => log.produce('ordered', values(3))));
      assert.deepEqual(calls.map((results) => results[0]!.offset), calls.map((_, i) => i * 3));
    } finally {
      await log.close();
    }
  });

  it('rolls segments and reads across them, also after a reopen', async () => {
    const dir = await tempDir();
    const options = { ...baseOptions, segmentBytes: 4096 };
    let log = await openEmbeddedLog(dir, options);
    await log.createTopic('rolled', { partitions: 1 });
    for (let i = 0; i < 20; i++) await log.produce('rolled', values(10, `call${i}`).map((m) => ({ ...m, value: Buffer.concat([m.value, Buffer.alloc(100)]) })));
    const segments = (await readdir(join(dir, 'rolled', '0'))).filter((f) => f.endsWith('.log'));
    assert.ok(segments.length > 5, `${segments.length} segments`);
    await log.close();
    log = await openEmbeddedLog(dir, options);
    try {
      const received = await readAll(log, 'rolled', 200);
      assert.deepEqual(received.map((m) => m.offset), Array.from({ length: 200 }, (_, i) => i));
    } finally {
      await log.close();
    }
  });

  it('fills a consumer batch across read chunks when the consumer is behind', async () => {
    const log = await openEmbeddedLog(await tempDir(), baseOptions);
    try {
      await log.createTopic('behind', { partitions: 1 });
      // 6,000 messages of ~400 bytes (2.4 MB) in 1,000-message produce calls: over two 1 MiB read chunks
      for (let i = 0; i < 6; i++) await log.produce('behind', values(1000, `p${i}`).map((m) => ({ ...m, value: Buffer.concat([m.value, Buffer.alloc(400)]) })));
      const consumer = startConsumer(log, { group: uniqueName('g-behind'), topics: ['behind'], maxBatchMessages: 5000 });
      try {
        await waitFor(() => consumer.received.length >= 6000, 5_000, '6000 messages');
        assert.equal(consumer.batches[0]!.count, 5000);
      } finally {
        await consumer.stop();
      }
    } finally {
      await log.close();
    }
  });

  it('auto-creates a topic on produce with the default partition count', async () => {
    const log = await openEmbeddedLog(await tempDir(), { ...baseOptions, defaultPartitions: 3 });
    try {
      await log.produce('auto', values(1));
      assert.equal((await log.describeTopic('auto')).partitions.length, 3);
    } finally {
      await log.close();
    }
  });

  it('rejects invalid topic names, partitions and messages', async () => {
    const log = await openEmbeddedLog(await tempDir(), baseOptions);
    const invalid = (error: unknown) => error instanceof LogError && error.code === 'INVALID_ARGUMENT';
    try {
      await assert.rejects(log.createTopic('../escape', { partitions: 1 }), invalid);
      await assert.rejects(log.createTopic('__groups', { partitions: 1 }), invalid);
      await assert.rejects(log.createTopic('zero', { partitions: 0 }), invalid);
      await log.createTopic('t', { partitions: 2 });
      await assert.rejects(log.produce('t', [{ value: Buffer.from('x'), partition: 2 }]), invalid);
      await assert.rejects(log.produce('t', [{ value: 'text' as unknown as Buffer }]), invalid);
    } finally {
      await log.close();
    }
  });

  describe('retention', () => {
    it('deletes segments older than retentionMs, never the active one', async () => {
      const log = await openEmbeddedLog(await tempDir(), { ...baseOptions, segmentBytes: 2048 });
      try {
        await log.createTopic('aged', { partitions: 1, retentionMs: 60_000 });
        const now = Date.now();
        const old = Array.from({ length: 40 }, (_, i) => ({ value: Buffer.alloc(200, i), timestamp: now - 3_600_000 }));
        for (let i = 0; i < 40; i += 4) await log.produce('aged', old.slice(i, i + 4));
        // big enough not to fit in the last old segment, so it starts the active one
        const fresh = await log.produce('aged', [{ value: Buffer.alloc(1500, 'f'), timestamp: now }]);
        assert.ok((await log.enforceRetention(now)) > 0);
        const [partition] = (await log.describeTopic('aged')).partitions;
        assert.equal(partition!.startOffset, 40, 'every old segment went, the fresh one stays');
        assert.equal(partition!.endOffset, fresh[0]!.offset + 1);
        const received = await readAll(log, 'aged', 1);
        assert.equal(received[0]!.offset, 40);

        await log.enforceRetention(now + 3_600_000);
        const after = (await log.describeTopic('aged')).partitions[0]!;
        assert.equal(after.endOffset, 41, 'the active segment is never deleted');
      } finally {
        await log.close();
      }
    });

    it('releases a segment only once every group reading its topic has committed past it', async () => {
      const log = await openEmbeddedLog(await tempDir(), { ...baseOptions, segmentBytes: 2048, releaseConsumed: true });
      try {
        await log.createTopic('fed', { partitions: 1 });
        for (let i = 0; i < 40; i += 4) await log.produce('fed', Array.from({ length: 4 }, () => ({ value: Buffer.alloc(200, i) })));
        const start = async () => (await log.describeTopic('fed')).partitions[0]!.startOffset;
        const consume = async (group: string, count: number) => {
          const consumer = startConsumer(log, { group, topics: ['fed'], maxBatchMessages: 1 });
          await waitFor(() => consumer.received.length >= count, 5_000, `${group} to read ${count}`);
          await consumer.stop();
        };
        assert.equal(await log.enforceRetention(), 0, 'no group reads it: nothing is released');
        await consume('indexer', 40);
        await consume(`${EPHEMERAL_GROUP_PREFIX}look`, 2);

        // a pipeline's group that holds its own commit point: subscribed, it read all and committed nothing
        const pipeline = log.createConsumer({ group: 'pipeline', topics: ['fed'], commit: 'manual', maxWaitMs: 50 });
        let read = 0;
        const running = pipeline.run(async (batch) => {
          read += batch.messages.length;
        });
        await waitFor(() => read >= 40, 5_000, 'the pipeline to read all');
        assert.equal(await log.enforceRetention(), 0, 'the pipeline has committed nothing: nothing is released');
        assert.equal(await start(), 0);

        await pipeline.commit([{ topic: 'fed', partition: 0, offset: 20 }]);
        assert.ok((await log.enforceRetention()) > 0);
        const released = await start();
        assert.ok(released > 2 && released <= 20, `segments below the pipeline's commit went, whatever the console read had (start ${released})`);

        await pipeline.stop();
        await running;
        await log.enforceRetention();
        assert.equal(await start(), released, 'a group without members holds at its committed offset');
        const resumed = startConsumer(log, { group: 'pipeline', topics: ['fed'] });
        await waitFor(() => resumed.received.length >= 20, 5_000, 'the pipeline to resume');
        await resumed.stop();
        assert.equal(resumed.received[0]!.offset, 20, 'nothing the pipeline had not committed was lost');
      } finally {
        await log.close();
      }
    });

    it('holds a topic for a subscribed group that committed only on other topics', async () => {
      const log = await openEmbeddedLog(await tempDir(), { ...baseOptions, segmentBytes: 2048, releaseConsumed: true });
      try {
        for (let i = 0; i < 20; i++) await log.produce('held', [{ value: Buffer.alloc(300, i) }]);
        await log.produce('other', values(3));
        const indexer = startConsumer(log, { group: 'indexer', topics: ['held'] });
        await waitFor(() => indexer.received.length >= 20, 5_000, 'the indexer to read all');
        await indexer.stop();
        const elsewhere = startConsumer(log, { group: 'late-joiner', topics: ['other'] });
        await waitFor(() => elsewhere.received.length >= 3, 5_000, 'a commit on another topic');
        await elsewhere.stop();
        const blocked = log.createConsumer({ group: 'late-joiner', topics: ['held', 'other'], commit: 'manual' });
        const running = blocked.run(async () => {});
        await sleep(50);
        assert.equal(await log.enforceRetention(), 0);
        assert.equal((await log.describeTopic('held')).partitions[0]!.startOffset, 0);
        await blocked.stop();
        await running;
        assert.ok((await log.enforceRetention()) > 0, 'once it left, only the indexer reads the topic');
      } finally {
        await log.close();
      }
    });

    it('deletes the oldest segments while a partition is over retentionBytes', async () => {
      const dir = await tempDir();
      const log = await openEmbeddedLog(dir, { ...baseOptions, segmentBytes: 4096 });
      try {
        await log.createTopic('sized', { partitions: 1, retentionBytes: 10_000 });
        for (let i = 0; i < 30; i++) await log.produce('sized', [{ value: Buffer.alloc(1000, i) }]);
        const sizeOnDisk = async () => {
          let total = 0;
          for (const f of await readdir(join(dir, 'sized', '0'))) if (f.endsWith('.log')) total += (await stat(join(dir, 'sized', '0', f))).size;
          return total;
        };
        assert.ok((await sizeOnDisk()) > 20_000);
        await log.enforceRetention();
        assert.ok((await sizeOnDisk()) <= 10_000, `partition is ${await sizeOnDisk()} bytes`);
        const { startOffset, endOffset } = (await log.describeTopic('sized')).partitions[0]!;
        assert.ok(startOffset > 0);
        assert.equal(endOffset, 30);
        const consumer = startConsumer(log, { group: uniqueName('g'), topics: ['sized'] });
        await waitFor(() => consumer.received.length >= 30 - startOffset, 5_000, 'retained messages');
        await consumer.stop();
        assert.equal(consumer.received[0]!.offset, startOffset, 'a group below the start moves to the start');
      } finally {
        await log.close();
      }
    });
  });

  describe('stream marks', () => {
    it('keeps the stream a topic is indexed as, adds one to a topic created without, and says which topics have one', async () => {
      const dir = await tempDir();
      let log = await openEmbeddedLog(dir, baseOptions);
      try {
        await log.createTopic('raw', { partitions: 1 });
        await log.createTopic('app', { partitions: 2, stream: 'app' });
        assert.equal((await log.describeTopic('raw')).config.stream, undefined);
        assert.deepEqual((await log.describeTopic('app')).config, { partitions: 2, stream: 'app' });
        await assert.rejects(log.createTopic('odd', { partitions: 1, stream: '-x' }), (error: unknown) => error instanceof LogError && error.code === 'INVALID_ARGUMENT');
        // a leading _ names Tributary's own streams (dead letters), which its pipelines write
        assert.equal(await log.createTopic('own', { partitions: 1, stream: '_x' }), true);

        // a subscription to the marked topics, as the indexer's
        const marked = startConsumer(log, { group: uniqueName('g-marked'), topics: (topic) => log.streamOfTopic(topic) !== undefined });
        await log.produce('raw', values(2, 'raw'));
        await log.produce('app', values(1, 'app'));
        await waitFor(() => marked.received.length >= 1, 5_000, 'the marked topic');
        await sleep(100);
        assert.deepEqual(marked.received.map((m) => m.topic), ['app']);
        assert.equal(await log.createTopic('raw', { partitions: 1, stream: 'raw-stream' }), false);
        assert.equal(log.streamOfTopic('raw'), 'raw-stream');
        await waitFor(() => marked.received.length >= 3, 5_000, 'the topic marked later');
        assert.equal(await log.createTopic('raw', { partitions: 1, stream: 'another' }), false);
        assert.equal(log.streamOfTopic('raw'), 'raw-stream', 'a mark is never replaced');
        await marked.stop();
      } finally {
        await log.close();
      }
      log = await openEmbeddedLog(dir, baseOptions);
      try {
        assert.equal(log.streamOfTopic('raw'), 'raw-stream');
        assert.equal(log.streamOfTopic('app'), 'app');
        await log.createTopic('plain', { partitions: 1 });
        assert.equal(log.streamOfTopic('plain'), undefined);
      } finally {
        await log.close();
      }
    });

    it('keeps indexing the topics of a data dir from before marks, all but those starting with an underscore', async () => {
      const dir = await tempDir();
      const log = await openEmbeddedLog(dir, baseOptions);
      for (const name of ['legacy', '_internal', 'unmarked']) await log.createTopic(name, { partitions: 1 });
      await log.close();
      for (const name of ['legacy', '_internal']) await writeFile(join(dir, name, 'topic.json'), JSON.stringify({ partitions: 1 }));
      const reopened = await openEmbeddedLog(dir, baseOptions);
      try {
        assert.equal(reopened.streamOfTopic('legacy'), 'legacy');
        assert.equal((await reopened.describeTopic('legacy')).config.stream, 'legacy');
        assert.equal(reopened.streamOfTopic('_internal'), undefined);
        assert.equal(reopened.streamOfTopic('unmarked'), undefined, 'a topic created unmarked since stays unmarked');
      } finally {
        await reopened.close();
      }
    });
  });

  describe('recovery', () => {
    async function logWithMessages(dir: string, count: number): Promise<void> {
      const log = await openEmbeddedLog(dir, baseOptions);
      await log.createTopic('t', { partitions: 1 });
      for (let i = 0; i < count; i++) await log.produce('t', [{ value: Buffer.from(`good-${i}`), key: `k${i}` }]);
      await log.close();
    }

    async function assertRecovered(dir: string, good: number): Promise<void> {
      const log = await openEmbeddedLog(dir, baseOptions);
      try {
        assert.equal((await log.describeTopic('t')).partitions[0]!.endOffset, good);
        const next = await log.produce('t', [{ value: Buffer.from('after recovery') }]);
        assert.equal(next[0]!.offset, good, 'appends continue right after the last good message');
        const received = await readAll(log, 't', good + 1);
        assert.deepEqual(
          received.map((m) => m.value.toString()),
          [...Array.from({ length: good }, (_, i) => `good-${i}`), 'after recovery'],
        );
      } finally {
        await log.close();
      }
    }

    it('cuts a torn batch at the end of the active segment', async () => {
      const dir = await tempDir();
      await logWithMessages(dir, 5);
      const file = await lastSegment(dir, 't', 0);
      const { size } = await stat(file);
      const handle = await open(file, 'r+');
      await handle.truncate(size - 7);
      await handle.close();
      await assertRecovered(dir, 4);
    });

    it('cuts garbage appended after the last batch', async () => {
      const dir = await tempDir();
      await logWithMessages(dir, 3);
      const file = await lastSegment(dir, 't', 0);
      await writeFile(file, Buffer.from('garbage that is no batch header at all, longer than one header'), { flag: 'a' });
      await assertRecovered(dir, 3);
    });

    it('cuts a tail batch whose CRC does not match', async () => {
      const dir = await tempDir();
      await logWithMessages(dir, 4);
      const file = await lastSegment(dir, 't', 0);
      const { size } = await stat(file);
      const handle = await open(file, 'r+');
      await handle.write(Buffer.from('X'), 0, 1, size - 3); // flip a byte inside the last value
      await handle.close();
      await assertRecovered(dir, 3);
    });

    it('refuses to open, cutting nothing, when acknowledged batches follow a damaged one', async () => {
      const dir = await tempDir();
      await logWithMessages(dir, 4);
      const file = await lastSegment(dir, 't', 0);
      const { size } = await stat(file);
      const handle = await open(file, 'r+');
      await handle.write(Buffer.from('X'), 0, 1, 60); // a byte inside the first batch's record
      await handle.close();
      await assert.rejects(openEmbeddedLog(dir, baseOptions), /damaged at byte 0 \(CRC mismatch.*intact records follow it at byte \d+.*truncate -s 0/);
      assert.equal((await stat(file)).size, size, 'the file is left as it was');
    });

    it('keeps every acknowledged message when the producing process is killed', async () => {
      const dir = await tempDir();
      const fixture = new URL('../fixtures/log-crash-producer.ts', import.meta.url).pathname;
      const child = spawn(process.execPath, [fixture, dir, 'crash'], { stdio: ['ignore', 'pipe', 'inherit'] });
      const acknowledged: { partition: number; offset: number; sequence: string }[] = [];
      let pending = '';
      child.stdout.on('data', (chunk: Buffer) => {
        pending += chunk.toString();
        const lines = pending.split('\n');
        pending = lines.pop()!;
        for (const line of lines) {
          const [partition, offset, sequence] = line.split(' ');
          acknowledged.push({ partition: Number(partition), offset: Number(offset), sequence: sequence! });
        }
      });
      const exited = new Promise((resolve) => child.on('exit', resolve));
      await waitFor(() => acknowledged.length >= 3000, 15_000, 'the child to acknowledge 3000 messages');
      child.kill('SIGKILL');
      await exited;

      const log = await openEmbeddedLog(dir, baseOptions);
      try {
        const { partitions } = await log.describeTopic('crash');
        const total = partitions.reduce((sum, p) => sum + p.endOffset, 0);
        const received = await readAll(log, 'crash', total);
        const stored = new Map(received.map((m) => [`${m.partition}:${m.offset}`, m.value.toString().split('-')[1]]));
        for (const ack of acknowledged) {
          assert.equal(stored.get(`${ack.partition}:${ack.offset}`), ack.sequence, `acknowledged ${ack.partition}:${ack.offset}`);
        }
        for (const p of partitions) {
          const offsets = received.filter((m) => m.partition === p.partition).map((m) => m.offset);
          assert.deepEqual(offsets, Array.from({ length: p.endOffset }, (_, i) => i), `partition ${p.partition} is contiguous`);
        }
      } finally {
        await log.close();
      }
    });
  });

  describe('data dir lock', () => {
    it('refuses a second opener and names the holder', async () => {
      const dir = await tempDir();
      const log = await openEmbeddedLog(dir, baseOptions);
      try {
        await assert.rejects(openEmbeddedLog(dir, baseOptions), (error: unknown) => {
          assert.ok(error instanceof LogError && error.code === 'LOCKED');
          assert.match(error.message, new RegExp(`${dir}.*this process`));
          return true;
        });
      } finally {
        await log.close();
      }
      const again: EmbeddedLog = await openEmbeddedLog(dir, baseOptions);
      await again.close();
    });

    it('takes over a lock left by a dead process', async () => {
      const dir = await tempDir();
      await writeFile(join(dir, '.lock'), '2147483646\n');
      const log = await openEmbeddedLog(dir, baseOptions);
      await log.close();
    });
  });
});
