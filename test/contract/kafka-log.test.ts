// The Kafka engine against a real broker at KAFKA_BROKERS (default 127.0.0.1:9092; start one
// with `scripts/kafka.sh start`). No broker: the file fails when CI=true, else it is skipped.
// When the engine-neutral contract suite (test/contract/log.contract.ts) exists it runs too.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { murmur2 as clientMurmur2 } from '@platformatic/kafka';
import { openKafkaLog } from '../../src/log/kafka/kafka-log.ts';
import type { Log, MessageBatch, ProduceMessage } from '../../src/log/log.ts';
import { LogError } from '../../src/log/log.ts';
import { partitionForKey } from '../../src/log/partitioner.ts';
import { logContract } from './log.contract.ts';
import { BROKERS, skipWithoutBroker } from '../support/kafka.ts';

const brokers = BROKERS;
const skip = await skipWithoutBroker();
if (skip) console.log(`# kafka-log.test.ts skipped: ${skip}`);

const open = () => openKafkaLog({ brokers, clientId: `test-${process.pid}`, patternRefreshMs: 1000 });
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
});
