// The log layer's one interface. Every engine (embedded, kafka) implements it and passes the
// same contract suite (test/contract/log.contract.ts). Offsets are plain numbers: 2^53 messages
// per partition is beyond any retention this product will keep.

export type LogEngineName = 'embedded' | 'kafka';

export interface TopicConfig {
  partitions: number;
  /** Delete whole segments older than this (ms). Undefined: keep forever. */
  retentionMs?: number;
  /** Delete the oldest segments of a partition while it is larger than this. */
  retentionBytes?: number;
  /**
   * The stream this topic's messages are indexed as. The embedded log keeps it with the topic, and
   * its indexer reads only topics that have one (ingest marks the topics it creates). Kafka topics
   * carry no such mark, so the Kafka engine refuses it: there the topics under the stream prefix
   * (log.kafka.topicPrefix) and those a kafka-topic source names are indexed.
   */
  stream?: string;
}

export interface ProduceMessage {
  /** Keyed messages go to partition murmur2(key) % partitions, as Kafka's default partitioner. */
  key?: string | Buffer | null;
  value: Buffer;
  /** Event or append time in ms; defaults to the time of the produce call. */
  timestamp?: number;
  /** Explicit partition; overrides the key. */
  partition?: number;
  headers?: Record<string, string>;
}

export interface ProduceResult {
  partition: number;
  offset: number;
}

/** Messages for one topic, in a call that writes to several. */
export interface TopicMessages {
  topic: string;
  messages: ProduceMessage[];
}

export interface ConsumedMessage {
  topic: string;
  partition: number;
  offset: number;
  key: Buffer | null;
  value: Buffer;
  timestamp: number;
  headers: Record<string, string>;
}

export interface MessageBatch {
  topic: string;
  partition: number;
  /** Non-empty, in offset order. */
  messages: ConsumedMessage[];
}

export interface TopicPartition {
  topic: string;
  partition: number;
}

/** A position in a partition: the next offset to read (the last offset handled + 1). */
export interface PartitionOffset extends TopicPartition {
  offset: number;
}

export interface PartitionInfo {
  partition: number;
  /** First offset still retained. */
  startOffset: number;
  /** Offset after the last durable (acknowledged) message: the high watermark. */
  endOffset: number;
}

export interface TopicDescription {
  name: string;
  partitions: PartitionInfo[];
  config: TopicConfig;
}

export interface GroupPartitionLag {
  topic: string;
  partition: number;
  /** Next offset the group will read; null when the group never committed on it. */
  committed: number | null;
  endOffset: number;
  /** endOffset minus committed; counted from the partition's start when the group never committed. */
  lag: number;
}

export interface GroupDescription {
  group: string;
  /** Members currently consuming (in this process for embedded; in the cluster for kafka). */
  members: number;
  partitions: GroupPartitionLag[];
}

/** Records of the group's partitions not processed yet, all together. */
export function totalLag(description: GroupDescription): number {
  return description.partitions.reduce((sum, partition) => sum + partition.lag, 0);
}

/** Whether a topic belongs to a subscription; asked for every topic, including ones created later. */
export type TopicFilter = (topic: string) => boolean;

export interface ConsumerOptions {
  group: string;
  /** Topic names, or a pattern or filter matched against every topic, including ones created later. */
  topics: string[] | RegExp | TopicFilter;
  /**
   * 'auto' (default): the group's offset moves past each batch once its handler resolved.
   * 'manual': the consumer never commits; its owner calls commit() when what it made of the
   * batches is durable (a batch flushed every 15 minutes, a window closed), and meanwhile the
   * consumer goes on with the next batches. After a crash or a rebalance the group resumes from
   * the last commit(), so the owner keeps in its state whatever it consumed past that point.
   */
  commit?: 'auto' | 'manual';
  /** Where to start a partition that has no committed offset: earliest (default) or latest. */
  fromBeginning?: boolean;
  /** Upper bound of messages in one batch handed to the handler. */
  maxBatchMessages?: number;
  /** How long a fetch waits for new data before returning empty. */
  maxWaitMs?: number;
  /**
   * When a fetch finds fewer than maxBatchMessages, how long to wait for more before handing the
   * batch on: fewer, larger batches for a consumer whose cost is per batch (Kafka's fetch.min.bytes
   * with fetch.max.wait.ms). Default 0: at once.
   */
  lingerMs?: number;
  /**
   * Called when partitions are assigned to this member, before any is read. Returning an offset
   * for a partition overrides the group's committed offset: a sink that stores offsets in its
   * own transaction resumes from there (exactly-once effect).
   */
  onAssign?: (partitions: TopicPartition[]) => Promise<Map<string, number> | void>;
  /**
   * Called when partitions are taken away (rebalance or stop()), after the last batch of them was
   * handled and before another member reads them. With commit: 'manual' this is the owner's last
   * chance to flush its state and commit() it, or to drop it (the next owner resumes from the
   * last commit). On Kafka a manual consumer has all its partitions revoked before every
   * rebalance (eager), so the commit reaches the group while it still knows this member as the owner.
   */
  onRevoke?: (partitions: TopicPartition[]) => Promise<void>;
}

