// A consumer-group member on Kafka. Group membership, heartbeats and the classic rebalance
// protocol come from @platformatic/kafka's Consumer; fetching, positions, redelivery and commits
// are done here, so a failed handler is retried from its first message and a rebalance waits
// for the batches in flight (the client's `protocolsMetadata` hook runs before every JoinGroup:
// it pauses reading and waits there, as the Java client's eager onPartitionsRevoked does).
import { Consumer as KafkaClientConsumer } from '@platformatic/kafka';
import type { Admin, GroupAssignment } from '@platformatic/kafka';
import type {
  BatchHandler,
  ConsumedMessage,
  Consumer,
  ConsumerOptions,
  MessageBatch,
  TopicPartition,
} from '../log.ts';
import { LogError, partitionKey } from '../log.ts';
import { describeError, hasApiError } from './errors.ts';
import type { ResolvedKafkaLogOptions } from './kafka-log.ts';

const IS_CONTROL = 0b100000;
const HANDLER_BACKOFF_MS = [200, 500, 1000, 2000, 5000];

interface PartState {
  topic: string;
  partition: number;
  /** Next offset to read; null until resolved after assignment. */
  position: bigint | null;
  /** Last position the group committed (or we committed). */
  committed: bigint | null;
  failures: number;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class KafkaGroupConsumer implements Consumer {
  readonly #log: ResolvedKafkaLogOptions;
  readonly #opts: ConsumerOptions;
  readonly #admin: Admin;
  readonly #onDone: () => void;
  #client: KafkaClientConsumer | null = null;
  readonly #owned = new Map<string, PartState>();
  #pendingAssignment: GroupAssignment[] | null = null;
  #pausing = false;
  #pauseSince = 0;
  #handlerPhase: Promise<void> | null = null;
  #commitPhase: Promise<void> | null = null;
  #stopping = false;
  #running = false;
  #runDone: Promise<void> | null = null;
  #subscribed = new Set<string>();
  #wake: (() => void) | null = null;
  #lastError: unknown = null;

  constructor(log: ResolvedKafkaLogOptions, opts: ConsumerOptions, admin: Admin, onDone: () => void) {
    this.#log = log;
    this.#opts = opts;
    this.#admin = admin;
    this.#onDone = onDone;
  }

  get #maxWaitMs(): number {
    return this.#opts.maxWaitMs ?? 500;
  }

