// One idempotent producer (acks=all) behind a queue: only one send() is ever in flight, because
// several concurrent sends on one idempotent producer of @platformatic/kafka fail with
// OUT_OF_ORDER_SEQUENCE_NUMBER. Produce calls that arrive while a send is in flight are merged
// into the next send, so concurrency still turns into large batches, each partition's batch
// kept under the size a broker accepts.
import { Producer, ProduceAcks } from '@platformatic/kafka';
import type { ProduceMessage, ProduceResult, TopicMessages } from '../log.ts';
import { LogError } from '../log.ts';
import { partitionForKey, StickyRoundRobin } from '../partitioner.ts';
import { describeError, toLogError } from './errors.ts';

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
  /** Bytes of messages for one partition in one send at most (under the broker's max.message.bytes). */
  maxBatchBytes: number;
}

interface Prepared {
  topic: string;
  partition: number;
  key: Buffer | undefined;
  value: Buffer;
  timestamp: bigint;
  headers: Record<string, Buffer> | undefined;
  /** Bytes the message takes in a record batch, about. */
  size: number;
}

/** One produce call. */
interface Pending {
  messages: Prepared[];
  results: ProduceResult[];
  /** Messages handed to a send so far. */
  sent: number;
  /** Messages a send acknowledged. */
  settled: number;
  failed: boolean;
  resolve: (results: ProduceResult[]) => void;
  reject: (err: Error) => void;
}

/** Messages from..to of one call, in one send. */
interface Slice {
  call: Pending;
  from: number;
  to: number;
}

/** Varints, attributes and deltas of a record in a batch, at most. */
const RECORD_OVERHEAD_BYTES = 24;

export class KafkaProducer {
  readonly #producer: Producer<Buffer, Buffer, string, Buffer>;
  readonly #maxSend: number;
  readonly #maxBatchBytes: number;
  readonly #queue: Pending[] = [];
  readonly #partitionCounts = new Map<string, { count: number; at: number }>();
  readonly #spread = new Map<string, StickyRoundRobin>();
  #running = false;
  #closed = false;
  #idle: Promise<void> = Promise.resolve();
  #idleResolve: (() => void) | null = null;

