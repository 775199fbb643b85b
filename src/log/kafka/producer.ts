// One idempotent producer (acks=all) behind a queue: only one send() is ever in flight, because
// several concurrent sends on one idempotent producer of @platformatic/kafka fail with
// OUT_OF_ORDER_SEQUENCE_NUMBER. Produce calls that arrive while a send is in flight are merged
// into the next send, so concurrency still turns into large batches.
import { Producer, ProduceAcks } from '@platformatic/kafka';
import type { ProduceMessage, ProduceResult } from '../log.ts';
import { LogError } from '../log.ts';
import { partitionForKey, StickyRoundRobin } from '../partitioner.ts';
import { describeError, hasApiError, toLogError } from './errors.ts';

export interface KafkaProducerOptions {
  brokers: string[];
  clientId: string;
  /** Attempts per request before a produce call fails; with retryDelayMs ≈ how long a broker may be gone. */
  retries: number;
  /** Upper bound of the backoff between attempts (it grows 100, 200, 400… ms up to this). */
  maxRetryDelayMs: number;
  requestTimeoutMs: number;
  /** Messages merged into one send at most. */
  maxSendMessages: number;
}

interface Prepared {
  topic: string;
  partition: number;
  key: Buffer | undefined;
  value: Buffer;
  timestamp: bigint;
  headers: Record<string, Buffer> | undefined;
}

interface Pending {
  messages: Prepared[];
  resolve: (results: ProduceResult[]) => void;
  reject: (err: Error) => void;
}

export class KafkaProducer {
  readonly #producer: Producer<Buffer, Buffer, string, Buffer>;
  readonly #maxSend: number;
  readonly #queue: Pending[] = [];
  readonly #partitionCounts = new Map<string, { count: number; at: number }>();
  readonly #spread = new Map<string, StickyRoundRobin>();
  #running = false;
  #closed = false;
  #idle: Promise<void> = Promise.resolve();
  #idleResolve: (() => void) | null = null;

