// The Kafka engine of the log layer: real Apache Kafka through @platformatic/kafka.
import { Admin } from '@platformatic/kafka';
import type {
  Consumer,
  ConsumerOptions,
  GroupDescription,
  GroupPartitionLag,
  Log,
  PartitionInfo,
  ProduceMessage,
  ProduceResult,
  TopicConfig,
  TopicDescription,
  TopicMessages,
} from '../log.ts';
import { LogError } from '../log.ts';
import { KafkaGroupConsumer } from './consumer.ts';
import { describeError, hasApiError, toLogError } from './errors.ts';
import { consoleLogger, RateLimitedLogger, type KafkaLogger } from './kafka-logger.ts';
import { KafkaProducer } from './producer.ts';

export interface KafkaLogOptions {
  /** Bootstrap brokers, host:port. */
  brokers: string[];
  clientId?: string;
  /**
   * Replication factor of topics this log creates. Default: the cluster's own
   * (default.replication.factor), so a production cluster's setting is never overridden with 1.
   */
  replicationFactor?: number;
  /**
   * How long a produce call keeps retrying while the broker is unreachable (default 30 s, so a
   * broker restart of 10–20 s is ridden out). Reached through retries × growing backoff.
   */
  produceRetryWindowMs?: number;
  /** Per-request timeout (default 30 s). */
  requestTimeoutMs?: number;
  /** Produce calls merged into one send up to this many messages (default 20 000). */
  maxSendMessages?: number;
  /**
   * Bytes of messages for one partition in one send at most (default 1,000,000: under Kafka's
   * default max.message.bytes of 1,048,588 with room for the batch's own bytes).
   */
  maxBatchBytes?: number;
  /** Consumer-group session timeout (default 10 s; broker minimum 6 s). */
  sessionTimeoutMs?: number;
  /** Consumer-group heartbeat interval (default 1 s). */
  heartbeatIntervalMs?: number;
  /** How long a member may take to finish its in-flight batches on a rebalance (default 60 s). */
  rebalanceTimeoutMs?: number;
  /** How often a consumer looks for topics created or deleted since (default 5 s). */
  patternRefreshMs?: number;
  /** Where errors the engine rides out go, each kind at most every 30 s (default: stderr). */
  logger?: KafkaLogger;
}

export interface ResolvedKafkaLogOptions extends Required<Omit<KafkaLogOptions, 'clientId' | 'replicationFactor' | 'logger'>> {
  clientId: string;
  replicationFactor: number | undefined;
  logger: RateLimitedLogger;
}

const MAX_RETRY_DELAY_MS = 2000;

/** Attempts needed so the summed backoff (100, 200, 400, … capped) covers windowMs. */
function retriesFor(windowMs: number): number {
  let total = 0;
  let n = 0;
  while (total < windowMs && n < 1000) {
    n += 1;
    total += Math.min(100 * 2 ** (n - 1), MAX_RETRY_DELAY_MS);
  }
  return n;
}

function configValue(value: number | undefined): string {
  return value === undefined ? '-1' : String(Math.trunc(value));
}

function parseConfigNumber(value: string | null | undefined): number | undefined {
  if (value === null || value === undefined) return undefined;
  const n = Number(value);
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}

class KafkaLog implements Log {
  readonly engine = 'kafka' as const;
  readonly #opts: ResolvedKafkaLogOptions;
  readonly #admin: Admin;
  readonly #producer: KafkaProducer;
  readonly #consumers = new Set<KafkaGroupConsumer>();
  #closed = false;

