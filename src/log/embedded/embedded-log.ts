import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { LogError, partitionKey } from '../log.ts';
import type {
  Consumer,
  ConsumerOptions,
  GroupDescription,
  GroupPartitionLag,
  Log,
  ProduceMessage,
  ProduceResult,
  TopicConfig,
  TopicDescription,
  TopicMessages,
} from '../log.ts';
import { partitionForKey, StickyRoundRobin } from '../partitioner.ts';
import type { RecordToEncode } from './batch-format.ts';
import { acquireDirLock } from './dir-lock.ts';
import { EmbeddedConsumer } from './embedded-consumer.ts';
import type { ConsumerContext } from './embedded-consumer.ts';
import { GroupCoordinator } from './group-coordinator.ts';
import { GroupOffsets, loadGroupOffsets } from './group-offsets.ts';
import { DEFAULT_SEGMENT_BYTES } from './options.ts';
import type { EmbeddedLogger, EmbeddedLogOptions, PartitionWriteOptions } from './options.ts';
import { PartitionLog } from './partition-log.ts';
import { loadTopicConfigs, removeTopicDir, validateTopicConfig, validateTopicName, writeTopicConfig } from './topic-store.ts';
import { groupsReading, releasedBefore } from './release.ts';

interface Topic {
  name: string;
  config: TopicConfig;
  partitions: PartitionLog[];
  spreader: StickyRoundRobin;
}

interface ResolvedOptions extends PartitionWriteOptions {
  defaultPartitions: number;
  releaseConsumed: boolean;
  retentionCheckIntervalMs: number;
  retryBackoffMs: number;
}

/** Opens (creating if needed) a data dir owned by this process until close(). */
export async function openEmbeddedLog(dir: string, options: EmbeddedLogOptions = {}): Promise<EmbeddedLog> {
  const resolved: ResolvedOptions = {
    defaultPartitions: options.defaultPartitions ?? 1,
    fsync: options.fsync ?? true,
    segmentBytes: options.segmentBytes ?? DEFAULT_SEGMENT_BYTES,
    flushIntervalMs: options.flushIntervalMs ?? 0,
    retentionCheckIntervalMs: options.retentionCheckIntervalMs ?? 60_000,
    retryBackoffMs: options.retryBackoffMs ?? 500,
    releaseConsumed: options.releaseConsumed ?? false,
    logger: options.logger ?? consoleLogger,
  };
  await mkdir(dir, { recursive: true });
  const releaseLock = await acquireDirLock(dir);
  try {
    const topics = new Map<string, Topic>();
    for (const [name, config] of await loadTopicConfigs(dir)) {
      const partitions: PartitionLog[] = [];
      for (let p = 0; p < config.partitions; p++) partitions.push(await PartitionLog.open(join(dir, name, String(p)), resolved));
      topics.set(name, { name, config, partitions, spreader: new StickyRoundRobin() });
    }
    const groups = await loadGroupOffsets(dir, resolved.fsync);
    return new EmbeddedLog(dir, resolved, topics, groups, releaseLock);
  } catch (error) {
    await releaseLock();
    throw error;
  }
}

const consoleLogger: EmbeddedLogger = {
  warn: (message) => console.warn(message),
  error: (message, error) => console.error(message, error ?? ''),
};

export class EmbeddedLog implements Log {
  readonly engine = 'embedded' as const;
  readonly dir: string;
  readonly #options: ResolvedOptions;
  readonly #topics: Map<string, Topic>;
  readonly #groups: Map<string, GroupOffsets>;
  readonly #coordinators = new Map<string, GroupCoordinator>();
  readonly #consumers = new Set<EmbeddedConsumer>();
  readonly #releaseLock: () => Promise<void>;
  readonly #retentionTimer: NodeJS.Timeout | null;
  readonly #consumerContext: ConsumerContext;
  /** Topic creation and deletion run one at a time. */
  #adminQueue: Promise<unknown> = Promise.resolve();
  #closing: Promise<void> | null = null;

