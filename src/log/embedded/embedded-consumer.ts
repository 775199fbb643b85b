import { setTimeout as sleep } from 'node:timers/promises';
import { LogError, partitionKey } from '../log.ts';
import type { BatchHandler, ConsumedMessage, Consumer, ConsumerOptions, PartitionOffset, TopicPartition } from '../log.ts';
import type { GroupCoordinator, GroupMember } from './group-coordinator.ts';
import type { GroupOffsets } from './group-offsets.ts';
import type { PartitionLog } from './partition-log.ts';
import type { EmbeddedLogger } from './options.ts';

/** The parts of the embedded log a consumer reads through. */
export interface ConsumerContext {
  partition(topic: string, partition: number): PartitionLog | undefined;
  coordinator(group: string): GroupCoordinator;
  offsets(group: string): GroupOffsets;
  readonly logger: EmbeddedLogger;
  readonly retryBackoffMs: number;
  forget(consumer: EmbeddedConsumer): void;
}

interface PartitionReader {
  tp: TopicPartition;
  position: number;
  abort: AbortController;
  done: Promise<void>;
}

const DEFAULT_MAX_BATCH_MESSAGES = 1000;
const DEFAULT_MAX_WAIT_MS = 500;

/** A group member that reads each assigned partition in its own loop, one batch at a time. */
export class EmbeddedConsumer implements Consumer, GroupMember {
  readonly #options: ConsumerOptions;
  readonly #context: ConsumerContext;
  readonly #readers = new Map<string, PartitionReader>();
  readonly #owned = new Set<string>();
  /**
   * Per partition this member may commit on (owned, or being revoked until onRevoke resolved):
   * the offset after the last message handed to the handler.
   */
  readonly #consumed = new Map<string, number>();
  #handler: BatchHandler | null = null;
  #stopping: Promise<void> | null = null;
  #finished: { promise: Promise<void>; resolve: () => void } | null = null;

  constructor(options: ConsumerOptions, context: ConsumerContext) {
    if (!options.group) throw new LogError('INVALID_ARGUMENT', 'consumer group name is empty');
    if (options.commit !== undefined && options.commit !== 'auto' && options.commit !== 'manual') {
      throw new LogError('INVALID_ARGUMENT', `commit must be 'auto' or 'manual', got ${String(options.commit)}`);
    }
    this.#options = options;
    this.#context = context;
  }

  get owned(): ReadonlySet<string> {
    return this.#owned;
  }

  subscribes(topic: string): boolean {
    const topics = this.#options.topics;
    if (typeof topics === 'function') return topics(topic);
    if (topics instanceof RegExp) {
      topics.lastIndex = 0;
      return topics.test(topic);
    }
    return topics.includes(topic);
  }

