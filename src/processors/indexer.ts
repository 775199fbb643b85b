// The indexing processor: reads every stream topic of the log in batches and writes them to the
// store together with the consumed offsets in one store transaction, so a redelivered batch never
// makes a second copy and a restart resumes exactly where the store is.
import type { Log, Consumer, MessageBatch, ConsumedMessage, TopicPartition } from '../log/log.ts';
import { partitionKey } from '../log/log.ts';
import type { Store, StoredRecord } from '../stores/store.ts';
import { toRecord, isPlainObject } from '../record/normalize.ts';
import { positionId } from '../record/id.ts';
import type { Metrics } from '../api/metrics.ts';

/** Stream topics: internal topics (leading underscore) are not indexed. */
export const STREAM_TOPICS = /^[A-Za-z0-9]/;

export interface IndexerOptions {
  group?: string;
  topics?: string[] | RegExp;
  batchSize: number;
  maxWaitMs: number;
  metrics?: Metrics;
}

/** A message value that is not a JSON object (a plain text line from another producer) is kept as its message. */
export function messageBody(value: Buffer): { body: Record<string, unknown>; json: string } {
  const text = value.toString('utf8');
  try {
    const parsed: unknown = JSON.parse(text);
    if (isPlainObject(parsed)) return { body: parsed, json: text };
  } catch {
    // not JSON: fall through
  }
  const body = { message: text };
  return { body, json: JSON.stringify(body) };
}

export function toStoredRecord(message: ConsumedMessage): StoredRecord {
  const { body, json } = messageBody(message.value);
  const record = toRecord(body, {
    stream: message.topic,
    id: positionId(message.timestamp, message.partition, message.offset),
    ingestedAt: message.timestamp,
  });
  return { id: record.id, stream: record.stream, ts: record.ts, ingestedAt: record.ingestedAt, level: record.level, message: record.message, bodyJson: json };
}

export class Indexer {
  readonly group: string;
  private readonly consumer: Consumer;
  private readonly store: Store;
  private readonly metrics?: Metrics;
  private running?: Promise<void>;

  constructor(log: Log, store: Store, options: IndexerOptions) {
    this.group = options.group ?? 'tributary-indexer';
    this.store = store;
    this.metrics = options.metrics;
    this.consumer = log.createConsumer({
      group: this.group,
      topics: options.topics ?? STREAM_TOPICS,
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

  private async resumePoints(partitions: TopicPartition[]): Promise<Map<string, number>> {
    const stored = await this.store.committedOffsets(this.group);
    const wanted = new Set(partitions.map((p) => partitionKey(p.topic, p.partition)));
    return new Map([...stored].filter(([key]) => wanted.has(key)));
  }

  private async index(batch: MessageBatch): Promise<void> {
    const records = batch.messages.map(toStoredRecord);
    const nextOffset = batch.messages.at(-1)!.offset + 1;
    const stopTimer = this.metrics?.storeWriteSeconds.startTimer();
    await this.store.write(records, [{ consumer: this.group, topic: batch.topic, partition: batch.partition, nextOffset }]);
    stopTimer?.();
    this.metrics?.indexedRecords.inc({ stream: batch.topic }, records.length);
  }
}