  constructor(
    dir: string,
    options: ResolvedOptions,
    topics: Map<string, Topic>,
    groups: Map<string, GroupOffsets>,
    releaseLock: () => Promise<void>,
  ) {
    this.dir = dir;
    this.#options = options;
    this.#topics = topics;
    this.#groups = groups;
    this.#releaseLock = releaseLock;
    this.#retentionTimer =
      options.retentionCheckIntervalMs > 0
        ? setInterval(() => {
            this.enforceRetention().catch((error) => options.logger.error('log retention failed', error));
          }, options.retentionCheckIntervalMs).unref()
        : null;
    this.#consumerContext = {
      partition: (topic, partition) => this.#topics.get(topic)?.partitions[partition],
      coordinator: (group) => this.#coordinator(group),
      offsets: (group) => this.#groupOffsets(group),
      logger: options.logger,
      retryBackoffMs: options.retryBackoffMs,
      forget: (consumer) => this.#consumers.delete(consumer),
    };
  }

  createTopic(name: string, config: TopicConfig): Promise<boolean> {
    return this.#admin(async () => {
      validateTopicName(name);
      const clean = validateTopicConfig(config);
      const existing = this.#topics.get(name);
      if (!existing) {
        await this.#createTopicNow(name, clean);
        return true;
      }
      if (clean.stream !== undefined && existing.config.stream === undefined) await this.#markStream(existing, clean.stream);
      return false;
    });
  }

  /** The stream a topic is indexed as (TopicConfig.stream); undefined for a topic that is not indexed or does not exist. */
  streamOfTopic(name: string): string | undefined {
    return this.#topics.get(name)?.config.stream;
  }

  async #markStream(topic: Topic, stream: string): Promise<void> {
    const config = { ...topic.config, stream };
    await writeTopicConfig(this.dir, topic.name, config, this.#options.fsync);
    topic.config = config;
    this.#rebalanceInterested(topic.name);
  }

  #rebalanceInterested(topic: string): void {
    for (const coordinator of this.#coordinators.values()) {
      if (coordinator.interestedIn(topic)) void coordinator.rebalance();
    }
  }

  async #createTopicNow(name: string, config: TopicConfig): Promise<Topic> {
    const partitions: PartitionLog[] = [];
    for (let p = 0; p < config.partitions; p++) {
      partitions.push(await PartitionLog.open(join(this.dir, name, String(p)), this.#options));
    }
    await writeTopicConfig(this.dir, name, config, this.#options.fsync);
    const topic: Topic = { name, config, partitions, spreader: new StickyRoundRobin() };
    this.#topics.set(name, topic);
    this.#rebalanceInterested(name);
    return topic;
  }

  async listTopics(): Promise<string[]> {
    this.#assertOpen();
    return [...this.#topics.keys()].sort();
  }

  async describeTopic(name: string): Promise<TopicDescription> {
    this.#assertOpen();
    const topic = this.#topic(name);
    return {
      name,
      config: { ...topic.config },
      partitions: topic.partitions.map((log, partition) => ({ partition, startOffset: log.startOffset, endOffset: log.endOffset })),
    };
  }

  deleteTopic(name: string): Promise<void> {
    return this.#admin(async () => {
      const topic = this.#topic(name);
      this.#topics.delete(name);
      await Promise.all([...this.#coordinators.values()].map((coordinator) => coordinator.rebalance()));
      for (const log of topic.partitions) await log.close();
      await removeTopicDir(this.dir, name, this.#options.fsync);
      await Promise.all([...this.#groups.values()].map((offsets) => offsets.forgetTopic(name)));
    });
  }

  async produce(topicName: string, messages: ProduceMessage[]): Promise<ProduceResult[]> {
    if (!Array.isArray(messages)) throw new LogError('INVALID_ARGUMENT', 'produce takes an array of messages');
    const [results] = await this.produceMany([{ topic: topicName, messages }]);
    return results!;
  }

  async produceMany(batches: TopicMessages[]): Promise<ProduceResult[][]> {
    this.#assertOpen();
    if (!Array.isArray(batches) || batches.some((batch) => !Array.isArray(batch?.messages))) {
      throw new LogError('INVALID_ARGUMENT', 'produceMany takes an array of {topic, messages: [...]}');
    }
    const now = Date.now();
    // every message is checked before any is written
    const records = batches.map(({ messages }) => messages.map((message) => toRecord(message, now)));
    const topics = new Map<string, Topic>();
    for (const { topic: name, messages } of batches) {
      if (messages.length > 0 && !topics.has(name)) topics.set(name, this.#topics.get(name) ?? (await this.#autoCreate(name)));
    }
    // per partition written: its records, and the entry and message index each came from
    const appends = new Map<PartitionLog, { partition: number; records: RecordToEncode[]; batches: number[]; indexes: number[] }>();
    for (let b = 0; b < batches.length; b++) {
      const messages = batches[b]!.messages;
      if (messages.length === 0) continue;
      const topic = topics.get(batches[b]!.topic)!;
      const numPartitions = topic.partitions.length;
      const unkeyedPartition = topic.spreader.nextPartition(numPartitions);
      for (let i = 0; i < messages.length; i++) {
        const partition = choosePartition(messages[i]!, numPartitions, unkeyedPartition);
        const log = topic.partitions[partition]!;
        let append = appends.get(log);
        if (!append) appends.set(log, (append = { partition, records: [], batches: [], indexes: [] }));
        append.records.push(records[b]![i]!);
        append.batches.push(b);
        append.indexes.push(i);
      }
    }
    const results: ProduceResult[][] = batches.map(({ messages }) => new Array(messages.length));
    await Promise.all(
      [...appends].map(async ([log, append]) => {
        const baseOffset = await log.append(append.records);
        for (let j = 0; j < append.records.length; j++) results[append.batches[j]!]![append.indexes[j]!] = { partition: append.partition, offset: baseOffset + j };
      }),
    );
    return results;
  }

  #autoCreate(name: string): Promise<Topic> {
    return this.#admin(async () => {
      validateTopicName(name);
      return this.#topics.get(name) ?? this.#createTopicNow(name, { partitions: this.#options.defaultPartitions });
    });
  }

  createConsumer(options: ConsumerOptions): Consumer {
    this.#assertOpen();
    const consumer = new EmbeddedConsumer(options, this.#consumerContext);
    this.#consumers.add(consumer);
    return consumer;
  }

  async listGroups(): Promise<string[]> {
    this.#assertOpen();
    const names = new Set(this.#groups.keys());
    for (const [name, coordinator] of this.#coordinators) if (!coordinator.isEmpty) names.add(name);
    return [...names].sort();
  }

  async describeGroup(group: string): Promise<GroupDescription> {
    this.#assertOpen();
    const coordinator = this.#coordinators.get(group);
    const offsets = this.#groups.get(group);
    const keys = new Set<string>(coordinator?.assignedKeys());
    for (const [key] of offsets?.entries() ?? []) keys.add(key);
    const partitions: GroupPartitionLag[] = [];
    for (const key of keys) {
      const colon = key.lastIndexOf(':');
      const topic = key.slice(0, colon);
      const partition = Number(key.slice(colon + 1));
      const log = this.#topics.get(topic)?.partitions[partition];
      if (!log) continue;
      const committed = offsets?.get(key) ?? null;
      const endOffset = log.endOffset;
      partitions.push({ topic, partition, committed, endOffset, lag: Math.max(0, endOffset - (committed ?? log.startOffset)) });
    }
    partitions.sort((a, b) => (a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1));
    return { group, members: coordinator?.memberCount ?? 0, partitions };
  }

  /** Deletes segments past each topic's retention, or consumed by every group reading them, now (it also runs on a timer). */
  async enforceRetention(now = Date.now()): Promise<number> {
    this.#assertOpen();
    let deleted = 0;
    for (const topic of this.#topics.values()) {
      const { retentionMs, retentionBytes } = topic.config;
      const readers = this.#options.releaseConsumed ? groupsReading(topic.name, this.#groups, this.#coordinators) : [];
      for (const [partition, log] of topic.partitions.entries()) {
        if (retentionMs !== undefined || retentionBytes !== undefined) deleted += await log.enforceRetention(retentionMs, retentionBytes, now);
        const released = releasedBefore(readers, partitionKey(topic.name, partition));
        if (released > 0) deleted += await log.deleteBefore(released);
      }
    }
    return deleted;
  }

  /** Stops the consumers, writes what is queued, closes the files and releases the dir. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      if (this.#retentionTimer) clearInterval(this.#retentionTimer);
      await Promise.all([...this.#consumers].map((consumer) => consumer.stop()));
      await this.#adminQueue.catch(() => {});
      for (const topic of this.#topics.values()) for (const log of topic.partitions) await log.close();
      for (const offsets of this.#groups.values()) await offsets.flush();
      await this.#releaseLock();
    })();
    return this.#closing;
  }

  #assertOpen(): void {
    if (this.#closing) throw new LogError('CLOSED', `embedded log ${this.dir} is closed`);
  }

  #topic(name: string): Topic {
    const topic = this.#topics.get(name);
    if (!topic) throw new LogError('UNKNOWN_TOPIC', `topic ${JSON.stringify(name)} does not exist`);
    return topic;
  }

  #admin<T>(operation: () => Promise<T>): Promise<T> {
    try {
      this.#assertOpen();
    } catch (error) {
      return Promise.reject(error);
    }
    const result = this.#adminQueue.then(operation);
    this.#adminQueue = result.catch(() => {});
    return result;
  }

  #coordinator(group: string): GroupCoordinator {
    let coordinator = this.#coordinators.get(group);
    if (!coordinator) {
      const layout = () => [...this.#topics.values()].map((topic) => ({ name: topic.name, partitions: topic.partitions.length }));
      coordinator = new GroupCoordinator(group, layout, this.#options.logger);
      this.#coordinators.set(group, coordinator);
    }
    return coordinator;
  }

  #groupOffsets(group: string): GroupOffsets {
    let offsets = this.#groups.get(group);
    if (!offsets) {
      offsets = new GroupOffsets(this.dir, group, new Map(), this.#options.fsync);
      this.#groups.set(group, offsets);
    }
    return offsets;
  }
}

function choosePartition(message: ProduceMessage, numPartitions: number, unkeyedPartition: number): number {
  if (message.partition !== undefined) {
    if (!Number.isInteger(message.partition) || message.partition < 0 || message.partition >= numPartitions) {
      throw new LogError('INVALID_ARGUMENT', `partition ${message.partition} out of range 0..${numPartitions - 1}`);
    }
    return message.partition;
  }
  if (message.key !== undefined && message.key !== null) return partitionForKey(message.key, numPartitions);
  return unkeyedPartition;
}

function toRecord(message: ProduceMessage, now: number): RecordToEncode {
  if (!(message?.value instanceof Uint8Array)) throw new LogError('INVALID_ARGUMENT', 'message value must be a Buffer');
  const key = message.key === undefined || message.key === null ? null : typeof message.key === 'string' ? Buffer.from(message.key) : asBuffer(message.key);
  if (message.headers) {
    for (const name in message.headers) {
      if (typeof message.headers[name] !== 'string') throw new LogError('INVALID_ARGUMENT', `header ${name} must be a string`);
    }
  }
  const timestamp = message.timestamp ?? now;
  if (!Number.isFinite(timestamp)) throw new LogError('INVALID_ARGUMENT', `invalid timestamp ${timestamp}`);
  return { key, value: asBuffer(message.value), timestamp, headers: message.headers };
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