  constructor(opts: ResolvedKafkaLogOptions) {
    this.#opts = opts;
    this.#admin = new Admin({
      clientId: `${opts.clientId}-admin`,
      bootstrapBrokers: opts.brokers,
      retries: 5,
      retryDelay: 500,
      timeout: opts.requestTimeoutMs,
      requestTimeout: opts.requestTimeoutMs,
      connectTimeout: 3000,
    });
    this.#producer = new KafkaProducer({
      brokers: opts.brokers,
      clientId: `${opts.clientId}-producer`,
      retries: retriesFor(opts.produceRetryWindowMs),
      maxRetryDelayMs: MAX_RETRY_DELAY_MS,
      requestTimeoutMs: opts.requestTimeoutMs,
      maxSendMessages: opts.maxSendMessages,
      maxBatchBytes: opts.maxBatchBytes,
    });
  }

  #check(): void {
    if (this.#closed) throw new LogError('CLOSED', 'log is closed');
  }

  /** Fails fast with UNAVAILABLE when no broker answers. */
  async ping(): Promise<void> {
    try {
      const md = await this.#admin.metadata({ topics: [] });
      if (md.brokers.size === 0) throw new Error('metadata lists no broker');
    } catch (err) {
      throw toLogError(err, `kafka at ${this.#opts.brokers.join(',')}`);
    }
  }

  async createTopic(name: string, config: TopicConfig): Promise<boolean> {
    this.#check();
    if (!name || typeof name !== 'string') throw new LogError('INVALID_ARGUMENT', 'topic name required');
    if (!config || !Number.isInteger(config.partitions) || config.partitions < 1) {
      throw new LogError('INVALID_ARGUMENT', `partitions must be a positive integer, got ${config?.partitions}`);
    }
    if (config.stream !== undefined) {
      throw new LogError('INVALID_ARGUMENT', `create topic ${name}: a Kafka topic carries no stream mark; Tributary indexes the topics under its stream prefix (log.kafka.topicPrefix, e.g. tributary.${config.stream}) and those a kafka-topic source names (--kafka-topic ${name})`);
    }
    try {
      await this.#admin.createTopics({
        topics: [name],
        partitions: config.partitions,
        // left out: the cluster's default.replication.factor (CreateTopics sends -1)
        ...(this.#opts.replicationFactor === undefined ? {} : { replicas: this.#opts.replicationFactor }),
        configs: [
          // Kafka's default is 7 days; the log layer's default is "keep forever"
          { name: 'retention.ms', value: configValue(config.retentionMs) },
          { name: 'retention.bytes', value: configValue(config.retentionBytes) },
        ],
      });
    } catch (err) {
      if (hasApiError(err, 'TOPIC_ALREADY_EXISTS')) return false;
      if (hasApiError(err, 'INVALID_REPLICATION_FACTOR')) throw this.#replicationError(name, err);
      throw toLogError(err, `create topic ${name}`);
    }
    await this.#waitForTopic(name, true);
    return true;
  }

  #replicationError(name: string, err: unknown): LogError {
    const factor = this.#opts.replicationFactor;
    const why = factor === undefined
      ? "the cluster cannot give it its own default replication factor: lower the brokers' default.replication.factor, or set one (log.kafka.replicationFactor; tributary topics create --replication-factor)"
      : `the cluster cannot give it replication factor ${factor}: set a lower one (log.kafka.replicationFactor; tributary topics create --replication-factor), or none for the cluster's default`;
    return new LogError('INVALID_ARGUMENT', `create topic ${name}: ${why} (${describeError(err)})`);
  }

  /** Metadata propagates asynchronously after create/delete; wait until the broker agrees. */
  async #waitForTopic(name: string, present: boolean): Promise<void> {
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      try {
        const topics = await this.#admin.listTopics();
        if (topics.includes(name) === present) {
          if (!present) return;
          const md = await this.#admin.metadata({ topics: [name], forceUpdate: true });
          const t = md.topics.get(name);
          if (t && t.partitions.every((p) => p && p.leader >= 0)) return;
        }
      } catch {
        // not yet
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async listTopics(): Promise<string[]> {
    this.#check();
    try {
      const topics = await this.#admin.listTopics({ includeInternals: false });
      return topics.filter((t) => !t.startsWith('__')).sort();
    } catch (err) {
      throw toLogError(err, 'list topics');
    }
  }

  async #partitionCount(name: string): Promise<number> {
    let md;
    try {
      md = await this.#admin.metadata({ topics: [name], forceUpdate: true, autocreateTopics: false });
    } catch (err) {
      throw toLogError(err, `describe topic ${name}`);
    }
    const t = md.topics.get(name);
    if (!t) throw new LogError('UNKNOWN_TOPIC', `unknown topic ${name}`);
    return t.partitionsCount;
  }

  /** Start (earliest) and end (high watermark) offset of every partition of the topics. */
  async #offsets(topics: Map<string, number>): Promise<Map<string, PartitionInfo>> {
    const out = new Map<string, PartitionInfo>();
    if (topics.size === 0) return out;
    const request = (ts: bigint) =>
      this.#admin.listOffsets({
        topics: [...topics].map(([name, count]) => ({
          name,
          partitions: Array.from({ length: count }, (_, i) => ({ partitionIndex: i, timestamp: ts })),
        })),
      });
    const [earliest, latest] = await Promise.all([request(-2n), request(-1n)]);
    for (const t of latest) {
      for (const p of t.partitions) {
        out.set(`${t.name}:${p.partitionIndex}`, { partition: p.partitionIndex, startOffset: 0, endOffset: Number(p.offset) });
      }
    }
    for (const t of earliest) {
      for (const p of t.partitions) {
        const info = out.get(`${t.name}:${p.partitionIndex}`);
        if (info) info.startOffset = Number(p.offset);
      }
    }
    return out;
  }

  async describeTopic(name: string): Promise<TopicDescription> {
    this.#check();
    const count = await this.#partitionCount(name);
    try {
      const [offsets, configs] = await Promise.all([
        this.#offsets(new Map([[name, count]])),
        this.#admin.describeConfigs({
          resources: [{ resourceType: 2, resourceName: name, configurationKeys: ['retention.ms', 'retention.bytes'] }],
        }),
      ]);
      const config: TopicConfig = { partitions: count };
      for (const entry of configs[0]?.configs ?? []) {
        const v = parseConfigNumber(entry.value);
        if (entry.name === 'retention.ms' && v !== undefined) config.retentionMs = v;
        if (entry.name === 'retention.bytes' && v !== undefined) config.retentionBytes = v;
      }
      const partitions: PartitionInfo[] = [];
      for (let i = 0; i < count; i++) partitions.push(offsets.get(`${name}:${i}`) ?? { partition: i, startOffset: 0, endOffset: 0 });
      return { name, partitions, config };
    } catch (err) {
      throw toLogError(err, `describe topic ${name}`);
    }
  }

  async deleteTopic(name: string): Promise<void> {
    this.#check();
    try {
      await this.#admin.deleteTopics({ topics: [name] });
    } catch (err) {
      throw toLogError(err, `delete topic ${name}`);
    } finally {
      this.#producer.forgetTopic(name);
    }
    await this.#waitForTopic(name, false);
  }

  async produce(topic: string, messages: ProduceMessage[]): Promise<ProduceResult[]> {
    if (!Array.isArray(messages)) throw new LogError('INVALID_ARGUMENT', 'messages must be an array');
    const [results] = await this.produceMany([{ topic, messages }]);
    return results!;
  }

  async produceMany(batches: TopicMessages[]): Promise<ProduceResult[][]> {
    this.#check();
    try {
      return await this.#producer.produceMany(batches);
    } catch (err) {
      if (err instanceof LogError && err.code === 'TOO_LARGE') throw await this.#tooLarge(batches, err);
      throw err;
    }
  }

  /** A TOO_LARGE naming the limit of the topic of the largest message. */
  async #tooLarge(batches: TopicMessages[], err: LogError): Promise<LogError> {
    let largest = 0;
    let topic = batches[0]?.topic ?? '';
    for (const batch of batches) {
      for (const m of batch.messages) {
        if (m.value.length > largest) [largest, topic] = [m.value.length, batch.topic];
      }
    }
    const limit = await this.#maxMessageBytes(topic).catch(() => undefined);
    const accepted = limit === undefined ? 'what it accepts' : `the ${limit} bytes it accepts`;
    return new LogError('TOO_LARGE', `a message of ${largest} bytes is over what Kafka topic ${topic} accepts: the message and its record batch must fit in ${accepted} (the topic's max.message.bytes, by default the brokers' message.max.bytes); send smaller records, or raise that limit (${err.message})`);
  }

  async #maxMessageBytes(topic: string): Promise<number | undefined> {
    const configs = await this.#admin.describeConfigs({
      resources: [{ resourceType: 2, resourceName: topic, configurationKeys: ['max.message.bytes'] }],
    });
    return parseConfigNumber(configs[0]?.configs.find((entry) => entry.name === 'max.message.bytes')?.value);
  }

  createConsumer(options: ConsumerOptions): Consumer {
    this.#check();
    if (!options || typeof options.group !== 'string' || options.group.length === 0) {
      throw new LogError('INVALID_ARGUMENT', 'consumer group required');
    }
    const { topics } = options;
    if (!(topics instanceof RegExp) && typeof topics !== 'function' && (!Array.isArray(topics) || topics.length === 0)) {
      throw new LogError('INVALID_ARGUMENT', 'topics must be a non-empty list, a RegExp or a filter function');
    }
    if (options.commit !== undefined && options.commit !== 'auto' && options.commit !== 'manual') {
      throw new LogError('INVALID_ARGUMENT', `commit must be 'auto' or 'manual', got ${String(options.commit)}`);
    }
    const c = new KafkaGroupConsumer(this.#opts, options, this.#admin, () => this.#consumers.delete(c));
    this.#consumers.add(c);
    return c;
  }

  async listGroups(): Promise<string[]> {
    this.#check();
    try {
      const groups = await this.#admin.listGroups();
      return [...groups.values()]
        .filter((g) => g.protocolType === 'consumer' || g.protocolType === '' || g.groupType === 'consumer')
        .map((g) => g.id)
        .sort();
    } catch (err) {
      throw toLogError(err, 'list groups');
    }
  }

  async describeGroup(group: string): Promise<GroupDescription> {
    this.#check();
    try {
      const [described, committed] = await Promise.all([
        this.#admin.describeGroups({ groups: [group] }),
        this.#admin.listConsumerGroupOffsets({ groups: [group] }),
      ]);
      const g = described.get(group);
      const members = g && g.state !== 'DEAD' ? g.members.size : 0;
      // partitions: every partition of every topic the group committed on or is assigned
      const committedBy = new Map<string, number>();
      const topics = new Set<string>();
      for (const cg of committed) {
        for (const t of cg.topics) {
          for (const p of t.partitions) {
            if (p.committedOffset < 0n) continue;
            topics.add(t.name);
            committedBy.set(`${t.name}:${p.partitionIndex}`, Number(p.committedOffset));
          }
        }
      }
      for (const m of g?.members.values() ?? []) {
        for (const a of m.assignments?.values() ?? []) topics.add(a.topic);
      }
      const counts = new Map<string, number>();
      for (const t of topics) {
        try {
          counts.set(t, await this.#partitionCount(t));
        } catch (err) {
          if (!(err instanceof LogError && err.code === 'UNKNOWN_TOPIC')) throw err;
        }
      }
      const offsets = await this.#offsets(counts);
      const partitions: GroupPartitionLag[] = [];
      for (const [t, count] of [...counts].sort(([a], [b]) => a.localeCompare(b))) {
        for (let i = 0; i < count; i++) {
          const key = `${t}:${i}`;
          const info = offsets.get(key);
          const endOffset = info?.endOffset ?? 0;
          const c = committedBy.get(key) ?? null;
          const from = c ?? info?.startOffset ?? 0;
          partitions.push({ topic: t, partition: i, committed: c, endOffset, lag: Math.max(0, endOffset - from) });
        }
      }
      return { group, members, partitions };
    } catch (err) {
      throw toLogError(err, `describe group ${group}`);
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.allSettled([...this.#consumers].map((c) => c.stop()));
    const results = await Promise.allSettled([this.#producer.close(), this.#admin.close()]);
    for (const r of results) {
      if (r.status === 'rejected') throw toLogError(r.reason, `close (${describeError(r.reason)})`);
    }
  }
}

/**
 * Opens the Kafka engine. Resolves once a broker answered a metadata request; rejects with
 * LogError 'UNAVAILABLE' otherwise.
 */
export async function openKafkaLog(options: KafkaLogOptions): Promise<Log> {
  if (!options || !Array.isArray(options.brokers) || options.brokers.length === 0) {
    throw new LogError('INVALID_ARGUMENT', 'brokers: at least one host:port required');
  }
  const factor = options.replicationFactor;
  if (factor !== undefined && (!Number.isInteger(factor) || factor < 1)) {
    throw new LogError('INVALID_ARGUMENT', `replicationFactor must be a positive integer, got ${factor}`);
  }
  const resolved: ResolvedKafkaLogOptions = {
    brokers: options.brokers,
    clientId: options.clientId ?? 'tributary',
    replicationFactor: options.replicationFactor,
    produceRetryWindowMs: options.produceRetryWindowMs ?? 30_000,
    requestTimeoutMs: options.requestTimeoutMs ?? 30_000,
    maxSendMessages: options.maxSendMessages ?? 20_000,
    maxBatchBytes: options.maxBatchBytes ?? 1_000_000,
    sessionTimeoutMs: options.sessionTimeoutMs ?? 10_000,
    heartbeatIntervalMs: options.heartbeatIntervalMs ?? 1000,
    rebalanceTimeoutMs: options.rebalanceTimeoutMs ?? 60_000,
    patternRefreshMs: options.patternRefreshMs ?? 5000,
    logger: new RateLimitedLogger(options.logger ?? consoleLogger),
  };
  const log = new KafkaLog(resolved);
  try {
    await log.ping();
  } catch (err) {
    await log.close().catch(() => {});
    throw err;
  }
  return log;
}

export type { Log };
