// The indexer: the pipeline with no steps whose output is the store stream of each topic. It reads
// every stream topic of a log in batches and writes them, as the bytes they came as, to the store
// together with the consumed offsets in one store transaction, so a redelivered batch never makes
// a second copy and a restart resumes exactly where the store is (no checkpoint file: the store's
// offsets are its checkpoint). A batch the store refuses for what a record holds is split until
// the refused records are alone; they go to the dead-letter stream with the reason and the
// partition moves on. A message carrying its own id (a pipeline's output, header tributary-id) is
// stored under it, replacing an earlier copy.
import type { Log, Consumer, MessageBatch, TopicPartition } from '../log/log.ts';
import { describeStreamGroup, type StreamLog } from '../log/stream-topics.ts';
import { partitionKey, totalLag } from '../log/log.ts';
import { UnstorableRecordError, type LogEntry, type Store } from '../stores/store.ts';
import { DEAD_LETTER_STREAM, deadLetterEntry } from './store-dead-letters.ts';
import type { Metrics } from '../metrics.ts';
import { RECORD_ID_HEADER } from '../record/id.ts';
import type { PipelineConfig } from './config.ts';
import type { PipelineStats } from './runner.ts';
import type { PipelineWorker } from './worker.ts';

export interface IndexerOptions {
  batchSize: number;
  maxWaitMs: number;
  metrics?: Metrics;
}

/** The output of every indexer: each topic's records go to the stream the topic carries. */
const EACH_TOPICS_STREAM = '(the stream of each topic)';

/** The indexer as the pipelines API and CLI show it, with its consumer group. */
export function indexingPipelineConfig(streams: StreamLog, options: IndexerOptions): PipelineConfig {
  return {
    description: 'Makes every stream searchable: each stream topic into its store stream, with the offsets in the same store transaction',
    // every topic that carries a stream, those created later too: the topics read so far are in its stats
    input: {},
    group: streams.indexerGroup,
    steps: [],
    outputs: { default: { store: EACH_TOPICS_STREAM } },
    deadLetters: { topic: DEAD_LETTER_STREAM },
    read: { maxRecords: options.batchSize, maxWait: `${options.maxWaitMs}ms` },
  };
}

/** Failures of one batch after which its records are isolated whatever the error says. */
const ISOLATE_AFTER_FAILURES = 3;

interface Destination {
  stream: string;
  topic: string;
  partition: number;
}

export class IndexingRunner implements PipelineWorker {
  readonly group: string;
  private readonly streams: StreamLog;
  private readonly log: Log;
  private readonly streamOf: (topic: string) => string;
  private readonly store: Store;
  private readonly options: IndexerOptions;
  private readonly metrics?: Metrics;
  private consumer?: Consumer;
  private running?: Promise<void>;
  private paused = false;
  /** Consecutive failures of the batch at the head of each partition. */
  private readonly failures = new Map<string, number>();
  /** Next offset per partition, written to the store. */
  private readonly positions = new Map<string, number>();
  /** The stream topics read so far: the subscription takes topics created later too. */
  private readonly topics = new Set<string>();
  private readonly counts: PipelineStats;

  constructor(name: string, streams: StreamLog, store: Store, options: IndexerOptions) {
    this.group = streams.indexerGroup;
    this.streams = streams;
    this.log = streams.log;
    this.streamOf = streams.topics.streamOf;
    this.store = store;
    this.options = options;
    this.metrics = options.metrics;
    this.counts = { name, group: this.group, inputTopics: [], recordsIn: 0, out: {}, deadLetters: {}, lateRecords: 0, duplicates: 0, dropped: 0, stateBytes: 0, state: {}, lastCheckpointAt: null };
  }

  get inputLog(): Log {
    return this.log;
  }

  async start(): Promise<void> {
    if (!this.paused) this.startConsumer();
  }

  private startConsumer(): void {
    const consumer = this.log.createConsumer({
      group: this.group,
      topics: this.streams.topics.subscription,
      fromBeginning: true,
      maxBatchMessages: this.options.batchSize,
      maxWaitMs: this.options.maxWaitMs,
      onAssign: (partitions) => this.resumePoints(partitions),
    });
    this.consumer = consumer;
    // run() retries failed batches itself; a rejection here is a bug, logged rather than ending the process
    this.running = consumer.run((batch) => this.index(batch))
      .catch((error: unknown) => console.error(`indexer ${this.group}: stopped reading`, error));
  }

