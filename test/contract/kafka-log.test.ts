// The Kafka engine against a real broker at KAFKA_BROKERS (default 127.0.0.1:9092; start one
// with `scripts/kafka.sh start`). No broker: the file fails when CI=true, else it is skipped.
// When the engine-neutral contract suite (test/contract/log.contract.ts) exists it runs too.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { murmur2 as clientMurmur2 } from '@platformatic/kafka';
import { openKafkaLog, type KafkaLogOptions } from '../../src/log/kafka/kafka-log.ts';
import type { Log, MessageBatch, ProduceMessage } from '../../src/log/log.ts';
import { LogError } from '../../src/log/log.ts';
import { partitionForKey } from '../../src/log/partitioner.ts';
import { logContract } from './log.contract.ts';
import { BROKERS, skipWithoutBroker } from '../support/kafka.ts';

const brokers = BROKERS;
const skip = await skipWithoutBroker();
if (skip) console.log(`# kafka-log.test.ts skipped: ${skip}`);

/** What the engine reported; kept off the test output. */
const reported: string[] = [];
const logger = { warn: (message: string) => void reported.push(message), error: (message: string) => void reported.push(message) };
const open = (options: Partial<KafkaLogOptions> = {}) => openKafkaLog({ brokers, clientId: `test-${process.pid}`, patternRefreshMs: 1000, logger, ...options });
const uniq = (p: string) => `t-${p}-${randomUUID().slice(0, 8)}`;
const msg = (i: number, key?: string): ProduceMessage => ({ key, value: Buffer.from(`m${i}`), headers: { i: String(i) } });

