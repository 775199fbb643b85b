// The indexing processor: reads every stream topic of a log in batches and writes them to the
// store together with the consumed offsets in one store transaction, so a redelivered batch never
// makes a second copy and a restart resumes exactly where the store is.
import type { Log, Consumer, MessageBatch, TopicPartition } from '../log/log.ts';
import type { StreamLog } from '../log/stream-topics.ts';
import { partitionKey } from '../log/log.ts';
import type { Store } from '../stores/store.ts';
import type { Metrics } from '../metrics.ts';

export interface IndexerOptions {
  batchSize: number;
  maxWaitMs: number;
  metrics?: Metrics;
}

export class Indexer {
  readonly group: string;
  private readonly consumer: Consumer;
  private readonly log: Log;
  private readonly streamOf: (topic: string) => string;
  private readonly store: Store;
  private readonly metrics?: Metrics;
  private running?: Promise<void>;

  constructor(streams: StreamLog, store: Store, options: IndexerOptions) {
    this.group = streams.indexerGroup;
    this.log = streams.log;
    this.streamOf = streams.topics.streamOf;
    this.store = store;
    this.metrics = options.metrics;
    this.consumer = this.log.createConsumer({
      group: this.group,
      topics: streams.topics.pattern,
      fromBeginning: true,
      maxBatchMessages: options.batchSize,
      maxWaitMs: options.maxWaitMs,
      onAssign: (partitions) => this.resumePoints(partitions),
    });
  }

  start(): void {
    this.running ??= this.consumer.run((batch) => this.index(batch));
  }

  async stop(): Promise<void> {
    await this.consumer.stop();
    await this.running;
  }

  /**
   * The store's offsets are ahead of the group's when a crash came between the store's commit and
   * the log's. The group's are ahead when another member of the group (with its own store)
   * indexed the partition meanwhile: that member's records are in its store, not to be redone.
   */
  private async resumePoints(partitions: TopicPartition[]): Promise<Map<string, number>> {
    const [stored, group] = await Promise.all([this.store.committedOffsets(this.group), this.log.describeGroup(this.group)]);
    const committed = new Map(group.partitions.map((p) => [partitionKey(p.topic, p.partition), p.committed]));
    const resume = new Map<string, number>();
    for (const { topic, partition } of partitions) {
      const key = partitionKey(topic, partition);
      const fromStore = stored.get(key);
      if (fromStore === undefined) continue;
      resume.set(key, Math.max(fromStore, committed.get(key) ?? 0));
    }
    return resume;
  }

  private async index(batch: MessageBatch): Promise<void> {
    const stream = this.streamOf(batch.topic);
    const entries = batch.messages.map((message) => ({ offset: message.offset, ingestedAt: message.timestamp, value: message.value }));
    const nextOffset = batch.messages.at(-1)!.offset + 1;
    const stopTimer = this.metrics?.storeWriteSeconds.startTimer();
    await this.store.write([{ stream, partition: batch.partition, entries }],
      [{ consumer: this.group, topic: batch.topic, partition: batch.partition, nextOffset }]);
    stopTimer?.();
    this.metrics?.indexedRecords.inc({ stream }, entries.length);
  }
}
