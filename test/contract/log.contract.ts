// The log contract: what every engine (embedded, kafka) must do, written against the Log
// interface alone. Topic and group names are unique per test so a shared broker works.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { LogError, partitionKey } from '../../src/log/log.ts';
import type { ConsumedMessage, Consumer, Log, PartitionOffset, ProduceMessage, TopicPartition } from '../../src/log/log.ts';
import { partitionForKey } from '../../src/log/partitioner.ts';
import { byPartition, positions, sleep, startConsumer, uniqueName, values, waitFor } from './log-test-helpers.ts';

export interface LogUnderTest {
  log: Log;
  /** Closes the log and opens it again on the same data (embedded dir, Kafka cluster). */
  reopen: () => Promise<Log>;
  cleanup: () => Promise<void>;
}

export interface LogContractCaps {
  /** Upper bound for a message, an assignment or a rebalance to happen (kafka: seconds). */
  timeoutMs: number;
  /** Time for an engine to settle after an assignment before the test relies on its position. */
  settleMs: number;
  /** A handler that throws is retried after at most this long. */
  retryBackoffMs: number;
}

export function logContract(name: string, open: () => Promise<LogUnderTest>, caps: LogContractCaps): void {
  const { timeoutMs } = caps;

  async function withLog(test: (subject: LogUnderTest) => Promise<void>): Promise<void> {
    const subject = await open();
    try {
      await test(subject);
    } finally {
      await subject.cleanup();
    }
  }

  const rejectsWith = (promise: Promise<unknown>, code: string) =>
    assert.rejects(promise, (error: unknown) => error instanceof LogError && error.code === code);

  describe(`log contract: ${name}`, () => {
    describe('topics', () => {
      it('creates, lists, describes and deletes topics', () =>
        withLog(async ({ log }) => {
          const topic = uniqueName('topics');
          assert.equal(await log.createTopic(topic, { partitions: 3 }), true);
          assert.equal(await log.createTopic(topic, { partitions: 3 }), false);
          assert.ok((await log.listTopics()).includes(topic));
          const description = await log.describeTopic(topic);
          assert.equal(description.name, topic);
          assert.equal(description.config.partitions, 3);
          assert.deepEqual(description.partitions, [0, 1, 2].map((partition) => ({ partition, startOffset: 0, endOffset: 0 })));
          await log.deleteTopic(topic);
          assert.ok(!(await log.listTopics()).includes(topic));
          await rejectsWith(log.describeTopic(topic), 'UNKNOWN_TOPIC');
        }));

      it('rejects describing a topic that does not exist', () =>
        withLog(async ({ log }) => {
          await rejectsWith(log.describeTopic(uniqueName('missing')), 'UNKNOWN_TOPIC');
        }));

      it('keeps the retention settings of a topic', () =>
        withLog(async ({ log }) => {
          const topic = uniqueName('retention-config');
          await log.createTopic(topic, { partitions: 1, retentionMs: 3_600_000, retentionBytes: 10 << 20 });
          const { config } = await log.describeTopic(topic);
          assert.equal(config.retentionMs, 3_600_000);
          assert.equal(config.retentionBytes, 10 << 20);
        }));
    });

    describe('produce', () => {
      it('gives contiguous offsets from 0 per partition, in input order', () =>
        withLog(async ({ log }) => {
          const topic = uniqueName('offsets');
          await log.createTopic(topic, { partitions: 2 });
          const first = await log.produce(topic, values(10).map((m) => ({ ...m, partition: 1 })));
          const second = await log.produce(topic, values(5).map((m) => ({ ...m, partition: 1 })));
          assert.deepEqual(first.map((r) => r.offset), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
          assert.deepEqual(second.map((r) => r.offset), [10, 11, 12, 13, 14]);
          assert.ok([...first, ...second].every((r) => r.partition === 1));
          const mixed = await log.produce(topic, [
            { value: Buffer.from('a'), partition: 0 },
            { value: Buffer.from('b'), partition: 1 },
            { value: Buffer.from('c'), partition: 0 },
          ]);
          assert.deepEqual(mixed, [
            { partition: 0, offset: 0 },
            { partition: 1, offset: 15 },
            { partition: 0, offset: 1 },
          ]);
          const { partitions } = await log.describeTopic(topic);
          assert.deepEqual(partitions.map((p) => p.endOffset), [2, 16]);
        }));

      it('keeps offsets contiguous under concurrent produce calls', () =>
        withLog(async ({ log }) => {
          const topic = uniqueName('concurrent');
          await log.createTopic(topic, { partitions: 1 });
          const calls = await Promise.all(Array.from({ length: 20 }, (_, call) => log.produce(topic, values(5, `c${call}`))));
          for (const results of calls) {
            const offsets = results.map((r) => r.offset);
            assert.deepEqual(offsets, offsets.map((_, i) => offsets[0]! + i), 'one call gets consecutive offsets');
          }
          const all = calls.flat().map((r) => r.offset).sort((a, b) => a - b);
          assert.deepEqual(all, Array.from({ length: 100 }, (_, i) => i));
        }));

      it('puts a keyed message on the murmur2 partition, as Kafka does', () =>
        withLog(async ({ log }) => {
          const topic = uniqueName('keyed');
          await log.createTopic(topic, { partitions: 6 });
          const messages: ProduceMessage[] = Array.from({ length: 60 }, (_, i) => ({ key: `user-${i}`, value: Buffer.from(String(i)) }));
          messages.push({ key: Buffer.from([0xff, 0x00, 0x80]), value: Buffer.from('binary key') });
          const results = await log.produce(topic, messages);
          results.forEach((result, i) => assert.equal(result.partition, partitionForKey(messages[i]!.key!, 6), `message ${i}`));
          const again = await log.produce(topic, [{ key: 'user-7', value: Buffer.from('again') }]);
          assert.equal(again[0]!.partition, results[7]!.partition);
          assert.ok(new Set(results.map((r) => r.partition)).size > 1, 'keys spread over partitions');
        }));

      it('spreads unkeyed messages over the partitions', () =>
        withLog(async ({ log }) => {
          const topic = uniqueName('unkeyed');
          await log.createTopic(topic, { partitions: 3 });
          const used = new Set<number>();
          for (let call = 0; call < 12; call++) for (const r of await log.produce(topic, values(2))) used.add(r.partition);
          assert.equal(used.size, 3);
        }));
    });

    describe('produce to several topics', () => {
      it('writes to several topics in one call, results per entry, durable on return', () =>
        withLog(async (subject) => {
          const one = uniqueName('many-one');
          const three = uniqueName('many-three');
          await subject.log.createTopic(one, { partitions: 1 });
          await subject.log.createTopic(three, { partitions: 3 });
          const keyed = ['k1', 'k2', 'k3'].map((key) => ({ key, value: Buffer.from(`three-${key}`) }));
          const results = await subject.log.produceMany([
            { topic: one, messages: values(3, 'one') },
            { topic: three, messages: keyed },
            { topic: one, messages: values(1, 'again') },
            { topic: three, messages: [] },
          ]);
          assert.deepEqual(results[0], [0, 1, 2].map((offset) => ({ partition: 0, offset })));
          assert.deepEqual(results[1]!.map((r) => r.partition), keyed.map((m) => partitionForKey(m.key, 3)));
          assert.deepEqual(results[2], [{ partition: 0, offset: 3 }], 'a second entry for a topic follows the first');
          assert.deepEqual(results[3], []);
          const log = await subject.reopen();
          const consumer = startConsumer(log, { group: uniqueName('g-many'), topics: [one, three] });
          try {
            await waitFor(() => consumer.received.length >= 7, timeoutMs, 'the 7 messages after a reopen');
            const stored = new Map(consumer.received.map((m) => [`${m.topic}:${m.partition}:${m.offset}`, m.value.toString()]));
            assert.equal(stored.get(`${one}:0:3`), 'again-0');
            keyed.forEach((m, i) => assert.equal(stored.get(`${three}:${results[1]![i]!.partition}:${results[1]![i]!.offset}`), m.value.toString()));
          } finally {
            await consumer.stop();
          }
        }));

      it('writes nothing when one of the messages is invalid', () =>
        withLog(async ({ log }) => {
          const one = uniqueName('many-valid');
          const two = uniqueName('many-invalid');
          await log.createTopic(one, { partitions: 1 });
          await log.createTopic(two, { partitions: 2 });
          await rejectsWith(log.produceMany([
            { topic: one, messages: values(2) },
            { topic: two, messages: [{ value: Buffer.from('x'), partition: 7 }] },
          ]), 'INVALID_ARGUMENT');
          assert.equal((await log.describeTopic(one)).partitions[0]!.endOffset, 0);
        }));
    });

    describe('consumers', () => {
      it('delivers every message in order per partition, with keys, headers and timestamps', () =>
        withLog(async ({ log }) => {
          const topic = uniqueName('deliver');
          await log.createTopic(topic, { partitions: 3 });
          const before = Date.now();
          const sent: ProduceMessage[] = [
            { key: 'k-text', value: Buffer.from('with key and headers'), headers: { trace: 'abc', 'x-ünï': 'välue ✓' }, timestamp: 1_700_000_000_123 },
            { key: Buffer.from([0, 1, 2, 255]), value: Buffer.from([9, 8, 7]), partition: 1 },
            { value: Buffer.alloc(0), partition: 2 },
          ];
          await log.produce(topic, sent);
          const bulk = Array.from({ length: 150 }, (_, i) => ({ key: `key-${i % 17}`, value: Buffer.from(`bulk-${i}`) }));
          await log.produce(topic, bulk);
          const after = Date.now();
          const consumer = startConsumer(log, { group: uniqueName('g-deliver'), topics: [topic] });
          try {
            await waitFor(() => consumer.received.length >= 153, timeoutMs, '153 messages');
            for (const [key, messages] of byPartition(consumer.received)) {
              assert.deepEqual(messages.map((m) => m.offset), messages.map((_, i) => i), `offsets of ${key}`);
            }
            const first = consumer.received.find((m) => m.value.toString() === 'with key and headers')!;
            assert.equal(first.key?.toString(), 'k-text');
            assert.deepEqual(first.headers, { trace: 'abc', 'x-ünï': 'välue ✓' });
            assert.equal(first.timestamp, 1_700_000_000_123);
            const binary = consumer.received.find((m) => m.value.equals(Buffer.from([9, 8, 7])))!;
            assert.deepEqual([...binary.key!], [0, 1, 2, 255]);
            assert.deepEqual([...binary.value], [9, 8, 7]);
            const empty = consumer.received.find((m) => m.partition === 2 && m.offset === 0)!;
            assert.equal(empty.key, null);
            assert.equal(empty.value.length, 0);
            assert.deepEqual(empty.headers, {});
            assert.ok(empty.timestamp >= before && empty.timestamp <= after, 'default timestamp is the produce time');
            const bulkValues = consumer.received.filter((m) => m.value.toString().startsWith('bulk-')).map((m) => m.value.toString());
            assert.deepEqual(new Set(bulkValues), new Set(bulk.map((m) => m.value.toString())));
          } finally {
            await consumer.stop();
          }
        }));

      it('resumes a group from its committed offsets', () =>
        withLog(async ({ log }) => {
          const topic = uniqueName('resume');
          const group = uniqueName('g-resume');
          await log.createTopic(topic, { partitions: 1 });
          await log.produce(topic, values(10));
          const first = startConsumer(log, { group, topics: [topic] });
          await waitFor(() => first.received.length >= 10, timeoutMs, 'first 10 messages');
          await first.stop();
          await first.running;
          await log.produce(topic, values(5, 'later'));
          const second = startConsumer(log, { group, topics: [topic] });
          try {
            await waitFor(() => second.received.length >= 5, timeoutMs, '5 later messages');
            assert.equal(second.received[0]!.offset, 10);
            assert.deepEqual(second.received.map((m) => m.value.toString()), values(5, 'later').map((m) => m.value.toString()));
          } finally {
            await second.stop();
          }
        }));

      it('lingers for a fuller batch when asked, handing a trickle of messages on together', () =>
        withLog(async ({ log }) => {
          const topic = uniqueName('linger');
          await log.createTopic(topic, { partitions: 1 });
          await log.produce(topic, values(1, 'first'));
          const consumer = startConsumer(log, { group: uniqueName('g-linger'), topics: [topic], lingerMs: 600, maxBatchMessages: 100 });
          try {
            await waitFor(() => consumer.received.length >= 1, timeoutMs, 'the first message');
            const before = consumer.batches.length;
            for (let i = 0; i < 5; i++) {
              await log.produce(topic, values(1, `trickle-${i}`));
              await sleep(40);
            }
            await waitFor(() => consumer.received.length >= 6, timeoutMs, 'the trickle');
            assert.deepEqual(consumer.batches.slice(before).map((batch) => batch.count), [5], 'one batch of the five');
          } finally {
            await consumer.stop();
          }
        }));

      it('starts at the end when fromBeginning is false', () =>
        withLog(async ({ log }) => {
          const topic = uniqueName('latest');
          await log.createTopic(topic, { partitions: 1 });
          await log.produce(topic, values(5, 'old'));
          const consumer = startConsumer(log, { group: uniqueName('g-latest'), topics: [topic], fromBeginning: false });
          try {
            await waitFor(() => consumer.owned.size === 1, timeoutMs, 'assignment');
            await sleep(caps.settleMs);
            await log.produce(topic, values(3, 'new'));
            await waitFor(() => consumer.received.length >= 3, timeoutMs, '3 new messages');
            await sleep(caps.settleMs);
            assert.deepEqual(consumer.received.map((m) => m.offset), [5, 6, 7]);
          } finally {
            await consumer.stop();
          }
        }));

      it('splits partitions between two members and hands them over when one stops', () =>
        withLog(async ({ log }) => {
          const topic = uniqueName('split');
          const group = uniqueName('g-split');
          await log.createTopic(topic, { partitions: 4 });
          const a = startConsumer(log, { group, topics: [topic] });
          const b = startConsumer(log, { group, topics: [topic] });
          try {
            await waitFor(() => a.owned.size === 2 && b.owned.size === 2, timeoutMs, 'two partitions each');
            assert.equal([...a.owned].filter((key) => b.owned.has(key)).length, 0, 'no partition is shared');
            const keyed = (n: number, tag: string) => Array.from({ length: n }, (_, i) => ({ key: `k${i}`, value: Buffer.from(`${tag}-${i}`) }));
            await log.produce(topic, keyed(100, 'one'));
            await waitFor(() => positions([...a.received, ...b.received]).size >= 100, timeoutMs, 'first 100 messages');
            assert.ok(a.received.length > 0 && b.received.length > 0, 'both members consumed');
            await b.stop();
            await waitFor(() => a.owned.size === 4, timeoutMs, 'the stopped member\'s partitions to move');
            await log.produce(topic, keyed(100, 'two'));
            await waitFor(() => positions([...a.received, ...b.received]).size >= 200, timeoutMs, 'all 200 messages');
            const all = positions([...a.received, ...b.received]);
            const { partitions } = await log.describeTopic(topic);
            for (const p of partitions) {
              for (let offset = 0; offset < p.endOffset; offset++) assert.ok(all.has(`${topic}:${p.partition}:${offset}`), `${p.partition}:${offset} consumed`);
            }
          } finally {
            await Promise.all([a.stop(), b.stop()]);
          }
        }));

      it('stops two members at once, neither handling a batch after its stop resolved', () =>
        withLog(async ({ log }) => {
          const topic = uniqueName('stop-both');
          const group = uniqueName('g-stop-both');
          await log.createTopic(topic, { partitions: 2 });
          const a = startConsumer(log, { group, topics: [topic] });
          await waitFor(() => a.owned.size === 2, timeoutMs, 'the first member to own both partitions');
          const b = startConsumer(log, { group, topics: [topic] });
          await waitFor(() => a.owned.size === 1 && b.owned.size === 1, timeoutMs, 'a partition each');
          await Promise.all([a.stop(), b.stop()]);
          await log.produce(topic, [0, 1].map((partition) => ({ value: Buffer.from('after the stop'), partition })));
          await sleep(caps.settleMs + 200);
          assert.deepEqual([...a.received, ...b.received], []);
        }));

      it('starts from the offsets onAssign returns', () =>
        withLog(async ({ log }) => {
          const topic = uniqueName('on-assign');
          const group = uniqueName('g-on-assign');
          await log.createTopic(topic, { partitions: 1 });
          await log.produce(topic, values(10));
          const consumer = startConsumer(log, {
            group,
            topics: [topic],
            onAssign: async () => new Map([[partitionKey(topic, 0), 4]]),
          });
          try {
            await waitFor(() => consumer.received.length >= 6, timeoutMs, '6 messages');
            assert.deepEqual(consumer.received.map((m) => m.offset), [4, 5, 6, 7, 8, 9]);
          } finally {
            await consumer.stop();
          }
          const lag = await log.describeGroup(group);
          assert.equal(lag.partitions.find((p) => p.topic === topic)?.committed, 10);
        }));

      it('moves the group offset to an onAssign override with nothing left to read', () =>
        withLog(async ({ log }) => {
          const topic = uniqueName('on-assign-end');
          const group = uniqueName('g-on-assign-end');
          await log.createTopic(topic, { partitions: 1 });
          await log.produce(topic, values(3));
          const consumer = startConsumer(log, {
            group,
            topics: [topic],
            onAssign: async () => new Map([[partitionKey(topic, 0), 3]]),
          });
          try {
            await waitFor(async () => {
              const description = await log.describeGroup(group);
              return description.partitions.find((p) => p.topic === topic)?.lag === 0;
            }, timeoutMs, 'lag 0 after the override');
            assert.equal(consumer.received.length, 0);
          } finally {
            await consumer.stop();
          }
        }));

      it('redelivers a batch whose handler threw, from its first message', () =>
        withLog(async ({ log }) => {
          const topic = uniqueName('retry');
          await log.createTopic(topic, { partitions: 1 });
          await log.produce(topic, values(5));
          const attempts: number[] = [];
          let failures = 0;
          const consumer = startConsumer(log, { group: uniqueName('g-retry'), topics: [topic] }, (messages) => {
            attempts.push(messages[0]!.offset);
            if (failures++ === 0) throw new Error('handler failure injected by the test');
          });
          try {
            await waitFor(() => consumer.received.length >= 5, timeoutMs + caps.retryBackoffMs, 'redelivery');
            assert.deepEqual(attempts.slice(0, 2), [0, 0]);
            assert.deepEqual(consumer.received.map((m) => m.offset), [0, 1, 2, 3, 4]);
          } finally {
            await consumer.stop();
          }
        }));

      it('reports committed offsets, end offsets and lag per partition', () =>
        withLog(async ({ log }) => {
          const topic = uniqueName('lag');
          const group = uniqueName('g-lag');
          await log.createTopic(topic, { partitions: 2 });
          await log.produce(topic, values(10).map((m) => ({ ...m, partition: 0 })));
          await log.produce(topic, values(4).map((m) => ({ ...m, partition: 1 })));
          const consumer = startConsumer(log, { group, topics: [topic] });
          await waitFor(() => consumer.received.length >= 14, timeoutMs, '14 messages');
          assert.equal((await log.describeGroup(group)).members, 1);
          await consumer.stop();
          await log.produce(topic, values(5).map((m) => ({ ...m, partition: 0 })));
          const description = await log.describeGroup(group);
          assert.equal(description.group, group);
          assert.equal(description.members, 0);
          const mine = description.partitions.filter((p) => p.topic === topic);
          assert.deepEqual(mine, [
            { topic, partition: 0, committed: 10, endOffset: 15, lag: 5 },
            { topic, partition: 1, committed: 4, endOffset: 4, lag: 0 },
          ]);
          assert.ok((await log.listGroups()).includes(group));
        }));

      it('subscribes by pattern, including topics created later', () =>
        withLog(async ({ log }) => {
          const prefix = uniqueName('pattern');
          await log.createTopic(`${prefix}-a`, { partitions: 1 });
          await log.createTopic(uniqueName('not-matching'), { partitions: 1 });
          const consumer = startConsumer(log, { group: uniqueName('g-pattern'), topics: new RegExp(`^${prefix}-`) });
          try {
            await log.produce(`${prefix}-a`, values(3, 'a'));
            await waitFor(() => consumer.received.length >= 3, timeoutMs, 'messages of the first topic');
            await log.createTopic(`${prefix}-b`, { partitions: 2 });
            await log.produce(`${prefix}-b`, values(4, 'b'));
            await waitFor(() => consumer.received.length >= 7, timeoutMs, 'messages of the topic created later');
            assert.deepEqual(new Set(consumer.received.map((m) => m.topic)), new Set([`${prefix}-a`, `${prefix}-b`]));
          } finally {
            await consumer.stop();
          }
        }));

      it('subscribes by a filter of topic names, including topics created later', () =>
        withLog(async ({ log }) => {
          const prefix = uniqueName('filter');
          const wanted = new Set([`${prefix}-a`, `${prefix}-c`]);
          for (const name of [`${prefix}-a`, `${prefix}-b`]) await log.createTopic(name, { partitions: 1 });
          const consumer = startConsumer(log, { group: uniqueName('g-filter'), topics: (topic) => wanted.has(topic) });
          try {
            await log.produce(`${prefix}-a`, values(2, 'a'));
            await log.produce(`${prefix}-b`, values(2, 'b'));
            await waitFor(() => consumer.received.length >= 2, timeoutMs, 'messages of the wanted topic');
            await log.createTopic(`${prefix}-c`, { partitions: 1 });
            await log.produce(`${prefix}-c`, values(3, 'c'));
            await waitFor(() => consumer.received.length >= 5, timeoutMs, 'messages of the wanted topic created later');
            await sleep(caps.settleMs);
            assert.deepEqual(consumer.received.map((m) => m.value.toString()).sort(), ['a-0', 'a-1', 'c-0', 'c-1', 'c-2']);
          } finally {
            await consumer.stop();
          }
        }));
    });

    describe('consumers that commit themselves', () => {
      const committedOffset = async (log: Log, group: string, topic: string, partition: number) =>
        (await log.describeGroup(group)).partitions.find((p) => p.topic === topic && p.partition === partition)?.committed ?? null;

      it('reads on without committing, commits what it chooses, and resumes there after a crash', () =>
        withLog(async (subject) => {
          const topic = uniqueName('manual');
          const group = uniqueName('g-manual');
          await subject.log.createTopic(topic, { partitions: 1 });
          await subject.log.produce(topic, values(10));
          const received: ConsumedMessage[] = [];
          let batches = 0;
          const consumer = subject.log.createConsumer({ group, topics: [topic], commit: 'manual', maxBatchMessages: 3, maxWaitMs: 100 });
          const running = consumer.run(async (batch) => {
            batches += 1;
            received.push(...batch.messages);
          });
          await waitFor(() => received.length >= 10, timeoutMs, 'all 10 messages');
          assert.ok(batches >= 4, `${batches} batches, none waiting for a commit`);
          await sleep(caps.settleMs);
          assert.equal(await committedOffset(subject.log, group, topic, 0), null, 'nothing committed on its own');
          await rejectsWith(consumer.commit([{ topic, partition: 0, offset: 11 }]), 'INVALID_ARGUMENT');
          assert.deepEqual(await consumer.commit([{ topic, partition: 0, offset: 4 }]), [{ topic, partition: 0, offset: 4 }]);
          assert.equal(await committedOffset(subject.log, group, topic, 0), 4);
          await rejectsWith(subject.log.createConsumer({ group: uniqueName('g-auto'), topics: [topic] }).commit([{ topic, partition: 0, offset: 1 }]), 'INVALID_ARGUMENT');

          // the process goes away with offsets 4..9 consumed but not committed
          const log = await subject.reopen();
          await running;
          const resumed = startConsumer(log, { group, topics: [topic] });
          try {
            await waitFor(() => resumed.received.length >= 6, timeoutMs, 'the messages after the commit');
            await sleep(caps.settleMs);
            assert.deepEqual(resumed.received.map((m) => m.offset), [4, 5, 6, 7, 8, 9]);
          } finally {
            await resumed.stop();
          }
        }));

      it('commits in onRevoke when a rebalance takes a partition, then no more; the next owner resumes there', () =>
        withLog(async ({ log }) => {
          const topic = uniqueName('manual-rebalance');
          const group = uniqueName('g-manual-rebalance');
          await log.createTopic(topic, { partitions: 2 });
          await log.produce(topic, [0, 1].flatMap((partition) => values(5, `p${partition}`).map((m) => ({ ...m, partition }))));
          const received: ConsumedMessage[] = [];
          const revoked: TopicPartition[] = [];
          const committedOnRevoke: PartitionOffset[] = [];
          // as a batch step flushing what it holds when its partitions go: here, up to offset 3
          const first: Consumer = log.createConsumer({
            group,
            topics: [topic],
            commit: 'manual',
            maxWaitMs: 100,
            onRevoke: async (partitions) => {
              revoked.push(...partitions);
              await sleep(caps.settleMs); // a flush takes a while: no other member may read them meanwhile
              committedOnRevoke.push(...(await first.commit(partitions.map((tp) => ({ ...tp, offset: 3 })))));
            },
          });
          const running = first.run(async (batch) => {
            received.push(...batch.messages);
          });
          let second: ReturnType<typeof startConsumer> | undefined;
          try {
            await waitFor(() => received.length >= 10, timeoutMs, 'the first member to read both partitions');
            const next = (second = startConsumer(log, { group, topics: [topic], commit: 'manual' }));
            await waitFor(() => next.owned.size === 1, timeoutMs, 'the rebalance to give the second member a partition');
            const moved = Number([...next.owned][0]!.split(':').at(-1));
            assert.ok(revoked.some((tp) => tp.partition === moved), 'onRevoke was called for the partition that moved');
            assert.ok(committedOnRevoke.some((c) => c.partition === moved && c.offset === 3), 'a commit inside onRevoke counts');
            await waitFor(() => next.received.length >= 2, timeoutMs, 'the next owner to read from the commit');
            await sleep(caps.settleMs);
            assert.deepEqual(next.received.map((m) => [m.partition, m.offset]), [[moved, 3], [moved, 4]]);
            assert.deepEqual(await first.commit([{ topic, partition: moved, offset: 5 }]), [], 'a partition no longer owned is skipped');
            assert.equal(await committedOffset(log, group, topic, moved), 3);
          } finally {
            await Promise.all([first.stop(), second?.stop()]);
            await running;
          }
        }));

      it('gives each member of a group the partitions of the topics it subscribed to, when members subscribe to different topics', () =>
        withLog(async ({ log }) => {
          // two deployments with different topic prefixes sharing a group name, as seed 000's groups would
          const [first, second] = [uniqueName('subs-a'), uniqueName('subs-b')];
          const group = uniqueName('g-subs');
          for (const topic of [first, second]) await log.createTopic(topic, { partitions: 2 });
          const a = startConsumer(log, { group, topics: [first] });
          const b = startConsumer(log, { group, topics: [second] });
          try {
            const owned = (member: typeof a) => [...member.owned].sort().join(' ');
            await waitFor(() => a.owned.size === 2 && b.owned.size === 2, timeoutMs, 'each member to own its topic\'s 2 partitions');
            assert.deepEqual([owned(a), owned(b)], [`${first}:0 ${first}:1`, `${second}:0 ${second}:1`]);
            for (const topic of [first, second]) {
              await log.produce(topic, [0, 1].flatMap((partition) => values(3, `${topic}-p${partition}`).map((m) => ({ ...m, partition }))));
            }
            await waitFor(() => a.received.length >= 6 && b.received.length >= 6, timeoutMs, 'each member to read its own topic');
            await sleep(caps.settleMs);
            assert.deepEqual([...new Set(a.received.map((m) => m.topic))], [first]);
            assert.deepEqual([...new Set(b.received.map((m) => m.topic))], [second]);
            assert.deepEqual([a.received.length, b.received.length], [6, 6]);
          } finally {
            await Promise.all([a.stop(), b.stop()]);
          }
        }));

      it('gives members that join while a rebalance revokes their share, every message read once', () =>
        withLog(async ({ log }) => {
          const topic = uniqueName('join-mid-rebalance');
          const group = uniqueName('g-join-mid-rebalance');
          await log.createTopic(topic, { partitions: 3 });
          await log.produce(topic, [0, 1, 2].flatMap((partition) => values(4, `p${partition}`).map((m) => ({ ...m, partition }))));
          const received: string[] = [];
          let revoking = false;
          // as the autoscaler starting workers one after the other: the first flushes slowly when partitions go
          const first: Consumer = log.createConsumer({
            group, topics: [topic], commit: 'manual', maxWaitMs: 100,
            onRevoke: async (partitions) => {
              revoking = true;
              await sleep(caps.settleMs);
              await first.commit(partitions.map((tp) => ({ ...tp, offset: 4 })));
            },
          });
          const running = first.run(async (batch) => {
            received.push(...batch.messages.map((m) => `${m.partition}/${m.offset}`));
          });
          const joined: Array<ReturnType<typeof startConsumer>> = [];
          try {
            await waitFor(() => received.length >= 12, timeoutMs, 'the first member to read all three partitions');
            joined.push(startConsumer(log, { group, topics: [topic], commit: 'manual' }));
            await waitFor(() => revoking, timeoutMs, 'the rebalance to revoke');
            joined.push(startConsumer(log, { group, topics: [topic], commit: 'manual' }));
            await waitFor(() => joined.every((member) => member.owned.size === 1), timeoutMs, 'one partition for each member that joined');
            await log.produce(topic, [0, 1, 2].map((partition) => ({ value: Buffer.from(`late p${partition}`), partition })));
            await waitFor(() => joined.every((member) => member.received.length >= 1), timeoutMs, 'each new member to read its partition');
            await sleep(caps.settleMs);
            const all = [...received, ...joined.flatMap((member) => member.received.map((m) => `${m.partition}/${m.offset}`))];
            assert.equal(new Set(all).size, all.length, `no message read twice: ${all.join(' ')}`);
            assert.equal(all.length, 15);
          } finally {
            await Promise.all([first.stop(), ...joined.map((member) => member.stop())]);
            await running;
          }
        }));
    });

    describe('consumers under failure', () => {
      /** run() must only ever resolve, after stop(): a rejection would end the process. */
      const watchRun = (running: Promise<void>) => {
        const outcome: { rejected?: unknown } = {};
        running.catch((error: unknown) => (outcome.rejected = error));
        return outcome;
      };

      it('survives an onAssign that fails with a log error, reading from the committed offsets', () =>
        withLog(async ({ log }) => {
          const topic = uniqueName('assign-fails');
          const group = uniqueName('g-assign-fails');
          await log.createTopic(topic, { partitions: 1 });
          await log.produce(topic, values(4));
          const first = startConsumer(log, { group, topics: [topic] });
          await waitFor(() => first.received.length >= 4, timeoutMs, 'the first 4 messages');
          await first.stop();
          await log.produce(topic, values(2, 'more'));
          const consumer = startConsumer(log, {
            group,
            topics: [topic],
            // the indexer's onAssign asks the log too: a log error there must not end the consumer
            onAssign: async () => {
              await log.describeTopic(uniqueName('missing'));
            },
          });
          const run = watchRun(consumer.running);
          try {
            await waitFor(() => consumer.received.length >= 2, timeoutMs, 'the messages after the committed offset');
            await log.produce(topic, values(2, 'later'));
            await waitFor(() => consumer.received.length >= 4, timeoutMs, 'messages produced after the failure');
            assert.deepEqual(consumer.received.map((m) => m.offset), [4, 5, 6, 7]);
            assert.equal(run.rejected, undefined);
          } finally {
            await consumer.stop();
          }
          assert.equal(run.rejected, undefined);
        }));

      it('keeps consuming its other topics when one is deleted', () =>
        withLog(async ({ log }) => {
          const doomed = uniqueName('doomed');
          const kept = uniqueName('kept');
          await log.createTopic(doomed, { partitions: 1 });
          await log.createTopic(kept, { partitions: 2 });
          await log.produce(doomed, values(2, 'doomed'));
          await log.produce(kept, values(2, 'kept'));
          const consumer = startConsumer(log, { group: uniqueName('g-doomed'), topics: [doomed, kept] });
          const run = watchRun(consumer.running);
          try {
            await waitFor(() => consumer.received.length >= 4, timeoutMs, 'the messages of both topics');
            await log.deleteTopic(doomed);
            await log.produce(kept, values(3, 'after'));
            await waitFor(() => consumer.received.some((m) => m.value.toString() === 'after-2'), timeoutMs, 'the kept topic\'s messages after the delete');
            assert.deepEqual(
              consumer.received.filter((m) => m.topic === kept).map((m) => m.value.toString()).sort(),
              ['after-0', 'after-1', 'after-2', 'kept-0', 'kept-1'],
            );
            assert.equal(run.rejected, undefined);
          } finally {
            await consumer.stop();
          }
          assert.equal(run.rejected, undefined);
        }));

      it('reads a topic deleted and created again from its start', () =>
        withLog(async ({ log }) => {
          const topic = uniqueName('recreated');
          await log.createTopic(topic, { partitions: 1 });
          await log.produce(topic, values(3, 'old'));
          const consumer = startConsumer(log, { group: uniqueName('g-recreated'), topics: [topic] });
          const run = watchRun(consumer.running);
          try {
            await waitFor(() => consumer.received.length >= 3, timeoutMs, 'the old messages');
            await log.deleteTopic(topic);
            await log.createTopic(topic, { partitions: 1 });
            await log.produce(topic, values(2, 'new'));
            await waitFor(() => consumer.received.some((m) => m.value.toString() === 'new-1'), timeoutMs, 'the new topic\'s messages');
            assert.deepEqual(consumer.received.filter((m) => m.value.toString().startsWith('new')).map((m) => [m.offset, m.value.toString()]), [[0, 'new-0'], [1, 'new-1']]);
          } finally {
            await consumer.stop();
          }
          assert.equal(run.rejected, undefined);
        }));
    });

    describe('lifecycle', () => {
      it('keeps messages and committed offsets across a reopen', async () => {
        const subject = await open();
        try {
          const topic = uniqueName('reopen');
          const group = uniqueName('g-reopen');
          await subject.log.createTopic(topic, { partitions: 2, retentionMs: 86_400_000 });
          await subject.log.produce(topic, values(20));
          const consumer = startConsumer(subject.log, { group, topics: [topic] });
          await waitFor(() => consumer.received.length >= 20, timeoutMs, '20 messages');
          await consumer.stop();
          const log = await subject.reopen();
          const description = await log.describeTopic(topic);
          assert.equal(description.config.retentionMs, 86_400_000);
          assert.equal(description.partitions.reduce((sum, p) => sum + p.endOffset, 0), 20);
          const lag = await log.describeGroup(group);
          assert.equal(lag.partitions.reduce((sum, p) => sum + (p.committed ?? 0), 0), 20);
          const results = await log.produce(topic, [{ value: Buffer.from('after reopen'), partition: 0 }]);
          assert.equal(results[0]!.offset, description.partitions[0]!.endOffset);
        } finally {
          await subject.cleanup();
        }
      });

      it('rejects produce after close', async () => {
        const subject = await open();
        try {
          const topic = uniqueName('closed');
          await subject.log.createTopic(topic, { partitions: 1 });
          await subject.log.close();
          await rejectsWith(subject.log.produce(topic, values(1)), 'CLOSED');
        } finally {
          await subject.cleanup();
        }
      });
    });
  });
}