  get #maxBatch(): number {
    return this.#opts.maxBatchMessages ?? 1000;
  }

  #groupOptions() {
    return {
      sessionTimeout: this.#log.sessionTimeoutMs,
      heartbeatInterval: this.#log.heartbeatIntervalMs,
      rebalanceTimeout: this.#log.rebalanceTimeoutMs,
      protocolsMetadata: () => this.#beforeJoin(),
    };
  }

  run(handler: BatchHandler): Promise<void> {
    if (this.#running) return Promise.reject(new LogError('INVALID_ARGUMENT', 'consumer is already running'));
    if (this.#stopping) return Promise.reject(new LogError('CLOSED', 'consumer was stopped'));
    this.#running = true;
    this.#runDone = this.#run(handler).finally(() => {
      this.#running = false;
      this.#onDone();
    });
    return this.#runDone;
  }

  async #run(handler: BatchHandler): Promise<void> {
    const client = new KafkaClientConsumer({
      clientId: `${this.#log.clientId}-consumer`,
      groupId: this.#opts.group,
      bootstrapBrokers: this.#log.brokers,
      autocommit: false,
      retries: 10,
      retryDelay: 1000,
      timeout: this.#log.requestTimeoutMs,
      requestTimeout: this.#log.requestTimeoutMs,
      connectTimeout: 3000,
      maxWaitTime: this.#maxWaitMs,
      isolationLevel: 1,
      metadataMaxAge: this.#log.patternRefreshMs,
      ...this.#groupOptions(),
    });
    this.#client = client;
    client.on('consumer:group:join', (payload) => {
      this.#pendingAssignment = payload.assignments ?? [];
      this.#wake?.();
    });
    client.on('error', (err: unknown) => {
      this.#lastError = err;
    });
    let nextTopicCheck = 0;
    let joined = false;
    try {
      while (!this.#stopping) {
        // subscription: fixed list, or every topic the pattern matches (checked periodically)
        if (Date.now() >= nextTopicCheck) {
          nextTopicCheck = Date.now() + this.#log.patternRefreshMs;
          const changed = await this.#refreshSubscription(client).catch((err: unknown) => {
            this.#lastError = err;
            return false;
          });
          if ((changed || !joined) && this.#subscribed.size > 0) {
            try {
              await client.joinGroup(this.#groupOptions());
              joined = true;
            } catch (err) {
              this.#lastError = err;
              nextTopicCheck = Date.now() + 1000;
            }
          }
        }
        if (this.#pendingAssignment) {
          const a = this.#pendingAssignment;
          this.#pendingAssignment = null;
          await this.#applyAssignment(a);
        }
        if (this.#pausing && Date.now() - this.#pauseSince > this.#log.rebalanceTimeoutMs + this.#log.sessionTimeoutMs) {
          // a rejoin that never completed: try again
          this.#pauseSince = Date.now();
          client.joinGroup(this.#groupOptions()).catch((err: unknown) => (this.#lastError = err));
        }
        const readable = [...this.#owned.values()].filter((p) => p.position !== null);
        if (this.#pausing || readable.length === 0) {
          await this.#idle(Math.min(200, this.#maxWaitMs));
          continue;
        }
        await this.#cycle(client, handler, readable);
      }
    } finally {
      await this.#shutdown(client);
    }
  }

  #idle(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const t = setTimeout(done, ms);
      function done() {
        clearTimeout(t);
        resolve();
      }
      this.#wake = () => {
        this.#wake = null;
        done();
      };
    });
  }

  async #refreshSubscription(client: KafkaClientConsumer): Promise<boolean> {
    let wanted: string[];
    if (this.#opts.topics instanceof RegExp) {
      const re = this.#opts.topics;
      const all = await this.#admin.listTopics({ includeInternals: false });
      wanted = all.filter((t) => !t.startsWith('__') && (re.lastIndex = 0, re.test(t)));
    } else {
      wanted = this.#opts.topics;
    }
    let changed = false;
    for (const t of wanted) {
      if (!this.#subscribed.has(t)) {
        this.#subscribed.add(t);
        client.topics.track(t);
        changed = true;
      }
    }
    if (this.#opts.topics instanceof RegExp) {
      for (const t of [...this.#subscribed]) {
        if (!wanted.includes(t)) {
          this.#subscribed.delete(t);
          client.topics.untrack(t);
          changed = true;
        }
      }
    }
    return changed;
  }

  /** Runs before every JoinGroup: stop reading and let the batches in flight finish and commit. */
  async #beforeJoin(): Promise<Buffer> {
    this.#pausing = true;
    this.#pauseSince = Date.now();
    if (this.#handlerPhase) await this.#handlerPhase.catch(() => {});
    if (this.#commitPhase) {
      // the commit may itself be what triggered this join (generation moved on): do not wait forever
      await Promise.race([this.#commitPhase.catch(() => {}), sleep(5000)]);
    }
    return Buffer.alloc(0);
  }

  async #applyAssignment(assignments: GroupAssignment[]): Promise<void> {
    const next = new Map<string, TopicPartition>();
    for (const a of assignments) {
      for (const p of a.partitions) next.set(partitionKey(a.topic, p), { topic: a.topic, partition: p });
    }
    const revoked: TopicPartition[] = [];
    for (const [k, s] of this.#owned) {
      if (!next.has(k)) {
        revoked.push({ topic: s.topic, partition: s.partition });
        this.#owned.delete(k);
      }
    }
    if (revoked.length > 0 && this.#opts.onRevoke) {
      try {
        await this.#opts.onRevoke(revoked);
      } catch (err) {
        this.#lastError = err;
      }
    }
    const added: TopicPartition[] = [];
    for (const [k, tp] of next) {
      if (!this.#owned.has(k)) {
        added.push(tp);
        this.#owned.set(k, { ...tp, position: null, committed: null, failures: 0 });
      }
    }
    if (added.length > 0) {
      let overrides: Map<string, number> | void = undefined;
      if (this.#opts.onAssign) overrides = await this.#opts.onAssign(added);
      await this.#resolvePositions(added, overrides ?? undefined);
    }
    this.#pausing = false;
  }

  /** Positions of newly assigned partitions: override, else committed, else earliest/latest. */
  async #resolvePositions(parts: TopicPartition[], overrides: Map<string, number> | undefined): Promise<void> {
    const client = this.#client!;
    const byTopic = new Map<string, number[]>();
    for (const p of parts) {
      const list = byTopic.get(p.topic) ?? [];
      list.push(p.partition);
      byTopic.set(p.topic, list);
    }
    for (let attempt = 0; ; attempt++) {
      try {
        const committed = await client.listCommittedOffsets({
          topics: [...byTopic].map(([topic, partitions]) => ({ topic, partitions })),
        });
        const needReset: TopicPartition[] = [];
        for (const p of parts) {
          const s = this.#owned.get(partitionKey(p.topic, p.partition));
          if (!s) continue;
          const c = committed.get(p.topic)?.[p.partition];
          s.committed = c !== undefined && c >= 0n ? c : null;
          const o = overrides?.get(partitionKey(p.topic, p.partition));
          if (o !== undefined) s.position = BigInt(o);
          else if (s.committed !== null) s.position = s.committed;
          else needReset.push(p);
        }
        if (needReset.length > 0) await this.#reset(needReset, this.#opts.fromBeginning !== false);
        return;
      } catch (err) {
        this.#lastError = err;
        if (this.#stopping || attempt > 60) throw err;
        await sleep(500);
      }
    }
  }

  async #reset(parts: TopicPartition[], earliest: boolean): Promise<void> {
    const client = this.#client!;
    const topics = [...new Set(parts.map((p) => p.topic))];
    const offsets = await client.listOffsets({ topics, timestamp: earliest ? -2n : -1n });
    for (const p of parts) {
      const s = this.#owned.get(partitionKey(p.topic, p.partition));
      const o = offsets.get(p.topic)?.[p.partition];
      if (s && o !== undefined) s.position = o;
    }
  }

  /** Positions outside [start, end] (retention removed them, or a topic was recreated). */
  async #clampPositions(parts: PartState[]): Promise<void> {
    const client = this.#client!;
    const topics = [...new Set(parts.map((p) => p.topic))];
    const [start, end] = await Promise.all([
      client.listOffsets({ topics, timestamp: -2n }),
      client.listOffsets({ topics, timestamp: -1n }),
    ]);
    for (const s of parts) {
      const lo = start.get(s.topic)?.[s.partition];
      const hi = end.get(s.topic)?.[s.partition];
      if (s.position === null || lo === undefined || hi === undefined) continue;
      if (s.position < lo) s.position = this.#opts.fromBeginning === false ? hi : lo;
      else if (s.position > hi) s.position = hi;
    }
  }

  async #cycle(client: KafkaClientConsumer, handler: BatchHandler, readable: PartState[]): Promise<void> {
    let batches: MessageBatch[];
    try {
      batches = await this.#fetch(client, readable);
    } catch (err) {
      this.#lastError = err;
      if (hasApiError(err, 'OFFSET_OUT_OF_RANGE')) {
        await this.#clampPositions(readable).catch((e: unknown) => (this.#lastError = e));
      } else {
        await this.#idle(500);
      }
      return;
    }
    let resolveHandlers!: () => void;
    this.#handlerPhase = new Promise<void>((r) => (resolveHandlers = r));
    try {
      await Promise.all(batches.map((b) => this.#deliver(handler, b)));
    } finally {
      resolveHandlers();
      this.#handlerPhase = null;
    }
    const commit = this.#commitDirty(client);
    this.#commitPhase = commit;
    try {
      await commit;
    } finally {
      this.#commitPhase = null;
    }
  }

  async #fetch(client: KafkaClientConsumer, parts: PartState[]): Promise<MessageBatch[]> {
    const topics = [...new Set(parts.map((p) => p.topic))];
    const md = await client.metadata({ topics });
    const idToName = new Map<string, string>();
    const byNode = new Map<number, Map<string, { topicId: string; partitions: PartState[] }>>();
    for (const s of parts) {
      const t = md.topics.get(s.topic);
      const leader = t?.partitions[s.partition]?.leader;
      if (!t || leader === undefined || leader < 0) continue;
      idToName.set(t.id, s.topic);
      let node = byNode.get(leader);
      if (!node) byNode.set(leader, (node = new Map()));
      let entry = node.get(s.topic);
      if (!entry) node.set(s.topic, (entry = { topicId: t.id, partitions: [] }));
      entry.partitions.push(s);
    }
    const responses = await Promise.all(
      [...byNode].map(([node, topicsOfNode]) =>
        client.fetch({
          node,
          maxWaitTime: this.#maxWaitMs,
          minBytes: 1,
          maxBytes: 32 * 1024 * 1024,
          topics: [...topicsOfNode.values()].map((e) => ({
            topicId: e.topicId,
            partitions: e.partitions.map((s) => ({
              partition: s.partition,
              currentLeaderEpoch: -1,
              fetchOffset: s.position!,
              lastFetchedEpoch: -1,
              partitionMaxBytes: 8 * 1024 * 1024,
            })),
          })),
        }),
      ),
    );
    const batches: MessageBatch[] = [];
    const max = this.#maxBatch;
    for (const res of responses) {
      for (const t of res.responses) {
        const topic = idToName.get(t.topicId);
        if (!topic) continue;
        for (const p of t.partitions) {
          const s = this.#owned.get(partitionKey(topic, p.partitionIndex));
          if (!s || s.position === null || !p.records) continue;
          const from = s.position;
          const messages: ConsumedMessage[] = [];
          outer: for (const rb of p.records) {
            if ((rb.attributes & IS_CONTROL) !== 0) continue;
            for (const r of rb.records) {
              const offset = rb.firstOffset + BigInt(r.offsetDelta);
              if (offset < from) continue;
              const headers: Record<string, string> = {};
              for (const [hk, hv] of r.headers) {
                if (hk) headers[hk.toString('utf8')] = hv ? hv.toString('utf8') : '';
              }
              messages.push({
                topic,
                partition: p.partitionIndex,
                offset: Number(offset),
                key: r.key ?? null,
                value: r.value ?? Buffer.alloc(0),
                timestamp: Number(rb.firstTimestamp + r.timestampDelta),
                headers,
              });
              if (messages.length >= max) break outer;
            }
          }
          if (messages.length === 0) {
            // only control records (or a compacted gap): move past them
            let last = -1n;
            for (const rb of p.records) {
              const end = rb.firstOffset + BigInt(rb.lastOffsetDelta);
              if (end > last) last = end;
            }
            if (last >= from) s.position = last + 1n;
            continue;
          }
          batches.push({ topic, partition: p.partitionIndex, messages });
        }
      }
    }
    return batches;
  }

  /** Calls the handler until it succeeds, or until a rebalance/stop takes the partition away. */
  async #deliver(handler: BatchHandler, batch: MessageBatch): Promise<void> {
    const s = this.#owned.get(partitionKey(batch.topic, batch.partition));
    if (!s) return;
    for (;;) {
      try {
        await handler(batch);
        s.position = BigInt(batch.messages[batch.messages.length - 1]!.offset) + 1n;
        s.failures = 0;
        return;
      } catch (err) {
        this.#lastError = err;
        s.failures += 1;
        if (this.#pausing || this.#stopping) return; // re-read from the same offset later
        await sleep(HANDLER_BACKOFF_MS[Math.min(s.failures - 1, HANDLER_BACKOFF_MS.length - 1)]!);
        if (this.#pausing || this.#stopping || this.#owned.get(partitionKey(batch.topic, batch.partition)) !== s) return;
      }
    }
  }

  async #commitDirty(client: KafkaClientConsumer): Promise<void> {
    const dirty = [...this.#owned.values()].filter((s) => s.position !== null && s.position !== s.committed);
    if (dirty.length === 0) return;
    const offsets = dirty.map((s) => ({ topic: s.topic, partition: s.partition, offset: s.position!, leaderEpoch: -1 }));
    try {
      await client.commit({ offsets });
      for (let i = 0; i < dirty.length; i++) dirty[i]!.committed = offsets[i]!.offset;
    } catch (err) {
      // kept dirty: the next cycle (or stop) commits again
      this.#lastError = err;
    }
  }

  async #shutdown(client: KafkaClientConsumer): Promise<void> {
    try {
      await this.#commitDirty(client);
      const owned = [...this.#owned.values()].map((s) => ({ topic: s.topic, partition: s.partition }));
      this.#owned.clear();
      if (owned.length > 0 && this.#opts.onRevoke) {
        await this.#opts.onRevoke(owned).catch((err: unknown) => (this.#lastError = err));
      }
      if (client.memberId) await new Promise<void>((r) => client.leaveGroup(true, () => r()));
    } finally {
      await client.close(true).catch(() => {});
      this.#client = null;
    }
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    this.#wake?.();
    if (this.#runDone) await this.#runDone.catch(() => {});
  }

  /** Last error seen by this member (fetch, commit, handler), for diagnostics. */
  get lastError(): string | null {
    return this.#lastError === null ? null : describeError(this.#lastError);
  }
}
