// Where a pipeline's records go, durably, before its offsets move. A topic output is a stream's
// topic on the log (created on first use and marked so the indexer makes it searchable); every
// message carries a deterministic id (header tributary-id), from the window and key or from its
// origin, so a record sent again after a restart replaces the stored one. A store output writes
// straight into a store stream with the consumed offsets in the same transaction, the indexer's
// exactly-once path: records at offsets the store already has are skipped.
import type { Log, ProduceMessage, TopicMessages } from '../log/log.ts';
import { partitionKey } from '../log/log.ts';
import { routeStream, type StreamLog } from '../log/stream-topics.ts';
import type { OffsetCommit, Store, WriteBatch } from '../stores/store.ts';
import type { OutputConfig } from './config.ts';
import type { PipelineRecord } from './step.ts';
import { RECORD_ID_HEADER } from '../record/id.ts';

export interface OutputContext {
  pipeline: string;
  group: string;
  streams: StreamLog[];
  store: Store;
  /** Partitions of a stream's topic created for an output. */
  partitionsOf: (stream: string) => number;
}

interface ResolvedTopic {
  log: Log;
  topic: string;
}

/** A record on its way out, with the id it is stored under when it has one of its own. */
export interface OutgoingRecord {
  record: PipelineRecord;
  id?: string;
  /** The body's text when it was taken earlier (an emitted record); else serialized here. */
  value?: Buffer;
}

export class Outputs {
  readonly #context: OutputContext;
  readonly #configs: Record<string, OutputConfig>;
  readonly #topics = new Map<string, Promise<ResolvedTopic>>();
  /** Per store output consumer and partition: the next offset the store has. */
  readonly #stored = new Map<string, number>();

  constructor(configs: Record<string, OutputConfig>, context: OutputContext) {
    this.#configs = configs;
    this.#context = context;
  }

  has(name: string): boolean {
    return Object.hasOwn(this.#configs, name);
  }

  names(): string[] {
    return Object.keys(this.#configs);
  }

  /** Reads what the store outputs already hold (at start and after a rebalance). */
  async loadStored(): Promise<void> {
    this.#stored.clear();
    for (const config of Object.values(this.#configs)) {
      if (!('store' in config)) continue;
      const consumer = this.#storeConsumer(config.store);
      for (const [key, next] of await this.#context.store.committedOffsets(consumer)) this.#stored.set(`${consumer}\u0000${key}`, next);
    }
  }

  /** Writes the records of each output, durable on return. Outputs by name; every name exists. */
  async write(byOutput: Map<string, OutgoingRecord[]>, extraTopics: Array<{ topic: string; records: OutgoingRecord[] }> = []): Promise<void> {
    const produce: Array<{ resolved: ResolvedTopic; records: OutgoingRecord[] }> = [];
    const storeWrites: Array<Promise<void>> = [];
    for (const [name, records] of byOutput) {
      if (records.length === 0) continue;
      const config = this.#configs[name]!;
      if ('topic' in config) produce.push({ resolved: await this.#resolve(config.topic), records });
      else storeWrites.push(this.#writeStore(config.store, records));
    }
    for (const { topic, records } of extraTopics) if (records.length > 0) produce.push({ resolved: await this.#resolve(topic), records });
    const byLog = new Map<Log, TopicMessages[]>();
    const serialized = serializer();
    for (const { resolved, records } of produce) {
      const batches = byLog.get(resolved.log) ?? [];
      batches.push({ topic: resolved.topic, messages: records.map((record) => message(record, serialized)) });
      byLog.set(resolved.log, batches);
    }
    await Promise.all([...[...byLog].map(([log, batches]) => log.produceMany(batches)), ...storeWrites]);
  }

  #storeConsumer(stream: string): string {
    return `${this.#context.group}:${stream}`;
  }

  /**
   * One write per input partition, its offset with it: the store keeps a partition's writes in
   * order (one writer lane each), and writes of several partitions go side by side. Records with
   * an id of their own travel in a batch of their own (they replace by id, not by position).
   */
  async #writeStore(stream: string, records: OutgoingRecord[]): Promise<void> {
    const consumer = this.#storeConsumer(stream);
    type Writes = { positional: WriteBatch; own: WriteBatch; commit?: OffsetCommit; stored: number };
    const partitions = new Map<string, Writes>();
    // records come in runs of one partition: its writes are looked up once a run
    let writes: Writes | undefined;
    for (const { record, id, value: text } of records) {
      const { topic, partition, offset, ingestedAt } = record.origin;
      if (writes?.positional.topic !== topic || writes.positional.partition !== partition) {
        const key = partitionKey(topic, partition);
        writes = partitions.get(key);
        if (!writes) {
          writes = { positional: { stream, topic, partition, entries: [] }, own: { stream, topic, partition, entries: [] }, stored: this.#stored.get(`${consumer}\u0000${key}`) ?? 0 };
          partitions.set(key, writes);
        }
      }
      if (id === undefined && offset < writes.stored) continue;
      const value = text ?? Buffer.from(JSON.stringify(record.body));
      if (id !== undefined) {
        writes.own.entries.push({ offset, ingestedAt, value, id });
        continue;
      }
      writes.positional.entries.push({ offset, ingestedAt, value });
      if (!writes.commit || writes.commit.nextOffset <= offset) writes.commit = { consumer, topic, partition, nextOffset: offset + 1 };
    }
    await Promise.all([...partitions].map(async ([key, { positional, own, commit }]) => {
      const batches = [positional, own].filter((batch) => batch.entries.length > 0);
      for (const batch of batches) batch.entries.sort((a, b) => a.offset - b.offset);
      await this.#context.store.write(batches, commit ? [commit] : []);
      if (commit) this.#stored.set(`${consumer}\u0000${key}`, commit.nextOffset);
    }));
  }

  #resolve(stream: string): Promise<ResolvedTopic> {
    let resolved = this.#topics.get(stream);
    if (!resolved) {
      resolved = (async () => {
        const route = routeStream(this.#context.streams, stream);
        await route.log.createTopic(route.topic, { partitions: this.#context.partitionsOf(stream), ...route.mark });
        return { log: route.log, topic: route.topic };
      })();
      resolved.catch(() => this.#topics.delete(stream));
      this.#topics.set(stream, resolved);
    }
    return resolved;
  }
}

/**
 * Serializes each body once per write (or emit): a record routed to several outputs (Sunbird's
 * unique and primary) shares one body object. Not kept across writes, where a step may have changed it.
 */
export function serializer(): (body: Record<string, unknown>) => Buffer {
  const done = new Map<object, Buffer>();
  return (body) => {
    let value = done.get(body);
    if (value === undefined) {
      value = Buffer.from(JSON.stringify(body));
      done.set(body, value);
    }
    return value;
  };
}

/**
 * Keyed by its id: every copy of a record (sent again after a restart) goes to one partition, so
 * the indexer stores them in order and the later replaces the earlier; on two partitions their
 * writes could run side by side and both stay.
 */
function message({ record, id, value: text }: OutgoingRecord, serialized: (body: Record<string, unknown>) => Buffer): ProduceMessage {
  const value = text ?? serialized(record.body);
  return id === undefined ? { value } : { key: id, value, headers: { [RECORD_ID_HEADER]: id } };
}
