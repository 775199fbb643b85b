// A consumer-group member on Kafka. Group membership, heartbeats and the classic rebalance
// protocol come from @platformatic/kafka's Consumer; fetching, positions, redelivery and commits
// are done here, so a failed handler is retried from its first message and a rebalance waits
// for the batches in flight (the client's `protocolsMetadata` hook runs before every JoinGroup:
// it pauses reading and waits there, as the Java client's eager onPartitionsRevoked does).
//
// No Kafka error ends a member: a broker restart, a topic deleted while read, a failing onAssign
// are reported (rate-limited), backed off and retried, and the other partitions are read on.
// run() resolves after stop(), and only then.
import { Consumer as KafkaClientConsumer } from '@platformatic/kafka';
import type { Admin, GroupAssignment } from '@platformatic/kafka';
import type { BatchHandler, Consumer, ConsumerOptions, MessageBatch, PartitionOffset, TopicPartition } from '../log.ts';
import { LogError, partitionKey } from '../log.ts';
import { hasApiError, toLogError } from './errors.ts';
import { fetchedMessages } from './fetched-messages.ts';
import { subscriptionAssigner } from './subscription-assigner.ts';
import type { ResolvedKafkaLogOptions } from './kafka-log.ts';

const HANDLER_BACKOFF_MS = [200, 500, 1000, 2000, 5000];
/** What a lingering fetch waits to fill before its linger is over. */
const LINGER_MIN_BYTES = 1024 * 1024;
const ERROR_BACKOFF_MS = [500, 1000, 2000, 5000];

interface PartState {
  topic: string;
  partition: number;
  /** Next offset to read; null until resolved (after assignment, or after the topic was created again). */
  position: bigint | null;
  /** Last position the group committed (or we committed). */
  committed: bigint | null;
  /** Offset after the last message handed to the handler: what a manual commit may reach. */
  delivered: bigint | null;
  /** Where onAssign asked to start; applied when the position is resolved. */
  override: bigint | null;
  /** Start by the reset policy, not at the group's committed offset: that belonged to a deleted topic. */
  ignoreCommitted: boolean;
  /** Id of the topic the position belongs to: another id under the same name is a new topic. */
  topicId: string | null;
  failures: number;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class KafkaGroupConsumer implements Consumer {
  readonly #log: ResolvedKafkaLogOptions;
  readonly #opts: ConsumerOptions;
  readonly #admin: Admin;
  readonly #onDone: () => void;
  readonly #owned = new Map<string, PartState>();
  #pendingAssignment: GroupAssignment[] | null = null;
  #pausing = false;
  #pauseSince = 0;
  #handlerPhase: Promise<void> | null = null;
  #commitPhase: Promise<void> | null = null;
  /** The client while run() runs: manual commits go through it. */
  #client: KafkaClientConsumer | null = null;
  readonly #manualCommits = new Set<Promise<unknown>>();
  /** Partitions whose onRevoke runs: a rejoin and an assignment may both let the same one go. */
  readonly #revoking = new WeakSet<PartState>();
  #stopping = false;
  #running = false;
  #runDone: Promise<void> | null = null;
  #subscribed = new Set<string>();
  #nextSubscriptionCheck = 0;
  #joined = false;
  #metadataStale = false;
  /** The id each topic had when this member last read it, kept across revokes. */
  readonly #topicIds = new Map<string, string>();
  /** Consecutive failures and the time of the next attempt, per kind of operation. */
  readonly #backoff = new Map<string, { failures: number; retryAt: number }>();
  #wake: (() => void) | null = null;

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

  get #fromBeginning(): boolean {
    return this.#opts.fromBeginning !== false;
  }