  async stop(): Promise<void> {
    await this.consumer?.stop();
    await this.running;
  }

  async pause(): Promise<void> {
    if (this.paused) return;
    this.paused = true;
    await this.stop();
    this.consumer = undefined;
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.startConsumer();
  }

  stats(): PipelineStats {
    return { ...this.counts, inputTopics: [...this.topics].sort(), out: { ...this.counts.out }, deadLetters: { ...this.counts.deadLetters } };
  }

  consumedPositions(): ReadonlyMap<string, number> {
    return new Map(this.positions);
  }

  /** Only this deployment's stream topics: a group name shared with another deployment has its lag too. */
  async lag(): Promise<number> {
    return totalLag(await describeStreamGroup(this.streams));
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
    const destination = { stream: this.streamOf(batch.topic), topic: batch.topic, partition: batch.partition };
    let entries = batch.messages.map((message): LogEntry => {
      const id = message.headers[RECORD_ID_HEADER];
      return { offset: message.offset, ingestedAt: message.timestamp, value: message.value, ...(id ? { id } : {}) };
    });
    const key = partitionKey(batch.topic, batch.partition);
    const failures = this.failures.get(key) ?? 0;
    if (failures > 0) {
      // A failed write's outcome is not known: a commit that reported an error (the disk full as
      // the WAL was written) may have landed, offsets and all. What the store holds is not written again.
      const committed = (await this.store.committedOffsets(this.group)).get(key);
      if (committed !== undefined) entries = entries.filter((entry) => entry.offset >= committed);
      if (entries.length === 0) {
        this.failures.delete(key);
        return;
      }
    }
    const stopTimer = this.metrics?.storeWriteSeconds.startTimer();
    try {
      await this.writeIsolating(destination, entries, failures >= ISOLATE_AFTER_FAILURES);
      this.failures.delete(key);
    } catch (error) {
      this.failures.set(key, failures + 1);
      throw error;
    }
    stopTimer?.();
    // counted once written: a failed batch is read again
    this.counts.recordsIn += entries.length;
    this.metrics?.pipelineRecordsIn.inc({ pipeline: this.counts.name }, entries.length);
    this.positions.set(key, entries.at(-1)!.offset + 1);
    this.topics.add(batch.topic);
    this.counts.lastCheckpointAt = Date.now();
  }

  /**
   * Writes the entries, or when the store refuses them for a record's content (or `always`),
   * halves them until each refused record is alone and dead-letters it. A store that is down
   * refuses the dead letter too, so the batch is retried and nothing is lost.
   */
  private async writeIsolating(destination: Destination, entries: LogEntry[], always: boolean): Promise<void> {
    try {
      await this.writeEntries(destination, destination.stream, entries);
      this.metrics?.indexedRecords.inc({ stream: destination.stream }, entries.length);
      this.counts.out.default = (this.counts.out.default ?? 0) + entries.length;
      this.metrics?.pipelineRecordsOut.inc({ pipeline: this.counts.name, output: 'default' }, entries.length);
    } catch (error) {
      if (!(error instanceof UnstorableRecordError) && !always) throw error;
      if (entries.length === 1) return this.deadLetter(destination, entries[0]!, (error as Error).message);
      const half = Math.ceil(entries.length / 2);
      await this.writeIsolating(destination, entries.slice(0, half), always);
      await this.writeIsolating(destination, entries.slice(half), always);
    }
  }

  private async deadLetter(destination: Destination, entry: LogEntry, reason: string): Promise<void> {
    await this.writeEntries(destination, DEAD_LETTER_STREAM, [deadLetterEntry(entry, destination, reason)]);
    this.metrics?.deadLetters.inc({ stream: destination.stream });
    this.counts.deadLetters.store = (this.counts.deadLetters.store ?? 0) + 1;
    this.metrics?.pipelineDeadLetters.inc({ pipeline: this.counts.name, step: 'store' });
  }

  /** The entries and the partition's next offset, in one store transaction. */
  private writeEntries(destination: Destination, stream: string, entries: LogEntry[]): Promise<void> {
    const nextOffset = entries.at(-1)!.offset + 1;
    return this.store.write([{ stream, topic: destination.topic, partition: destination.partition, entries }],
      [{ consumer: this.group, topic: destination.topic, partition: destination.partition, nextOffset }]);
  }
}