  get #manual(): boolean {
    return this.#options.commit === 'manual';
  }

  async commit(offsets: PartitionOffset[]): Promise<PartitionOffset[]> {
    if (!this.#manual) throw new LogError('INVALID_ARGUMENT', `consumer group ${this.#options.group}: commit() is for consumers created with commit: 'manual'`);
    const accepted: PartitionOffset[] = [];
    for (const entry of offsets) {
      const key = partitionKey(entry.topic, entry.partition);
      const consumed = this.#consumed.get(key);
      if (consumed === undefined) continue;
      if (!Number.isInteger(entry.offset) || entry.offset < 0 || entry.offset > consumed) {
        throw new LogError('INVALID_ARGUMENT', `consumer group ${this.#options.group}: cannot commit offset ${entry.offset} of ${key}: offsets from 0 to ${consumed} (what was consumed) can be committed`);
      }
      accepted.push({ topic: entry.topic, partition: entry.partition, offset: entry.offset });
    }
    const groupOffsets = this.#context.offsets(this.#options.group);
    await Promise.all(accepted.map((entry) => groupOffsets.commit(partitionKey(entry.topic, entry.partition), entry.offset)));
    return accepted;
  }

  run(handler: BatchHandler): Promise<void> {
    if (this.#handler) return Promise.reject(new LogError('INVALID_ARGUMENT', 'consumer is already running'));
    if (this.#stopping) return Promise.reject(new LogError('CLOSED', 'consumer was stopped'));
    this.#handler = handler;
    let resolve!: () => void;
    const promise = new Promise<void>((r) => (resolve = r));
    this.#finished = { promise, resolve };
    this.#context.coordinator(this.#options.group).join(this).catch((error) => this.#context.logger.error('join failed', error));
    return promise;
  }

  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      if (this.#handler) await this.#context.coordinator(this.#options.group).leave(this);
      this.#context.forget(this);
      this.#finished?.resolve();
    })();
    return this.#stopping;
  }

  async assign(partitions: TopicPartition[]): Promise<void> {
    const offsets = this.#context.offsets(this.#options.group);
    const positions = new Map<string, number>();
    for (const tp of partitions) {
      const log = this.#context.partition(tp.topic, tp.partition);
      if (!log) continue;
      const key = partitionKey(tp.topic, tp.partition);
      const committed = offsets.get(key);
      positions.set(key, committed ?? (this.#options.fromBeginning === false ? log.endOffset : log.startOffset));
    }
    if (this.#options.onAssign) {
      try {
        const overrides = await this.#options.onAssign(partitions);
        for (const [key, offset] of overrides ?? []) {
          if (!positions.has(key)) continue;
          positions.set(key, offset);
          // The group's offset follows the override, so its lag tells where the consumer really is;
          // a manual consumer's group moves only when its owner commits.
          if (!this.#manual && offsets.get(key) !== offset) await offsets.commit(key, offset);
        }
      } catch (error) {
        this.#context.logger.error(`consumer group ${this.#options.group}: onAssign failed; starting from committed offsets`, error);
      }
    }
    for (const tp of partitions) {
      const key = partitionKey(tp.topic, tp.partition);
      const position = positions.get(key);
      if (position === undefined) continue;
      const reader: PartitionReader = { tp, position, abort: new AbortController(), done: Promise.resolve() };
      reader.done = this.#readLoop(reader);
      this.#readers.set(key, reader);
      this.#owned.add(key);
      this.#consumed.set(key, position);
    }
  }

  async revoke(partitions: TopicPartition[]): Promise<void> {
    const readers = partitions
      .map((tp) => this.#readers.get(partitionKey(tp.topic, tp.partition)))
      .filter((reader): reader is PartitionReader => reader !== undefined);
    for (const reader of readers) reader.abort.abort();
    await Promise.all(readers.map((reader) => reader.done));
    const keys = readers.map((reader) => partitionKey(reader.tp.topic, reader.tp.partition));
    for (const key of keys) {
      this.#readers.delete(key);
      this.#owned.delete(key);
    }
    if (this.#options.onRevoke && readers.length > 0) {
      try {
        await this.#options.onRevoke(readers.map((reader) => reader.tp));
      } catch (error) {
        this.#context.logger.error(`consumer group ${this.#options.group}: onRevoke failed`, error);
      }
    }
    for (const key of keys) this.#consumed.delete(key);
  }

  async #readLoop(reader: PartitionReader): Promise<void> {
    const key = partitionKey(reader.tp.topic, reader.tp.partition);
    const offsets = this.#context.offsets(this.#options.group);
    // An automatic commit is written to disk while the next batch is read and handled: the
    // offset counts (lag, a restart) at once, and a commit lost in a crash only redelivers a batch.
    let committing: Promise<void> = Promise.resolve();
    // one commit on its way at a time, in order
    const commit = async (offset: number): Promise<void> => {
      await committing;
      committing = offsets.commit(key, offset).catch((error: unknown) => {
        this.#context.logger.error(`consumer group ${this.#options.group}: committing offset ${offset} of ${key} failed`, error);
      });
    };
    try {
      await this.#readBatches(reader, commit);
    } finally {
      await committing;
    }
  }

  async #readBatches(reader: PartitionReader, commit: (offset: number) => Promise<void>): Promise<void> {
    const { topic, partition } = reader.tp;
    const key = partitionKey(topic, partition);
    const signal = reader.abort.signal;
    const maxMessages = this.#options.maxBatchMessages ?? DEFAULT_MAX_BATCH_MESSAGES;
    const maxWaitMs = this.#options.maxWaitMs ?? DEFAULT_MAX_WAIT_MS;
    const lingerMs = this.#options.lingerMs ?? 0;
    while (!signal.aborted) {
      const log = this.#context.partition(topic, partition);
      if (!log) return; // topic deleted; the rebalance that follows takes the partition away
      if (log.closed) return; // the log closed under a reader no rebalance stopped: reading on would spin
      try {
        let records = await log.read(reader.position, maxMessages);
        if (records.length === 0) {
          await log.waitForData(reader.position, maxWaitMs, signal);
          continue;
        }
        if (records.length < maxMessages && lingerMs > 0) {
          await sleep(lingerMs, undefined, { signal }).catch(() => {});
          if (signal.aborted) return;
          records = await log.read(reader.position, maxMessages);
        }
        const messages: ConsumedMessage[] = records.map((record) => ({ topic, partition, ...record }));
        const next = records[records.length - 1]!.offset + 1;
        this.#consumed.set(key, Math.max(next, this.#consumed.get(key) ?? 0));
        await this.#handler!({ topic, partition, messages });
        reader.position = next;
        if (!this.#manual) await commit(next);
      } catch (error) {
        this.#context.logger.error(
          `consumer group ${this.#options.group}: batch of ${key} from offset ${reader.position} failed; retrying in ${this.#context.retryBackoffMs} ms`,
          error,
        );
        await sleep(this.#context.retryBackoffMs, undefined, { signal }).catch(() => {});
      }
    }
  }
}