  constructor(options: KafkaProducerOptions) {
    this.#maxSend = options.maxSendMessages;
    this.#maxBatchBytes = options.maxBatchBytes;
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

  /**
   * One call's messages, for one topic or several, go out together: in one send when they fit,
   * else in consecutive sends of the queue. Results per entry, in input order.
   */
  async produceMany(batches: TopicMessages[]): Promise<ProduceResult[][]> {
    if (this.#closed) throw new LogError('CLOSED', 'log is closed');
    if (!Array.isArray(batches) || batches.some((batch) => !Array.isArray(batch?.messages))) {
      throw new LogError('INVALID_ARGUMENT', 'produceMany takes an array of {topic, messages: [...]}');
    }
    const now = BigInt(Date.now());
    const prepared: Prepared[] = [];
    for (const { topic, messages } of batches) {
      if (messages.length === 0) continue;
      prepared.push(...this.#prepare(topic, messages, await this.partitionCount(topic), now));
    }
    const flat = prepared.length === 0 ? [] : await new Promise<ProduceResult[]>((resolve, reject) => {
      this.#queue.push({ messages: prepared, results: [], sent: 0, settled: 0, failed: false, resolve, reject });
      if (!this.#running) void this.#drain();
    });
    let next = 0;
    return batches.map(({ messages }) => flat.slice(next, (next += messages.length)));
  }

  #prepare(topic: string, messages: ProduceMessage[], count: number, now: bigint): Prepared[] {
    let spread = this.#spread.get(topic);
    if (!spread) {
      spread = new StickyRoundRobin();
      this.#spread.set(topic, spread);
    }
    // one partition per topic and call for unkeyed messages: the call stays one record batch
    let unkeyedPartition = -1;
    return messages.map((m) => {
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
      let size = RECORD_OVERHEAD_BYTES + m.value.length + (key?.length ?? 0);
      if (m.headers) {
        headers = {};
        for (const [k, v] of Object.entries(m.headers)) {
          headers[k] = Buffer.from(String(v), 'utf8');
          size += Buffer.byteLength(k) + headers[k].length + 2;
        }
      }
      return {
        topic,
        partition,
        key,
        value: m.value,
        timestamp: m.timestamp === undefined ? now : BigInt(Math.trunc(m.timestamp)),
        headers,
        size,
      };
    });
  }

  async #drain(): Promise<void> {
    this.#running = true;
    this.#idle = new Promise<void>((r) => (this.#idleResolve = r));
    try {
      while (this.#queue.length > 0) await this.#send(this.#takeSend());
    } finally {
      this.#running = false;
      this.#idleResolve?.();
    }
  }

  /**
   * The next send: produce calls in arrival order, up to maxSendMessages messages and, per
   * partition, maxBatchBytes (the broker refuses a record batch over its max.message.bytes, so
   * a large call goes out in several sends). A message over maxBatchBytes goes out alone: if the
   * broker refuses it, no other call fails with it, and nothing of another call was appended by
   * a send that failed (sending that again would duplicate it).
   */
  #takeSend(): Slice[] {
    const slices: Slice[] = [];
    const bytes = new Map<string, number>();
    let count = 0;
    let full = false;
    while (this.#queue.length > 0 && !full) {
      const call = this.#queue[0]!;
      let end = call.sent;
      for (; end < call.messages.length; end++) {
        const m = call.messages[end]!;
        const partition = `${m.topic}:${m.partition}`;
        const used = bytes.get(partition) ?? 0;
        const oversized = m.size > this.#maxBatchBytes;
        if (count > 0 && (count >= this.#maxSend || used + m.size > this.#maxBatchBytes)) {
          full = true;
          break;
        }
        bytes.set(partition, used + m.size);
        count += 1;
        if (oversized) {
          full = true;
          end += 1;
          break;
        }
      }
      if (end > call.sent) slices.push({ call, from: call.sent, to: end });
      call.sent = end;
      if (end < call.messages.length) break;
      this.#queue.shift();
    }
    return slices;
  }

  async #send(slices: Slice[]): Promise<void> {
    const live = slices.filter((slice) => !slice.call.failed);
    if (live.length === 0) return;
    try {
      const result = await this.#producer.send({
        messages: live.flatMap(({ call, from, to }) => call.messages.slice(from, to).map((m) => ({
          topic: m.topic,
          partition: m.partition,
          key: m.key,
          value: m.value,
          timestamp: m.timestamp,
          headers: m.headers,
        }))),
      });
      // one base offset per topic-partition; messages of a partition got consecutive offsets in
      // the order they were sent
      const next = new Map<string, number>();
      for (const o of result.offsets ?? []) next.set(`${o.topic}:${o.partition}`, Number(o.offset));
      for (const { call, from, to } of live) {
        for (let i = from; i < to; i++) {
          const m = call.messages[i]!;
          const k = `${m.topic}:${m.partition}`;
          const offset = next.get(k);
          if (offset === undefined) throw new Error(`broker returned no offset for ${k}`);
          next.set(k, offset + 1);
          call.results[i] = { partition: m.partition, offset };
        }
        call.settled += to - from;
        if (call.settled === call.messages.length) call.resolve(call.results);
      }
    } catch (err) {
      const e = toLogError(err, 'produce');
      if (e.code === 'UNKNOWN_TOPIC') {
        for (const { call } of live) for (const m of call.messages) this.#partitionCounts.delete(m.topic);
      }
      if (e.code === 'UNAVAILABLE') {
        // keep the reason visible; the next send re-initializes the idempotent producer
        e.message = `produce failed after retries: ${describeError(err)}`;
      }
      for (const { call } of live) this.#fail(call, e);
    }
  }

  /** Rejects the call; the messages of it still queued are not sent. */
  #fail(call: Pending, error: LogError): void {
    if (call.failed) return;
    call.failed = true;
    if (this.#queue[0] === call) this.#queue.shift();
    call.reject(error);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#running) await this.#idle;
    await this.#producer.close();
  }
}