async function waitFor(cond: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timeout waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

// The engine-neutral contract suite, against the real broker. Topic and group names are unique
// per test, so leftovers of one run never disturb the next.
if (!skip) {
  logContract(
    'kafka',
    async () => {
      let log = await open();
      return {
        log,
        reopen: async () => {
          await log.close();
          log = await open();
          return log;
        },
        cleanup: async () => {
          await log.close();
        },
      };
    },
    { timeoutMs: 30_000, settleMs: 1500, retryBackoffMs: 1000 },
  );
}

describe('kafka log engine (smoke, real broker)', { skip }, () => {
  let log: Log;
  before(async () => {
    if (!skip) log = await open();
  });
  after(async () => {
    if (log) await log.close();
  });

  it('creates, lists, describes and deletes topics', async () => {
    const t = uniq('admin');
    assert.equal(await log.createTopic(t, { partitions: 3, retentionMs: 3_600_000 }), true);
    assert.equal(await log.createTopic(t, { partitions: 3 }), false);
    assert.ok((await log.listTopics()).includes(t));
    const d = await log.describeTopic(t);
    assert.equal(d.partitions.length, 3);
    assert.equal(d.config.partitions, 3);
    assert.equal(d.config.retentionMs, 3_600_000);
    assert.equal(d.config.retentionBytes, undefined);
    assert.deepEqual(d.partitions.map((p) => [p.startOffset, p.endOffset]), [[0, 0], [0, 0], [0, 0]]);
    await log.deleteTopic(t);
    assert.ok(!(await log.listTopics()).includes(t));
    await assert.rejects(log.describeTopic(t), (e: unknown) => e instanceof LogError && e.code === 'UNKNOWN_TOPIC');
    await assert.rejects(log.produce(t, [msg(1)]), (e: unknown) => e instanceof LogError && e.code === 'UNKNOWN_TOPIC');
  });

  it('keyed messages land on murmur2(key) % n, results in input order', async () => {
    const t = uniq('keys');
    await log.createTopic(t, { partitions: 7 });
    const keys = Array.from({ length: 200 }, (_, i) => `customer-${i}-${'x'.repeat(i % 5)}`);
    const res = await log.produce(t, keys.map((k, i) => msg(i, k)));
    assert.equal(res.length, keys.length);
    const seen = new Map<number, number>();
    res.forEach((r, i) => {
      const expected = partitionForKey(keys[i]!, 7);
      assert.equal(r.partition, expected);
      // same as the Java client: toPositive(murmur2) % n, computed with the client's own murmur2
      assert.equal(r.partition, (clientMurmur2(Buffer.from(keys[i]!)) & 0x7fffffff) % 7);
      const prev = seen.get(r.partition);
      if (prev !== undefined) assert.equal(r.offset, prev + 1);
      seen.set(r.partition, r.offset);
    });
    const d = await log.describeTopic(t);
    for (const p of d.partitions) assert.equal(p.endOffset, (seen.get(p.partition) ?? -1) + 1);
    await log.deleteTopic(t);
  });

  it('serializes concurrent produce calls on the idempotent producer', async () => {
    const t = uniq('conc');
    await log.createTopic(t, { partitions: 3 });
    const calls = Array.from({ length: 40 }, (_, c) =>
      log.produce(t, Array.from({ length: 50 }, (_, i) => msg(c * 50 + i, i % 3 === 0 ? `k${i}` : undefined))),
    );
    const results = (await Promise.all(calls)).flat();
    assert.equal(results.length, 2000);
    const offsets = new Set(results.map((r) => `${r.partition}:${r.offset}`));
    assert.equal(offsets.size, 2000, 'every message has its own offset');
    const d = await log.describeTopic(t);
    assert.equal(d.partitions.reduce((a, p) => a + p.endOffset, 0), 2000);
    await log.deleteTopic(t);
  });

  it('consumes with a group, commits, resumes where it left off, reports lag', async () => {
    const t = uniq('group');
    const g = `g-${t}`;
    await log.createTopic(t, { partitions: 2 });
    await log.produce(t, Array.from({ length: 100 }, (_, i) => msg(i, `k${i}`)));

    const got: MessageBatch[] = [];
    const c1 = log.createConsumer({ group: g, topics: [t], maxBatchMessages: 30, maxWaitMs: 200 });
    const run1 = c1.run(async (b) => {
      got.push(b);
    });
    await waitFor(() => got.reduce((a, b) => a + b.messages.length, 0) >= 100, 30_000, 'first 100');
    await c1.stop();
    await run1;
    assert.ok(got.every((b) => b.messages.length <= 30 && b.messages.length > 0));
    for (const b of got) {
      for (let i = 1; i < b.messages.length; i++) assert.equal(b.messages[i]!.offset, b.messages[i - 1]!.offset + 1);
      assert.equal(b.messages[0]!.headers.i, b.messages[0]!.value.toString().slice(1));
    }
    let desc = await log.describeGroup(g);
    assert.equal(desc.partitions.length, 2);
    for (const p of desc.partitions) {
      assert.equal(p.committed, p.endOffset);
      assert.equal(p.lag, 0);
    }
    assert.ok((await log.listGroups()).includes(g));

    await log.produce(t, Array.from({ length: 10 }, (_, i) => msg(100 + i)));
    desc = await log.describeGroup(g);
    assert.equal(desc.partitions.reduce((a, p) => a + p.lag, 0), 10);

    const got2: number[] = [];
    const c2 = log.createConsumer({ group: g, topics: [t], maxWaitMs: 200 });
    const run2 = c2.run(async (b) => {
      for (const m of b.messages) got2.push(Number(m.value.toString().slice(1)));
    });
    await waitFor(() => got2.length >= 10, 30_000, 'resumed 10');
    await new Promise((r) => setTimeout(r, 500));
    await c2.stop();
    await run2;
    assert.deepEqual(got2.sort((a, b) => a - b), Array.from({ length: 10 }, (_, i) => 100 + i));
    await log.deleteTopic(t);
  });

  it('redelivers a batch from its first offset when the handler throws', async () => {
    const t = uniq('retry');
    await log.createTopic(t, { partitions: 1 });
    await log.produce(t, Array.from({ length: 5 }, (_, i) => msg(i)));
    const firstOffsets: number[] = [];
    let fails = 2;
    let done = 0;
    const c = log.createConsumer({ group: `g-${t}`, topics: [t], maxWaitMs: 200 });
    const run = c.run(async (b) => {
      firstOffsets.push(b.messages[0]!.offset);
      if (fails-- > 0) throw new Error('boom');
      done += b.messages.length;
    });
    await waitFor(() => done >= 5, 20_000, 'delivery after failures');
    await c.stop();
    await run;
    assert.deepEqual(firstOffsets.slice(0, 3), [0, 0, 0]);
    await log.deleteTopic(t);
  });

  it('onAssign overrides the start offset (seek); fromBeginning=false starts at the end', async () => {
    const t = uniq('seek');
    await log.createTopic(t, { partitions: 1 });
    await log.produce(t, Array.from({ length: 20 }, (_, i) => msg(i)));
    const offsets: number[] = [];
    const c = log.createConsumer({
      group: `g-${t}`,
      topics: [t],
      maxWaitMs: 200,
      onAssign: async (parts) => new Map(parts.map((p) => [`${p.topic}:${p.partition}`, 15])),
    });
    const run = c.run(async (b) => {
      for (const m of b.messages) offsets.push(m.offset);
    });
    await waitFor(() => offsets.length >= 5, 20_000, 'seeked messages');
    await c.stop();
    await run;
    assert.deepEqual(offsets, [15, 16, 17, 18, 19]);

    const latest: number[] = [];
    const c2 = log.createConsumer({ group: `g2-${t}`, topics: [t], maxWaitMs: 200, fromBeginning: false });
    let assigned = false;
    const run2 = c2.run(async (b) => {
      for (const m of b.messages) latest.push(m.offset);
    });
    // give it time to join, then produce
    await waitFor(() => true, 0, '');
    const deadline = Date.now() + 15_000;
    while (!assigned && Date.now() < deadline) {
      const d = await log.describeGroup(`g2-${t}`);
      assigned = d.members > 0;
      if (!assigned) await new Promise((r) => setTimeout(r, 200));
    }
    await new Promise((r) => setTimeout(r, 1000));
    await log.produce(t, [msg(20)]);
    await waitFor(() => latest.length >= 1, 15_000, 'latest message');
    await c2.stop();
    await run2;
    assert.deepEqual(latest, [20]);
    await log.deleteTopic(t);
  });

  it('a RegExp subscription picks up topics created later', async () => {
    const prefix = `t-pat-${randomUUID().slice(0, 6)}`;
    const a = `${prefix}-a`;
    const b = `${prefix}-b`;
    await log.createTopic(a, { partitions: 1 });
    await log.produce(a, [msg(1)]);
    const seen = new Set<string>();
    const c = log.createConsumer({ group: `g-${prefix}`, topics: new RegExp(`^${prefix}-`), maxWaitMs: 200 });
    const run = c.run(async (batch) => {
      seen.add(batch.topic);
    });
    await waitFor(() => seen.has(a), 20_000, 'topic a');
    await log.createTopic(b, { partitions: 1 });
    await log.produce(b, [msg(2)]);
    await waitFor(() => seen.has(b), 30_000, 'topic b (created later)');
    await c.stop();
    await run;
    await log.deleteTopic(a);
    await log.deleteTopic(b);
  });

  it('two members share the partitions; onRevoke runs after the last batch', async () => {
    const t = uniq('rebal');
    const g = `g-${t}`;
    await log.createTopic(t, { partitions: 4 });
    const revoked: string[] = [];
    const counts = [0, 0];
    let busy = 0;
    let overlapped = false;
    const mk = (i: number) =>
      log.createConsumer({
        group: g,
        topics: [t],
        maxWaitMs: 200,
        onRevoke: async (parts) => {
          if (busy > 0) overlapped = true;
          for (const p of parts) revoked.push(`${i}:${p.partition}`);
        },
      });
    const c1 = mk(0);
    const run1 = c1.run(async (b) => {
      busy++;
      await new Promise((r) => setTimeout(r, 20));
      counts[0] += b.messages.length;
      busy--;
    });
    await log.produce(t, Array.from({ length: 200 }, (_, i) => msg(i, `k${i}`)));
    await waitFor(() => counts[0]! > 0, 20_000, 'member 1 reads');
    const c2 = mk(1);
    const run2 = c2.run(async (b) => {
      counts[1] += b.messages.length;
    });
    await waitFor(() => revoked.some((r) => r.startsWith('0:')), 30_000, 'rebalance revokes from member 1');
    await log.produce(t, Array.from({ length: 200 }, (_, i) => msg(200 + i, `k${i}`)));
    await waitFor(() => counts[0]! + counts[1]! >= 400, 30_000, 'all 400');
    const d = await log.describeGroup(g);
    assert.equal(d.members, 2);
    await c2.stop();
    await c1.stop();
    await Promise.all([run1, run2]);
    assert.ok(counts[1]! > 0, 'member 2 got partitions');
    assert.equal(overlapped, false);
    await log.deleteTopic(t);
  });

  it("creates topics with the cluster's default replication factor, or the configured one", async () => {
    const t = uniq('replicas');
    assert.equal(await log.createTopic(t, { partitions: 1 }), true, "the cluster's default (1 on the test broker) is used");
    await log.deleteTopic(t);
    const twoCopies = await open({ replicationFactor: 2 });
    try {
      // the single test broker cannot hold 2 copies: the factor reached the broker
      await assert.rejects(twoCopies.createTopic(uniq('replicas2'), { partitions: 1 }), (e: unknown) => {
        assert.ok(e instanceof LogError && e.code === 'INVALID_ARGUMENT', String(e));
        assert.match(e.message, /the cluster cannot give it replication factor 2: set a lower one \(log\.kafka\.replicationFactor; tributary topics create --replication-factor\), or none for the cluster's default/);
        return true;
      });
    } finally {
      await twoCopies.close();
    }
  });

  it('refuses a stream mark on a topic: the topic prefix decides which Kafka topics are streams', async () => {
    const t = uniq('marked');
    await assert.rejects(log.createTopic(t, { partitions: 1, stream: 'audit' }), (e: unknown) => {
      assert.ok(e instanceof LogError && e.code === 'INVALID_ARGUMENT', String(e));
      assert.match(e.message, /a Kafka topic carries no stream mark; Tributary indexes the topics under its stream prefix \(log\.kafka\.topicPrefix, e\.g\. tributary\.audit\)/);
      return true;
    });
    assert.ok(!(await log.listTopics()).includes(t));
  });

  it('sends a produce call larger than a broker batch in several batches', async () => {
    const t = uniq('big-call');
    await log.createTopic(t, { partitions: 1 });
    // 3 MB for one partition: over the broker's 1 MB max.message.bytes as one record batch
    const results = await log.produce(t, Array.from({ length: 10_000 }, (_, i) => ({ value: Buffer.alloc(300, i % 250) })));
    assert.deepEqual(results.map((r) => r.offset), Array.from({ length: 10_000 }, (_, i) => i));
    assert.equal((await log.describeTopic(t)).partitions[0]!.endOffset, 10_000);
    await log.deleteTopic(t);
  });

  it('refuses a message over the topic limit with TOO_LARGE naming it, failing no other call', async () => {
    const t = uniq('too-large');
    await log.createTopic(t, { partitions: 2 });
    await log.produce(t, [{ ...msg(0), partition: 0 }]);
    // while the first call is in flight, the next two queue up and go out in one send
    const [, large, small] = await Promise.allSettled([
      log.produce(t, [{ ...msg(1), partition: 0 }]),
      log.produce(t, [{ value: Buffer.alloc(2 << 20, 'y'), partition: 1 }]),
      log.produce(t, [{ ...msg(2), partition: 0 }]),
    ]);
    assert.equal(small.status, 'fulfilled', 'a call queued beside it still succeeds');
    assert.equal(large.status, 'rejected');
    const error = (large as PromiseRejectedResult).reason;
    assert.ok(error instanceof LogError && error.code === 'TOO_LARGE', String(error));
    assert.match(error.message, /a message of 2097152 bytes is over what Kafka topic \S+ accepts/);
    assert.match(error.message, /1048588 bytes it accepts \(the topic's max\.message\.bytes/);
    assert.deepEqual(await log.produce(t, [{ ...msg(3), partition: 1 }]), [{ partition: 1, offset: 0 }], 'the producer goes on after the refusal');
    assert.deepEqual((await log.describeTopic(t)).partitions.map((p) => p.endOffset), [3, 1], 'each message once');
    await log.deleteTopic(t);
  });

  it('answers UNKNOWN_TOPIC at once for a topic another client deleted', async () => {
    const t = uniq('deleted-elsewhere');
    await log.createTopic(t, { partitions: 1 });
    await log.produce(t, [msg(1)]);
    const other = await open();
    try {
      await other.deleteTopic(t);
    } finally {
      await other.close();
    }
    const started = Date.now();
    await assert.rejects(log.produce(t, [msg(2)]), (e: unknown) => e instanceof LogError && e.code === 'UNKNOWN_TOPIC');
    assert.ok(Date.now() - started < 5000, `took ${Date.now() - started} ms`);
  });

  it('reads a topic created again from its start, though onAssign still knows the old offsets', async () => {
    const t = uniq('recreated-store');
    await log.createTopic(t, { partitions: 1 });
    await log.produce(t, [msg(0), msg(1), msg(2)]);
    // as the indexer does: the next offset per partition is kept beside the data, and onAssign resumes there
    const stored = new Map<string, number>();
    const values: string[] = [];
    let revoked = false;
    const c = log.createConsumer({
      group: `g-${t}`,
      topics: [t],
      maxWaitMs: 100,
      onAssign: async () => new Map(stored),
      onRevoke: async () => {
        revoked = true;
      },
    });
    const run = c.run(async (b) => {
      for (const m of b.messages) values.push(m.value.toString());
      stored.set(`${b.topic}:${b.partition}`, b.messages.at(-1)!.offset + 1);
    });
    await waitFor(() => values.length >= 3, 20_000, 'the old messages');
    await log.deleteTopic(t);
    await waitFor(() => revoked, 20_000, 'the member to give the deleted topic up');
    await log.createTopic(t, { partitions: 1 });
    await log.produce(t, [3, 4, 5, 6, 7].map((i) => msg(i)));
    await waitFor(() => values.length >= 8, 20_000, 'the 5 messages of the new topic');
    assert.deepEqual(values, ['m0', 'm1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7']);
    await c.stop();
    await run;
    await log.deleteTopic(t);
  });

  it('reports the errors a consumer rides out, naming its group', async () => {
    const t = uniq('reported');
    const g = `g-${t}`;
    await log.createTopic(t, { partitions: 1 });
    await log.produce(t, [msg(1)]);
    let got = 0;
    const c = log.createConsumer({ group: g, topics: [t], maxWaitMs: 100 });
    const run = c.run(async () => {
      got += 1;
    });
    await waitFor(() => got >= 1, 20_000, 'the message');
    await log.deleteTopic(t);
    await waitFor(() => reported.some((line) => line.includes(`kafka consumer group ${g}: waiting for topics that do not exist: ${t}`)), 20_000, 'the missing topic reported');
    await new Promise((r) => setTimeout(r, 3000));
    const mine = reported.filter((line) => line.includes(g));
    // one line per kind while it lasts (fetch failed, missing topic…), not one per retry
    assert.ok(mine.length <= 6, mine.join('\n'));
    await c.stop();
    await run;
  });
});