/**
 * Groups of reads without a group name (`tributary consume` without --group): throwaway, so they
 * hold back no segment of the embedded log and `groups list` hides them unless asked.
 */
export const EPHEMERAL_GROUP_PREFIX = 'tributary-console-';

/** Key of a partition in maps such as the one onAssign returns. */
export function partitionKey(topic: string, partition: number): string {
  return `${topic}:${partition}`;
}

export type BatchHandler = (batch: MessageBatch) => Promise<void>;

export interface Consumer {
  /**
   * Reads batches from the assigned partitions and calls the handler for each, one at a time per
   * partition (handlers of different partitions may run concurrently). With commit 'auto' the
   * group's offset (last offset + 1) is committed after the handler resolves; a handler that
   * throws is retried from its first message (at-least-once). Resolves after stop().
   */
  run(handler: BatchHandler): Promise<void>;
  /**
   * commit: 'manual' only. Moves the group's offsets of these partitions; each offset may be any
   * up to the one after the last message handed to the handler (a higher one rejects with
   * INVALID_ARGUMENT, before anything is committed). Partitions this member does not own are
   * skipped, never committed: ones never assigned to it, and ones a rebalance or stop() took
   * away once their onRevoke resolved (inside onRevoke they still count). Resolves, once the
   * commit is durable, with the offsets that were committed.
   */
  commit(offsets: PartitionOffset[]): Promise<PartitionOffset[]>;
  /** Stops reading, waits for the running handler, commits (auto), calls onRevoke, leaves the group. */
  stop(): Promise<void>;
}

export interface Log {
  readonly engine: LogEngineName;
  /**
   * Creates the topic; resolves false when it already existed. Then nothing changes, except that
   * a `stream` the existing topic lacks is added: a stream's topic is indexed however it was made.
   */
  createTopic(name: string, config: TopicConfig): Promise<boolean>;
  listTopics(): Promise<string[]>;
  /** Rejects with LogError code 'UNKNOWN_TOPIC' for a missing topic. */
  describeTopic(name: string): Promise<TopicDescription>;
  /** Rejects with LogError code 'UNKNOWN_TOPIC' for a missing topic. */
  deleteTopic(name: string): Promise<void>;
  /**
   * Appends messages; resolves only when all are durable (embedded: written and fsynced, group
   * committed with concurrent producers; kafka: acks=all). Results are in input order.
   */
  produce(topic: string, messages: ProduceMessage[]): Promise<ProduceResult[]>;
  /**
   * Appends messages to several topics in one call (a routing step fanning a batch out), durable
   * on return as produce. Results per entry and message, in input order. Invalid arguments reject
   * before anything is written; otherwise the call is not atomic: when it rejects, some of the
   * messages may have been appended (at-least-once: send them again).
   */
  produceMany(batches: TopicMessages[]): Promise<ProduceResult[][]>;
  createConsumer(options: ConsumerOptions): Consumer;
  listGroups(): Promise<string[]>;
  describeGroup(group: string): Promise<GroupDescription>;
  close(): Promise<void>;
}

/** TOO_LARGE: a message (or the batch it must travel in) is over what the log accepts; the message names the limit. */
export type LogErrorCode = 'UNKNOWN_TOPIC' | 'TOPIC_EXISTS' | 'INVALID_ARGUMENT' | 'TOO_LARGE' | 'CLOSED' | 'LOCKED' | 'UNAVAILABLE';

export class LogError extends Error {
  readonly code: LogErrorCode;
  constructor(code: LogErrorCode, message: string) {
    super(message);
    this.name = 'LogError';
    this.code = code;
  }
}
