// The one way in. Every source (HTTP, file tail, syslog, Elasticsearch _bulk, OTLP) hands the
// records it parsed here, with the stream they belong to: the stream's topic is resolved (and
// created on first use, or again when it was deleted under us), the records wait while the
// indexer is too far behind, and they are produced. The answer is accepted, once the log has
// them durably, or a refusal saying why, which each source turns into its own protocol's answer.
import type { Config } from '../config/config.ts';
import { LogError, type Log, type ProduceMessage, type ProduceResult } from '../log/log.ts';
import { routeStream, type StreamLog, type StreamRoute } from '../log/stream-topics.ts';
import type { Metrics } from '../metrics.ts';
import { BacklogGate, indexingBacklog } from './backlog-gate.ts';
import { RECORD_ID_HEADER } from '../record/id.ts';
import { rateRefusal, streamRefusal } from '../auth/http-auth.ts';
import { ApiError } from '../api/errors.ts';

/** backlog: try again later (HTTP 429); too_large: send less (413); unavailable: try again later (503). */
export type RefusalKind = 'backlog' | 'too_large' | 'unavailable';

export interface Refusal {
  kind: RefusalKind;
  /** Stable code for clients and metrics, e.g. backlog_full. */
  code: string;
  /** What happened and what to do. */
  message: string;
}

/** Where each record went: with its append time, what its stored id is made from (src/record/id.ts). */
export interface Accepted {
  accepted: number;
  appendedAt: number;
  positions: ProduceResult[];
}

export type Acceptance = Accepted | { refused: Refusal };

export type AcceptConfig = Pick<Config, 'roles' | 'log' | 'ingest'>;

export class Acceptor {
  readonly #streams: StreamLog[];
  readonly #config: AcceptConfig;
  readonly #metrics: Metrics;
  readonly #routes = new Map<string, Promise<StreamRoute>>();
  /** Topics ingested into, per log: the backlog the gates watch. */
  readonly #ingestedTopics: Map<Log, Set<string>>;
  readonly #gates: Map<Log, BacklogGate>;
  readonly #partitionsOf: (stream: string) => number;