  get #manual(): boolean {
    return this.#opts.commit === 'manual';
  }

  async commit(offsets: PartitionOffset[]): Promise<PartitionOffset[]> {
    if (!this.#manual) throw new LogError('INVALID_ARGUMENT', `kafka consumer group ${this.#opts.group}: commit() is for consumers created with commit: 'manual'`);
    const accepted: { entry: PartitionOffset; state: PartState }[] = [];
    for (const entry of offsets) {
      const key = partitionKey(entry.topic, entry.partition);
      const state = this.#owned.get(key);
      if (!state) continue;
      const consumed = state.delivered ?? state.position;
      if (!Number.isInteger(entry.offset) || entry.offset < 0 || consumed === null || BigInt(entry.offset) > consumed) {
        throw new LogError('INVALID_ARGUMENT', `kafka consumer group ${this.#opts.group}: cannot commit offset ${entry.offset} of ${key}: offsets from 0 to ${consumed ?? 'the start'} (what was consumed) can be committed`);
      }
      accepted.push({ entry: { topic: entry.topic, partition: entry.partition, offset: entry.offset }, state });
    }
    const client = this.#client;
    if (accepted.length === 0 || !client) return [];
    const committing = client.commit({
      offsets: accepted.map(({ entry }) => ({ topic: entry.topic, partition: entry.partition, offset: BigInt(entry.offset), leaderEpoch: -1 })),
    });
    this.#manualCommits.add(committing);
    try {
      await committing;
    } catch (error) {
      throw toLogError(error, `commit of consumer group ${this.#opts.group}`);
    } finally {
      this.#manualCommits.delete(committing);
    }
    for (const { entry, state } of accepted) state.committed = BigInt(entry.offset);
    return accepted.map(({ entry }) => entry);
  }

  #groupOptions() {
    return {
      sessionTimeout: this.#log.sessionTimeoutMs,
      heartbeatInterval: this.#log.heartbeatIntervalMs,
      rebalanceTimeout: this.#log.rebalanceTimeoutMs,
      protocolsMetadata: () => this.#beforeJoin(),
      partitionAssigner: subscriptionAssigner,
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

  #report(kind: string, message: string, error?: unknown): void {
    this.#log.logger.error(`${this.#opts.group} ${kind}`, `kafka consumer group ${this.#opts.group}: ${message}`, error);
  }

  #warn(kind: string, message: string): void {
    this.#log.logger.warn(`${this.#opts.group} ${kind}`, `kafka consumer group ${this.#opts.group}: ${message}`);
  }

  /** Records a failure of `kind` and returns how long to wait before the next attempt. */
  #failed(kind: string): number {
    const state = this.#backoff.get(kind) ?? { failures: 0, retryAt: 0 };
    const delay = ERROR_BACKOFF_MS[Math.min(state.failures, ERROR_BACKOFF_MS.length - 1)]!;
    state.failures += 1;
    state.retryAt = Date.now() + delay;
    this.#backoff.set(kind, state);
    return delay;
  }

  #succeeded(kind: string): void {
    this.#backoff.delete(kind);
  }

  #mayRetry(kind: string): boolean {
    return (this.#backoff.get(kind)?.retryAt ?? 0) <= Date.now();
  }

  async #run(handler: BatchHandler): Promise<void> {
    const client = new KafkaClientConsumer({
      clientId: `${this.#log.clientId}-consumer`,
      groupId: this.#opts.group,
      bootstrapBrokers: this.#log.brokers,
      autocommit: false,
      // few retries inside the client: this loop retries with its own backoff, and a request
      // retried for long (a deleted topic fails every fetch) would hold up every other partition
      retries: 3,
      retryDelay: 500,
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
    client.on('error', (error: unknown) => {
      // the client's own rejoin (after a failed heartbeat) failed: join again from this loop
      this.#report('client', 'rejoining the group failed; joining again', error);
      this.#joined = false;
      this.#nextSubscriptionCheck = Math.min(this.#nextSubscriptionCheck, Date.now() + 1000);
    });
    client.on('consumer:heartbeat:error', (payload: { error?: unknown }) => this.#report('heartbeat', 'heartbeat failed', payload?.error));
    try {
      while (!this.#stopping) {
        try {
          await this.#step(client, handler);
          this.#succeeded('step');
        } catch (error) {
          // every known failure is handled where it happens; this is the net under the rest
          const delay = this.#failed('step');
          this.#report('step', `unexpected failure; going on in ${delay} ms`, error);
          await this.#idle(delay);
        }
      }
    } finally {
      await this.#shutdown(client);
    }
  }

  async #step(client: KafkaClientConsumer, handler: BatchHandler): Promise<void> {
    if (Date.now() >= this.#nextSubscriptionCheck) await this.#maintainMembership(client);
    if (this.#pendingAssignment) {
      const assignment = this.#pendingAssignment;
      this.#pendingAssignment = null;
      await this.#applyAssignment(assignment);
    }
    if (this.#pausing && Date.now() - this.#pauseSince > this.#log.rebalanceTimeoutMs + this.#log.sessionTimeoutMs) {
      // a rejoin that never completed: try again
      this.#pauseSince = Date.now();
      client.joinGroup(this.#groupOptions()).catch((error: unknown) => this.#report('join', 'rejoining the group failed', error));
    }
    await this.#resolvePositions(client);
    const readable = [...this.#owned.values()].filter((p) => p.position !== null);
    if (this.#pausing || readable.length === 0) {
      await this.#idle(Math.min(200, this.#maxWaitMs));
      return;
    }
    await this.#cycle(client, handler, readable);
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

  /** Follows the subscription (topics created or deleted since), joining again when it changed. */
  async #maintainMembership(client: KafkaClientConsumer): Promise<void> {
    this.#nextSubscriptionCheck = Date.now() + this.#log.patternRefreshMs;
    let changed = false;
    try {
      changed = await this.#refreshSubscription(client);
    } catch (error) {
      this.#report('subscription', 'cannot list the topics to subscribe to; keeping the current ones', error);
    }
    if ((changed || !this.#joined) && this.#subscribed.size > 0) {
      try {
        await client.joinGroup(this.#groupOptions());
        this.#joined = true;
      } catch (error) {
        this.#report('join', 'joining the group failed; retrying in 1 s', error);
        this.#joined = false;
        this.#nextSubscriptionCheck = Date.now() + 1000;
      }
    }
  }

  /**
   * Subscribes to the wanted topics that exist: a topic named in the list but missing (deleted,
   * or not created yet) would fail every fetch and join of the client until it exists.
   */
  async #refreshSubscription(client: KafkaClientConsumer): Promise<boolean> {
    const existing = (await this.#admin.listTopics({ includeInternals: false })).filter((t) => !t.startsWith('__'));
    const topics = this.#opts.topics;
    const wanted = typeof topics === 'function'
      ? existing.filter((t) => topics(t))
      : topics instanceof RegExp
        ? existing.filter((t) => ((topics.lastIndex = 0), topics.test(t)))
        : topics.filter((t) => existing.includes(t));
    if (Array.isArray(topics) && wanted.length < topics.length) {
      this.#warn('missing', `waiting for topics that do not exist: ${topics.filter((t) => !wanted.includes(t)).join(', ')}`);
    }
    let changed = false;
    for (const t of wanted) {
      if (!this.#subscribed.has(t)) {
        this.#subscribed.add(t);
        client.topics.track(t);
        changed = true;
      }
    }
    for (const t of [...this.#subscribed]) {
      if (!wanted.includes(t)) {
        this.#subscribed.delete(t);
        client.topics.untrack(t);
        changed = true;
        // gone from the cluster: stop reading it now rather than after the rejoin
        await this.#revoke([...this.#owned.values()].filter((s) => s.topic === t));
      }
    }
    return changed;
  }

  /**
   * Runs before every JoinGroup: stop reading and let the batches in flight finish and commit. A
   * manual consumer gives up all its partitions here (eager), so its onRevoke can flush and
   * commit while the group still knows it as their owner and no other member reads them yet.
   */
  async #beforeJoin(): Promise<Buffer> {
    this.#pausing = true;
    this.#pauseSince = Date.now();
    if (this.#handlerPhase) await this.#handlerPhase.catch(() => {});
    if (this.#commitPhase) {
      // the commit may itself be what triggered this join (generation moved on): do not wait forever
      await Promise.race([this.#commitPhase.catch(() => {}), sleep(5000)]);
    }
    if (this.#manual) {
      await this.#revoke([...this.#owned.values()]);
      await Promise.race([Promise.allSettled(this.#manualCommits), sleep(5000)]);
    }
    return Buffer.alloc(0);
  }

  async #applyAssignment(assignments: GroupAssignment[]): Promise<void> {
    const next = new Map<string, TopicPartition>();
    for (const a of assignments) {
      for (const p of a.partitions) next.set(partitionKey(a.topic, p), { topic: a.topic, partition: p });
    }
    await this.#revoke([...this.#owned].filter(([key]) => !next.has(key)).map(([, s]) => s));
    const added: TopicPartition[] = [];
    for (const [k, tp] of next) {
      if (!this.#owned.has(k)) {
        added.push(tp);
        this.#owned.set(k, { ...tp, position: null, committed: null, delivered: null, override: null, ignoreCommitted: false, topicId: null, failures: 0 });
      }
    }
    if (added.length > 0 && this.#opts.onAssign) {
      try {
        const overrides = await this.#opts.onAssign(added);
        for (const [key, offset] of overrides ?? []) {
          const s = this.#owned.get(key);
          if (s && s.position === null) s.override = BigInt(offset);
        }
      } catch (error) {
        this.#report('onAssign', 'onAssign failed; starting from the committed offsets', error);
      }
    }
    this.#pausing = false;
  }

  /** Calls onRevoke while the partitions still count as owned (a manual owner commits there), then lets them go. */
  async #revoke(all: PartState[]): Promise<void> {
    const states = all.filter((s) => !this.#revoking.has(s));
    if (states.length === 0) return;
    for (const s of states) this.#revoking.add(s);
    if (this.#opts.onRevoke) {
      try {
        await this.#opts.onRevoke(states.map((s) => ({ topic: s.topic, partition: s.partition })));
      } catch (error) {
        this.#report('onRevoke', 'onRevoke failed', error);
      }
    }
    for (const s of states) {
      const key = partitionKey(s.topic, s.partition);
      if (this.#owned.get(key) === s) this.#owned.delete(key);
    }
  }

  /** Start positions of partitions without one, topic by topic, so one failing topic holds up no other. */
  async #resolvePositions(client: KafkaClientConsumer): Promise<void> {
    const byTopic = new Map<string, PartState[]>();
    for (const s of this.#owned.values()) {
      if (s.position !== null) continue;
      const list = byTopic.get(s.topic) ?? [];
      list.push(s);
      byTopic.set(s.topic, list);
    }
    for (const [topic, parts] of byTopic) {
      const kind = `positions ${topic}`;
      if (!this.#mayRetry(kind)) continue;
      try {
        await this.#resolveTopicPositions(client, topic, parts);
        this.#succeeded(kind);
      } catch (error) {
        const delay = this.#failed(kind);
        this.#report(kind, `cannot read the start positions of ${topic}; retrying in ${delay} ms`, error);
      }
    }
  }

  /** Override, else the group's committed offset, else earliest/latest by the reset policy. */
  async #resolveTopicPositions(client: KafkaClientConsumer, topic: string, parts: PartState[]): Promise<void> {
    const fromGroup = parts.filter((s) => s.override === null && !s.ignoreCommitted);
    if (fromGroup.length > 0) {
      const committed = await client.listCommittedOffsets({ topics: [{ topic, partitions: fromGroup.map((s) => s.partition) }] });
      for (const s of fromGroup) {
        const c = committed.get(topic)?.[s.partition];
        s.committed = c !== undefined && c >= 0n ? c : null;
      }
    }
    const reset: PartState[] = [];
    for (const s of parts) {
      if (s.override !== null) s.position = s.override;
      else if (!s.ignoreCommitted && s.committed !== null) s.position = s.committed;
      else reset.push(s);
    }
    if (reset.length === 0) return;
    const offsets = await client.listOffsets({ topics: [topic], timestamp: this.#fromBeginning ? -2n : -1n });
    for (const s of reset) {
      const o = offsets.get(topic)?.[s.partition];
      if (o !== undefined) s.position = o;
    }
  }

  /** Positions outside [start, end] (retention removed them, or the topic was created again): reset by policy. */
  async #clampPositions(client: KafkaClientConsumer, parts: PartState[]): Promise<boolean> {
    let clamped = true;
    for (const topic of new Set(parts.map((p) => p.topic))) {
      try {
        const [start, end] = await Promise.all([
          client.listOffsets({ topics: [topic], timestamp: -2n }),
          client.listOffsets({ topics: [topic], timestamp: -1n }),
        ]);
        for (const s of parts.filter((p) => p.topic === topic)) {
          const lo = start.get(topic)?.[s.partition];
          const hi = end.get(topic)?.[s.partition];
          if (s.position === null || lo === undefined || hi === undefined || (s.position >= lo && s.position <= hi)) continue;
          const to = this.#fromBeginning ? lo : hi;
          this.#warn(`range ${topic}`, `offset ${s.position} of ${topic}:${s.partition} is outside ${lo}..${hi}; reading from ${to}`);
          s.position = to;
        }
      } catch (error) {
        clamped = false;
        this.#report(`range ${topic}`, `cannot read the offset range of ${topic}`, error);
      }
    }
    return clamped;
  }

  async #cycle(client: KafkaClientConsumer, handler: BatchHandler, readable: PartState[]): Promise<void> {
    let batches: MessageBatch[];
    try {
      batches = await this.#fetch(client, readable);
      this.#succeeded('fetch');
    } catch (error) {
      await this.#fetchFailed(client, error, readable);
      return;
    }
    // a rebalance began during the fetch: its batches are read again after it
    if (this.#pausing) return;
    let resolveHandlers!: () => void;
    this.#handlerPhase = new Promise<void>((r) => (resolveHandlers = r));
    try {
      await Promise.all(batches.map((b) => this.#deliver(handler, b)));
    } finally {
      resolveHandlers();
      this.#handlerPhase = null;
    }
    if (this.#manual) return;
    const commit = this.#commitDirty(client);
    this.#commitPhase = commit;
    try {
      await commit;
    } finally {
      this.#commitPhase = null;
    }
  }

  async #fetchFailed(client: KafkaClientConsumer, error: unknown, readable: PartState[]): Promise<void> {
    this.#metadataStale = true;
    if (hasApiError(error, 'OFFSET_OUT_OF_RANGE') && (await this.#clampPositions(client, readable))) return;
    // a topic gone from the cluster fails the client's every fetch: drop it from the subscription now
    if (toLogError(error, 'fetch').code === 'UNKNOWN_TOPIC') this.#nextSubscriptionCheck = 0;
    const delay = this.#failed('fetch');
    this.#report('fetch', `fetch failed; retrying in ${delay} ms`, error);
    await this.#idle(delay);
  }

  /** A topic with a new id under a known name was deleted and created again: its offsets start over. */
  #topicRecreated(s: PartState): void {
    this.#warn(`recreated ${s.topic}`, `topic ${s.topic} was deleted and created again: reading it from the ${this.#fromBeginning ? 'start' : 'end'}`);
    s.position = null;
    s.committed = null;
    s.override = null;
    s.ignoreCommitted = true;
    s.topicId = null;
  }

  async #fetch(client: KafkaClientConsumer, parts: PartState[]): Promise<MessageBatch[]> {
    const topics = [...new Set(parts.map((p) => p.topic))];
    const md = await client.metadata({ topics, forceUpdate: this.#metadataStale });
    this.#metadataStale = false;
    const idToName = new Map<string, string>();
    const byNode = new Map<number, Map<string, { topicId: string; partitions: PartState[] }>>();
    for (const s of parts) {
      const t = md.topics.get(s.topic);
      const leader = t?.partitions[s.partition]?.leader;
      if (!t || leader === undefined || leader < 0) continue;
      // a start position from before (the group's, or onAssign's from a store) may belong to a
      // topic of the same name that was deleted since
      const known = s.topicId ?? this.#topicIds.get(s.topic);
      if (known !== undefined && known !== t.id) {
        this.#topicRecreated(s);
        this.#topicIds.set(s.topic, t.id);
        continue;
      }
      s.topicId = t.id;
      this.#topicIds.set(s.topic, t.id);
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
          // lingering: the broker answers once a batch's worth is there or the linger is over
          maxWaitTime: this.#opts.lingerMs ? this.#opts.lingerMs : this.#maxWaitMs,
          minBytes: this.#opts.lingerMs ? LINGER_MIN_BYTES : 1,
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
    for (const res of responses) {
      for (const t of res.responses) {
        const topic = idToName.get(t.topicId);
        if (!topic) continue;
        for (const p of t.partitions) {
          const s = this.#owned.get(partitionKey(topic, p.partitionIndex));
          if (!s || s.position === null || !p.records) continue;
          const fetched = fetchedMessages(topic, p.partitionIndex, p.records, s.position, this.#maxBatch);
          if (fetched.skipTo !== null) s.position = fetched.skipTo;
          if (fetched.messages.length > 0) batches.push({ topic, partition: p.partitionIndex, messages: fetched.messages });
        }
      }
    }
    return batches;
  }

  /** Calls the handler until it succeeds, or until a rebalance/stop takes the partition away. */
  async #deliver(handler: BatchHandler, batch: MessageBatch): Promise<void> {
    const key = partitionKey(batch.topic, batch.partition);
    const s = this.#owned.get(key);
    if (!s) return;
    const next = BigInt(batch.messages[batch.messages.length - 1]!.offset) + 1n;
    if (s.delivered === null || next > s.delivered) s.delivered = next;
    for (;;) {
      try {
        await handler(batch);
        s.position = next;
        s.failures = 0;
        return;
      } catch (error) {
        s.failures += 1;
        const delay = HANDLER_BACKOFF_MS[Math.min(s.failures - 1, HANDLER_BACKOFF_MS.length - 1)]!;
        this.#report(`handler ${key}`, `batch of ${key} from offset ${batch.messages[0]!.offset} failed; retrying in ${delay} ms`, error);
        if (this.#pausing || this.#stopping) return; // re-read from the same offset later
        await sleep(delay);
        if (this.#pausing || this.#stopping || this.#owned.get(key) !== s) return;
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
    } catch (error) {
      // kept dirty: the next cycle (or stop) commits again
      this.#report('commit', 'commit failed; committing again after the next batch', error);
    }
  }

  async #shutdown(client: KafkaClientConsumer): Promise<void> {
    try {
      if (!this.#manual) await this.#commitDirty(client);
      await this.#revoke([...this.#owned.values()]);
      if (client.memberId) await new Promise<void>((r) => client.leaveGroup(true, () => r()));
    } finally {
      this.#client = null;
      await client.close(true).catch(() => {});
    }
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    this.#wake?.();
    if (this.#runDone) await this.#runDone.catch(() => {});
  }
}
