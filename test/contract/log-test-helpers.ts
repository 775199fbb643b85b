// Engine-neutral helpers for the log contract suite and the engine-specific log tests.
import { randomBytes } from 'node:crypto';
import { partitionKey } from '../../src/log/log.ts';
import type { ConsumedMessage, Consumer, ConsumerOptions, Log, TopicPartition } from '../../src/log/log.ts';

/** Topic and group names unique per test, so the suite can share a broker with other runs. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
}

export async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export function values(count: number, prefix = 'm'): { value: Buffer }[] {
  return Array.from({ length: count }, (_, i) => ({ value: Buffer.from(`${prefix}-${i}`) }));
}

/** A running consumer that records what it got and which partitions it holds. */
export interface RunningConsumer {
  consumer: Consumer;
  received: ConsumedMessage[];
  batches: { topic: string; partition: number; firstOffset: number; count: number }[];
  owned: Set<string>;
  assignments: TopicPartition[][];
  running: Promise<void>;
  stop(): Promise<void>;
}

export function startConsumer(
  log: Log,
  options: Omit<ConsumerOptions, 'onAssign' | 'onRevoke'> & Partial<Pick<ConsumerOptions, 'onAssign'>>,
  handle?: (messages: ConsumedMessage[]) => Promise<void> | void,
): RunningConsumer {
  const owned = new Set<string>();
  const assignments: TopicPartition[][] = [];
  const consumer = log.createConsumer({
    maxWaitMs: 100,
    ...options,
    onAssign: async (partitions) => {
      for (const tp of partitions) owned.add(partitionKey(tp.topic, tp.partition));
      assignments.push(partitions);
      return options.onAssign?.(partitions);
    },
    onRevoke: async (partitions) => {
      for (const tp of partitions) owned.delete(partitionKey(tp.topic, tp.partition));
    },
  });
  const running: RunningConsumer = {
    consumer,
    received: [],
    batches: [],
    owned,
    assignments,
    running: Promise.resolve(),
    stop: () => consumer.stop(),
  };
  running.running = consumer.run(async (batch) => {
    await handle?.(batch.messages);
    running.batches.push({ topic: batch.topic, partition: batch.partition, firstOffset: batch.messages[0]!.offset, count: batch.messages.length });
    running.received.push(...batch.messages);
  });
  return running;
}

/** Distinct topic:partition:offset positions seen. */
export function positions(messages: ConsumedMessage[]): Set<string> {
  return new Set(messages.map((m) => `${m.topic}:${m.partition}:${m.offset}`));
}

export function byPartition(messages: ConsumedMessage[]): Map<string, ConsumedMessage[]> {
  const map = new Map<string, ConsumedMessage[]>();
  for (const message of messages) {
    const key = partitionKey(message.topic, message.partition);
    const list = map.get(key);
    if (list) list.push(message);
    else map.set(key, [message]);
  }
  return map;
}