  constructor(streams: StreamLog[], config: AcceptConfig, metrics: Metrics, partitionsOf?: (stream: string) => number) {
    this.#partitionsOf = partitionsOf ?? (() => config.log.partitions);
    this.#streams = streams;
    this.#config = config;
    this.#metrics = metrics;
    this.#ingestedTopics = new Map(streams.map(({ log }) => [log, new Set<string>()]));
    // Only a process that also indexes holds ingest back: elsewhere the log is the buffer.
    const gated = config.roles.includes('process') ? streams : [];
    this.#gates = new Map(gated.map((streamLog) => [streamLog.log, new BacklogGate(
      () => indexingBacklog(streamLog, this.#ingestedTopics.get(streamLog.log)!),
      { maxBacklog: config.ingest.maxBacklog, maxWaitMs: config.ingest.backlogWaitMs },
    )]));
  }

  /**
   * Appends the records (each one serialized record) to the stream; throws only on a misconfiguration
   * or a bug. `ids`: a record's own id where it has one (an Elasticsearch `_id`). `admitted`: the
   * request already passed admission() for this stream before its body was read.
   */
  accept(stream: string, records: Buffer[], ids?: ReadonlyArray<string | undefined>, { admitted = false }: { admitted?: boolean } = {}): Promise<Acceptance> {
    // an ingest key confined to some streams (src/auth/http-auth.ts) writes to those only
    const refusal = streamRefusal(stream);
    if (refusal) return Promise.reject(new ApiError(403, 'forbidden_stream', refusal));
    const waitS = rateRefusal(records.length);
    if (waitS !== null) {
      return Promise.reject(new ApiError(429, 'rate_limited', `this key's rate limit is reached: send again in ${waitS} s`, { retryAfterSeconds: waitS }));
    }
    return this.#accept(stream, records, false, ids, admitted);
  }

  /**
   * Whether the stream's indexing backlog lets a request in, asked before its body is read: under
   * overload a refusal then costs no parsing, and the server's time goes to what it can take.
   */
  async admission(stream: string): Promise<Refusal | undefined> {
    try {
      const route = await this.#route(stream);
      const admission = await this.#gates.get(route.log)?.admit();
      if (!admission || admission.admitted) return undefined;
      const refusal = this.#backlogRefusal(admission.backlog);
      this.#refuse(refusal);
      return refusal;
    } catch (error) {
      // the append that follows finds and reports what is wrong with the log
      if (!refusalFor(error)) throw error;
      return undefined;
    }
  }

  #backlogRefusal(backlog: number): Refusal {
    const { maxBacklog, backlogWaitMs } = this.#config.ingest;
    return { kind: 'backlog', code: 'backlog_full', message: `${backlog} records are waiting to be indexed (ingest.maxBacklog is ${maxBacklog}) and did not drain within ${backlogWaitMs} ms: retry after the Retry-After delay, or add indexing capacity` };
  }

  /**
   * Appends records to a topic of the main log that is not a stream (raw lines a pipeline parses
   * into one): not indexed, so not held back by the indexer's backlog; the pipeline's lag is.
   */
  acceptToTopic(topic: string, records: Buffer[]): Promise<Acceptance> {
    return this.#accept(topic, records, true);
  }

  async #accept(stream: string, records: Buffer[], raw: boolean, ids?: ReadonlyArray<string | undefined>, admitted = false): Promise<Acceptance> {
    let now: number;
    let positions: ProduceResult[];
    try {
      const route = await this.#route(stream, raw);
      const admission = raw || admitted ? undefined : await this.#gates.get(route.log)?.admit();
      if (admission && !admission.admitted) return this.#refuse(this.#backlogRefusal(admission.backlog));
      now = Date.now();
      const stopTimer = this.#metrics.logAppendSeconds.startTimer();
      positions = await this.#produce(stream, raw, route, records.map((value, i) => {
        const id = ids?.[i];
        // keyed by its id: the copies of a record land on one partition, stored in order
        return id === undefined ? { value, timestamp: now } : { value, timestamp: now, key: id, headers: { [RECORD_ID_HEADER]: id } };
      }));
      stopTimer();
    } catch (error) {
      const refusal = refusalFor(error);
      if (!refusal) throw error;
      return this.#refuse(refusal);
    }
    this.#metrics.ingestedRecords.inc({ stream }, records.length);
    this.#metrics.ingestedBytes.inc({ stream }, records.reduce((sum, record) => sum + record.length, 0));
    return { accepted: records.length, appendedAt: now, positions };
  }

  #refuse(refusal: Refusal): Acceptance {
    this.#metrics.rejectedRequests.inc({ code: refusal.code });
    return { refused: refusal };
  }

  /** The stream's log and topic, the topic created on first use. */
  #route(stream: string, raw = false): Promise<StreamRoute> {
    const key = raw ? `\u0000${stream}` : stream;
    let ready = this.#routes.get(key);
    if (!ready) {
      const route = raw ? { log: this.#streams.at(-1)!.log, topic: stream, mark: {} } : routeStream(this.#streams, stream);
      const { retentionHours, retentionBytes } = this.#config.log;
      ready = route.log.createTopic(route.topic, {
        partitions: this.#partitionsOf(stream),
        retentionMs: retentionHours ? retentionHours * 3_600_000 : undefined,
        retentionBytes,
        ...route.mark,
      }).then(() => {
        if (!raw) this.#ingestedTopics.get(route.log)?.add(route.topic);
        return route;
      });
      ready.catch(() => this.#routes.delete(key));
      this.#routes.set(key, ready);
    }
    return ready;
  }

  /** A topic deleted since it was created here (an operator, a cluster's tooling) is created again, and the records sent once more. */
  async #produce(stream: string, raw: boolean, route: StreamRoute, messages: ProduceMessage[]): Promise<ProduceResult[]> {
    try {
      return await route.log.produce(route.topic, messages);
    } catch (error) {
      if (!(error instanceof LogError && error.code === 'UNKNOWN_TOPIC')) throw error;
      this.#routes.delete(raw ? `\u0000${stream}` : stream);
      const again = await this.#route(stream, raw);
      return await again.log.produce(again.topic, messages);
    }
  }
}

function refusalFor(error: unknown): Refusal | null {
  if (!(error instanceof LogError)) return null;
  switch (error.code) {
    case 'TOO_LARGE':
      return { kind: 'too_large', code: 'record_too_large', message: `nothing was acknowledged: ${error.message}` };
    case 'UNAVAILABLE':
      if (/ENOSPC/.test(error.message)) {
        return { kind: 'unavailable', code: 'disk_full', message: `the log's disk is full, nothing was acknowledged: free space on it, and send again (ingest resumes by itself) (${error.message})` };
      }
      return { kind: 'unavailable', code: 'log_unavailable', message: `the log is unavailable, nothing was acknowledged: retry later (${error.message})` };
    case 'CLOSED':
    case 'UNKNOWN_TOPIC':
      return { kind: 'unavailable', code: 'log_unavailable', message: `the log is unavailable, nothing was acknowledged: retry later (${error.message})` };
    default:
      return null;
  }
}