  constructor(options: KafkaProducerOptions) {
    this.#maxSend = options.maxSendMessages;
    const maxDelay = options.maxRetryDelayMs;
    this.#producer = new Producer<Buffer, Buffer, string, Buffer>({
      clientId: options.clientId,
      bootstrapBrokers: options.brokers,
      idempotent: true,
      acks: ProduceAcks.ALL,
      autocreateTopics: false,
      repeatOnStaleMetadata: true,
      retries: options.retries,
      retryDelay: (_client, _op, attempt) => Math.min(100 * 2 ** Math.max(0, attempt - 1), maxDelay),
      timeout: options.requestTimeoutMs,
      requestTimeout: options.requestTimeoutMs,
      connectTimeout: 3000,
      metadataMaxAge: 30_000,
      serializers: {
        headerKey: (k?: string) => (k === undefined ? undefined : Buffer.from(k, 'utf8')),
      },
    });
  }

  /** Partition count of a topic, cached briefly; rejects UNKNOWN_TOPIC for a missing topic. */
  async partitionCount(topic: string, refresh = false): Promise<number> {
    const cached = this.#partitionCounts.get(topic);
    if (cached && !refresh && Date.now() - cached.at < 30_000) return cached.count;
    let md;
    try {
      // first without retries: a missing topic must fail fast, not after the whole retry window
      md = await this.#producer.metadata({ topics: [topic], forceUpdate: true, autocreateTopics: false, retries: 0 });
    } catch (first) {
      const e = toLogError(first, `produce to ${topic}`);
      if (e.code !== 'UNAVAILABLE') throw e;
      try {
        md = await this.#producer.metadata({ topics: [topic], forceUpdate: true, autocreateTopics: false });
      } catch (err) {
        throw toLogError(err, `produce to ${topic}`);
      }
    }
    const t = md.topics.get(topic);
    if (!t) throw new LogError('UNKNOWN_TOPIC', `produce to ${topic}: unknown topic`);
    this.#partitionCounts.set(topic, { count: t.partitionsCount, at: Date.now() });
    return t.partitionsCount;
  }

  forgetTopic(topic: string): void {
    this.#partitionCounts.delete(topic);
  }

  async produce(topic: string, messages: ProduceMessage[]): Promise<ProduceResult[]> {
    if (this.#closed) throw new LogError('CLOSED', 'log is closed');
    if (!Array.isArray(messages)) throw new LogError('INVALID_ARGUMENT', 'messages must be an array');
    if (messages.length === 0) return [];
    const count = await this.partitionCount(topic);
    let spread = this.#spread.get(topic);
    if (!spread) {
      spread = new StickyRoundRobin();
      this.#spread.set(topic, spread);
    }
    // one partition per call for unkeyed messages: the call stays one record batch
    let unkeyedPartition = -1;
    const now = BigInt(Date.now());
    const prepared: Prepared[] = messages.map((m) => {
      if (!m || !Buffer.isBuffer(m.value)) throw new LogError('INVALID_ARGUMENT', 'message value must be a Buffer');
      const key = m.key === null || m.key === undefined ? undefined : typeof m.key === 'string' ? Buffer.from(m.key, 'utf8') : m.key;
      let partition: number;
      if (m.partition !== undefined) {
        if (!Number.isInteger(m.partition) || m.partition < 0 || m.partition >= count) {
          throw new LogError('INVALID_ARGUMENT', `partition ${m.partition} out of range for ${topic} (${count} partitions)`);
        }
        partition = m.partition;
      } else if (key !== undefined) {
        partition = partitionForKey(key, count);
      } else {
        if (unkeyedPartition < 0) unkeyedPartition = spread.nextPartition(count);
        partition = unkeyedPartition;
      }
      let headers: Record<string, Buffer> | undefined;
      if (m.headers) {
        headers = {};
        for (const [k, v] of Object.entries(m.headers)) headers[k] = Buffer.from(String(v), 'utf8');
      }
      return {
        topic,
        partition,
        key,
        value: m.value,
        timestamp: m.timestamp === undefined ? now : BigInt(Math.trunc(m.timestamp)),
        headers,
      };
    });
    return new Promise<ProduceResult[]>((resolve, reject) => {
      this.#queue.push({ messages: prepared, resolve, reject });
      if (!this.#running) void this.#drain();
    });
  }

  async #drain(): Promise<void> {
    this.#running = true;
    this.#idle = new Promise<void>((r) => (this.#idleResolve = r));
    try {
      while (this.#queue.length > 0) {
        // take whole produce calls until the batch is full (a single large call is never split)
        const group: Pending[] = [];
        let n = 0;
        while (this.#queue.length > 0 && (group.length === 0 || n + this.#queue[0]!.messages.length <= this.#maxSend)) {
          const p = this.#queue.shift()!;
          group.push(p);
          n += p.messages.length;
        }
        await this.#sendGroup(group);
      }
    } finally {
      this.#running = false;
      this.#idleResolve?.();
    }
  }

  async #sendGroup(group: Pending[]): Promise<void> {
    const all: Prepared[] = [];
    for (const p of group) for (const m of p.messages) all.push(m);
    try {
      const result = await this.#producer.send({
        messages: all.map((m) => ({
          topic: m.topic,
          partition: m.partition,
          key: m.key,
          value: m.value,
          timestamp: m.timestamp,
          headers: m.headers,
        })),
      });
      // one base offset per topic-partition; messages of a partition got consecutive offsets in
      // the order they were sent
      const next = new Map<string, number>();
      for (const o of result.offsets ?? []) next.set(`${o.topic}:${o.partition}`, Number(o.offset));
      for (const p of group) {
        const out: ProduceResult[] = [];
        for (const m of p.messages) {
          const k = `${m.topic}:${m.partition}`;
          const offset = next.get(k);
          if (offset === undefined) throw new Error(`broker returned no offset for ${k}`);
          next.set(k, offset + 1);
          out.push({ partition: m.partition, offset });
        }
        p.resolve(out);
      }
    } catch (err) {
      if (hasApiError(err, 'UNKNOWN_TOPIC_OR_PARTITION')) {
        for (const p of group) for (const m of p.messages) this.#partitionCounts.delete(m.topic);
      }
      const e = toLogError(err, 'produce');
      for (const p of group) p.reject(e);
      if (e.code === 'UNAVAILABLE') {
        // keep the reason visible; the next send re-initializes the idempotent producer
        e.message = `produce failed after retries: ${describeError(err)}`;
      }
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#running) await this.#idle;
    await this.#producer.close();
  }
}
