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

export interface ConsumerOptions {
  group: string;
  /** Topic names, or a pattern matched against every topic, including ones created later. */
  topics: string[] | RegExp;
  /** Where to start a partition that has no committed offset: earliest (default) or latest. */
  fromBeginning?: boolean;
  /** Upper bound of messages in one batch handed to the handler. */
  maxBatchMessages?: number;
  /** How long a fetch waits for new data before returning empty. */
  maxWaitMs?: number;
  /**
   * Called when partitions are assigned to this member, before any is read. Returning an offset
   * for a partition overrides the group's committed offset: a sink that stores offsets in its
   * own transaction resumes from there (exactly-once effect).
   */
  onAssign?: (partitions: TopicPartition[]) => Promise<Map<string, number> | void>;
  /** Called when partitions are taken away (rebalance or stop()), after the last batch of them was handled. */
  onRevoke?: (partitions: TopicPartition[]) => Promise<void>;
}

/** Key of a partition in maps such as the one onAssign returns. */
export function partitionKey(topic: string, partition: number): string {
  return `${topic}:${partition}`;
}

export type BatchHandler = (batch: MessageBatch) => Promise<void>;

export interface Consumer {
  /**
   * Reads batches from the assigned partitions and calls the handler for each, one at a time per
   * partition (handlers of different partitions may run concurrently). The group's offset (last offset + 1) is committed after the handler resolves; a
   * handler that throws is retried from its first message (at-least-once). Resolves after stop().
   */
  run(handler: BatchHandler): Promise<void>;
  /** Stops reading, waits for the running handler, commits, leaves the group. */
  stop(): Promise<void>;
}

export interface Log {
  readonly engine: LogEngineName;
  /** Creates the topic; resolves false when it already existed. */
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
  createConsumer(options: ConsumerOptions): Consumer;
  listGroups(): Promise<string[]>;
  describeGroup(group: string): Promise<GroupDescription>;
  close(): Promise<void>;
}

export type LogErrorCode = 'UNKNOWN_TOPIC' | 'TOPIC_EXISTS' | 'INVALID_ARGUMENT' | 'CLOSED' | 'LOCKED' | 'UNAVAILABLE';

export class LogError extends Error {
  readonly code: LogErrorCode;
  constructor(code: LogErrorCode, message: string) {
    super(message);
    this.name = 'LogError';
    this.code = code;
  }
}
