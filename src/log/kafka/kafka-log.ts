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
} from '../log.ts';
import { LogError } from '../log.ts';
import { KafkaGroupConsumer } from './consumer.ts';
import { describeError, hasApiError, toLogError } from './errors.ts';
import { KafkaProducer } from './producer.ts';

export interface KafkaLogOptions {
  /** Bootstrap brokers, host:port. */
  brokers: string[];
  clientId?: string;
  /** Replication factor of topics this log creates (default 1: single-node dev broker). */
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
  /** Consumer-group session timeout (default 10 s; broker minimum 6 s). */
  sessionTimeoutMs?: number;
  /** Consumer-group heartbeat interval (default 1 s). */
  heartbeatIntervalMs?: number;
  /** How long a member may take to finish its in-flight batches on a rebalance (default 60 s). */
  rebalanceTimeoutMs?: number;
  /** How often a pattern subscription looks for new topics (default 5 s). */
  patternRefreshMs?: number;
}

export interface ResolvedKafkaLogOptions extends Required<Omit<KafkaLogOptions, 'clientId'>> {
  clientId: string;
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
    try {
      await this.#admin.createTopics({
        topics: [name],
        partitions: config.partitions,
        replicas: this.#opts.replicationFactor,
        configs: [
          // Kafka's default is 7 days; the log layer's default is "keep forever"
          { name: 'retention.ms', value: configValue(config.retentionMs) },
          { name: 'retention.bytes', value: configValue(config.retentionBytes) },
        ],
      });
    } catch (err) {
      if (hasApiError(err, 'TOPIC_ALREADY_EXISTS')) return false;
      throw toLogError(err, `create topic ${name}`);
    }
    await this.#waitForTopic(name, true);
    return true;
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
    this.#check();
    return this.#producer.produce(topic, messages);
  }

  createConsumer(options: ConsumerOptions): Consumer {
    this.#check();
    if (!options || typeof options.group !== 'string' || options.group.length === 0) {
      throw new LogError('INVALID_ARGUMENT', 'consumer group required');
    }
    if (!(options.topics instanceof RegExp) && (!Array.isArray(options.topics) || options.topics.length === 0)) {
      throw new LogError('INVALID_ARGUMENT', 'topics must be a non-empty list or a RegExp');
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
  const resolved: ResolvedKafkaLogOptions = {
    brokers: options.brokers,
    clientId: options.clientId ?? 'tributary',
    replicationFactor: options.replicationFactor ?? 1,
    produceRetryWindowMs: options.produceRetryWindowMs ?? 30_000,
    requestTimeoutMs: options.requestTimeoutMs ?? 30_000,
    maxSendMessages: options.maxSendMessages ?? 20_000,
    sessionTimeoutMs: options.sessionTimeoutMs ?? 10_000,
    heartbeatIntervalMs: options.heartbeatIntervalMs ?? 1000,
    rebalanceTimeoutMs: options.rebalanceTimeoutMs ?? 60_000,
    patternRefreshMs: options.patternRefreshMs ?? 5000,
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
