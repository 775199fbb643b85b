// Reads a topic through the Log interface's consumer group and hands each batch to `deliver`;
// a batch's offsets are committed only after `deliver` resolved, so what a group commits is
// exactly what was delivered. With `max`, exactly that many messages are delivered: a batch that
// would go past it is refused (left for the next read) and the consumer is re-created with
// smaller batches. Shared by `tributary consume --log kafka` and the server's consumer sessions.
import { randomUUID } from 'node:crypto';
import { EPHEMERAL_GROUP_PREFIX } from './log.ts';
import type { ConsumedMessage, Consumer, Log } from './log.ts';

export { EPHEMERAL_GROUP_PREFIX };

export interface ReadOptions {
  topic: string;
  /** Commits to this group and resumes from its offsets; without it, an ephemeral group. */
  group?: string;
  /** Start partitions the group never committed on at their first offset (default: their end). */
  fromBeginning?: boolean;
  /** Deliver exactly this many messages, then stop. */
  max?: number;
  maxBatchMessages?: number;
  maxWaitMs?: number;
}

export interface MessageReader {
  readonly group: string;
  /** Resolves once the reader stopped (max reached or stop()), after the last commit. */
  readonly done: Promise<void>;
  /** Stops: waits for the batch being delivered, commits it, leaves the group. */
  stop(): Promise<void>;
}

export type Deliver = (messages: ConsumedMessage[]) => Promise<void>;

/** A batch the reader refused; the group does not commit it and reads it again next time. */
export class NotDelivered extends Error {
  constructor(reason: string) {
    super(`batch not delivered (${reason}); it stays uncommitted for the next read`);
    this.name = 'NotDelivered';
    this.stack = `${this.name}: ${this.message}`; // routine, logged by the embedded engine: one line, no trace
  }
}

export function readMessages(log: Log, options: ReadOptions, deliver: Deliver): MessageReader {
  const group = options.group ?? `${EPHEMERAL_GROUP_PREFIX}${randomUUID()}`;
  let remaining = options.max ?? Infinity;
  let stopping = false;
  let failure: unknown = null;
  let current: Consumer | null = null;

  const runOnce = async (): Promise<void> => {
    const consumer = log.createConsumer({
      group,
      topics: [options.topic],
      fromBeginning: options.fromBeginning ?? false,
      maxBatchMessages: Math.max(1, Math.min(remaining, options.maxBatchMessages ?? 1000)),
      maxWaitMs: options.maxWaitMs ?? 500,
    });
    current = consumer;
    // stop() waits for the handler in flight, so a handler must never await it
    const stopSoon = () => setImmediate(() => void consumer.stop());
    let turn: Promise<void> = Promise.resolve();
    const handle = async (messages: ConsumedMessage[]): Promise<void> => {
      if (stopping || remaining <= 0) throw new NotDelivered('the reader is stopping');
      if (messages.length > remaining) {
        stopSoon(); // re-created with batches of at most `remaining`
        throw new NotDelivered(`only ${remaining} more wanted`);
      }
      remaining -= messages.length;
      try {
        await deliver(messages);
      } catch (error) {
        failure ??= error;
        stopping = true;
        stopSoon();
        throw error;
      }
      if (remaining <= 0) stopSoon();
    };
    // one batch at a time across partitions, so the count stays exact
    await consumer.run((batch) => {
      const result = turn.then(() => handle(batch.messages));
      turn = result.catch(() => {});
      return result;
    });
  };

  const done = (async () => {
    while (!stopping && remaining > 0) await runOnce();
    if (failure) throw failure;
  })();

  return {
    group,
    done,
    async stop() {
      stopping = true;
      await current?.stop();
      await done.catch(() => {});
    },
  };
}
