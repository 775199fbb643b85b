// The log's admin and data API, for `tributary topics|groups|produce|consume` while the server
// owns the embedded log's data dir (works on either engine):
//   GET/POST /api/v1/topics, GET/DELETE /api/v1/topics/:name, GET /api/v1/groups[/:name],
//   POST /api/v1/topics/:name/messages (NDJSON, ?keyField=; 202 once durable),
//   POST /api/v1/topics/:name/consumers → a consumer session read with
//   GET /api/v1/consumers/:id/messages?waitMs= and ended with DELETE /api/v1/consumers/:id[?commit=false].
// A session's batch is committed (through the Log's consumer) when the client comes back for more
// or ends the session, i.e. after it has the batch; a session idle for 30 s ends uncommitted.
import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ConsumedMessage, Log } from '../log/log.ts';
import { LogError } from '../log/log.ts';
import { ApiError } from './errors.ts';
import { MessageLineError, splitLines, toProduceMessage } from '../log/ndjson-messages.ts';
import { readMessages, NotDelivered } from '../log/read-messages.ts';
import type { MessageReader, ReadOptions } from '../log/read-messages.ts';
import type { Scaling } from '../pipelines/autoscale/pipeline-workers.ts';

export interface LogRoutesDeps {
  log: Log;
  /** The autoscaler's workers and events, for a group a pipeline of this process autoscales. */
  scalingOf?: (group: string) => Scaling | null;
}

const SESSION_IDLE_MS = 30_000;
const MAX_WAIT_MS = 30_000;

export function registerLogRoutes(app: FastifyInstance, deps: LogRoutesDeps): void {
  const { log } = deps;
  const sessions = new Map<string, ConsumerSession>();
  app.addHook('preClose', async () => {
    await Promise.all([...sessions.values()].map((session) => session.abandon()));
  });

  app.get('/api/v1/topics', async () => ({ topics: await call(() => log.listTopics()) }));

  app.post('/api/v1/topics', async (request, reply) => {
    const body = jsonBody(request);
    const name = body.name;
    if (typeof name !== 'string' || name === '') throw new ApiError(400, 'bad_request', 'send {"name": "topic", "partitions": N}');
    if (body.stream !== undefined && typeof body.stream !== 'string') throw new ApiError(400, 'bad_request', 'stream must be the name of the stream to index the topic as');
    const config = {
      partitions: body.partitions === undefined ? 1 : Number(body.partitions),
      retentionMs: optionalNumber(body.retentionMs, 'retentionMs'),
      retentionBytes: optionalNumber(body.retentionBytes, 'retentionBytes'),
      stream: body.stream as string | undefined,
    };
    const created = await call(() => log.createTopic(name, config));
    if (!created) throw new ApiError(409, 'topic_exists', `topic "${name}" already exists; see GET /api/v1/topics/${name}`);
    return reply.code(201).send(await call(() => log.describeTopic(name), name));
  });

  app.get<{ Params: { name: string } }>('/api/v1/topics/:name', (request) => call(() => log.describeTopic(request.params.name), request.params.name));

  app.delete<{ Params: { name: string } }>('/api/v1/topics/:name', async (request) => {
    const { name } = request.params;
    await call(() => log.describeTopic(name), name);
    await call(() => log.deleteTopic(name), name);
    return { deleted: name };
  });

  app.post<{ Params: { name: string }; Querystring: { keyField?: string } }>('/api/v1/topics/:name/messages', async (request, reply) => {
    const { name } = request.params;
    const text = Buffer.isBuffer(request.body) ? request.body.toString('utf8') : '';
    let messages;
    try {
      messages = splitLines(text).map(({ line, text: content }) => toProduceMessage(content, line, request.query.keyField || undefined));
    } catch (error) {
      if (error instanceof MessageLineError) throw new ApiError(400, 'bad_ndjson', error.message, { line: error.line });
      throw error;
    }
    if (messages.length === 0) throw new ApiError(400, 'empty_body', 'the body has no messages: send NDJSON, one message per line');
    await call(() => log.describeTopic(name), name); // no auto-creation from a typo
    const results = await call(() => log.produce(name, messages), name);
    return reply.code(202).send({ accepted: results.length, results });
  });

  app.get('/api/v1/groups', async () => ({ groups: await call(() => log.listGroups()) }));

  app.get<{ Params: { name: string } }>('/api/v1/groups/:name', async (request) => {
    const { name } = request.params;
    const [groups, description] = await Promise.all([call(() => log.listGroups()), call(() => log.describeGroup(name))]);
    const scaling = deps.scalingOf?.(name);
    if (!scaling && !groups.includes(name) && description.members === 0 && description.partitions.length === 0) {
      throw new ApiError(404, 'unknown_group', `group "${name}" has no members and no committed offsets; see GET /api/v1/groups`);
    }
    return scaling ? { ...description, scaling } : description;
  });

  app.post<{ Params: { name: string } }>('/api/v1/topics/:name/consumers', async (request, reply) => {
    const topic = request.params.name;
    const body = jsonBody(request);
    if (body.group !== undefined && (typeof body.group !== 'string' || body.group === '')) {
      throw new ApiError(400, 'bad_request', 'group must be a non-empty string');
    }
    const max = optionalNumber(body.max, 'max');
    if (max !== undefined && (!Number.isInteger(max) || max < 1)) throw new ApiError(400, 'bad_request', 'max must be a positive integer');
    await call(() => log.describeTopic(topic), topic);
    const session = new ConsumerSession(log, { topic, group: body.group as string | undefined, fromBeginning: body.fromBeginning === true, max }, () => sessions.delete(session.id));
    sessions.set(session.id, session);
    return reply.code(201).send({ id: session.id, topic, group: session.group });
  });

  app.get<{ Params: { id: string }; Querystring: { waitMs?: string } }>('/api/v1/consumers/:id/messages', async (request) => {
    const session = findSession(sessions, request.params.id);
    const waitMs = Math.min(MAX_WAIT_MS, Math.max(0, Number(request.query.waitMs ?? 1000) || 0));
    return session.poll(waitMs);
  });

  app.delete<{ Params: { id: string }; Querystring: { commit?: string } }>('/api/v1/consumers/:id', async (request) => {
    const session = findSession(sessions, request.params.id);
    if (request.query.commit === 'false') await session.abandon();
    else await session.close();
    return { closed: session.id, group: session.group };
  });
}

function findSession(sessions: Map<string, ConsumerSession>, id: string): ConsumerSession {
  const session = sessions.get(id);
  if (!session) {
    throw new ApiError(404, 'unknown_consumer', `consumer session ${id} ended or never existed (sessions end after ${SESSION_IDLE_MS / 1000} s without a read): start one with POST /api/v1/topics/:name/consumers`);
  }
  return session;
}

interface PendingBatch {
  messages: ConsumedMessage[];
  commit: () => void;
  refuse: (error: Error) => void;
}

export interface WireMessage {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
  key: string | null;
  value: string;
}

/** One client's reader: batches wait here until polled; a polled batch commits on the next poll or close. */
class ConsumerSession {
  readonly id = randomUUID();
  readonly #reader: MessageReader;
  readonly #forget: () => void;
  #ready: PendingBatch[] = [];
  #sent: PendingBatch[] = [];
  #wake: (() => void) | null = null;
  #polling = false;
  #ended = false;
  #error: string | null = null;
  #idleTimer: NodeJS.Timeout;

  constructor(log: Log, options: ReadOptions, forget: () => void) {
    this.#forget = forget;
    this.#reader = readMessages(log, options, (messages) => new Promise<void>((commit, refuse) => {
      if (this.#ended) return refuse(new NotDelivered('the session ended'));
      this.#ready.push({ messages, commit, refuse });
      this.#wake?.();
    }));
    this.#reader.done.then(
      () => this.#finish(null),
      (error: unknown) => this.#finish(error instanceof Error ? error.message : String(error)),
    );
    this.#idleTimer = this.#startIdleTimer();
  }

  get group(): string {
    return this.#reader.group;
  }

  async poll(waitMs: number): Promise<{ messages: WireMessage[]; done: boolean; error?: string }> {
    if (this.#polling) throw new ApiError(409, 'busy', `consumer session ${this.id} is already being read; read it from one client at a time`);
    this.#polling = true;
    this.#touch();
    try {
      for (const batch of this.#sent.splice(0)) batch.commit();
      if (this.#ready.length === 0 && !this.#ended && waitMs > 0) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, waitMs);
          this.#wake = () => { clearTimeout(timer); resolve(); };
        });
        this.#wake = null;
      }
      const batches = this.#ready.splice(0);
      this.#sent.push(...batches);
      const messages = batches.flatMap((batch) => batch.messages.map(toWire));
      return { messages, done: this.#ended, ...(this.#error ? { error: this.#error } : {}) };
    } finally {
      this.#polling = false;
      this.#touch();
    }
  }

  /** The client has what it was sent: commit it, refuse the rest, leave the group. */
  async close(): Promise<void> {
    for (const batch of this.#sent.splice(0)) batch.commit();
    await this.#end();
  }

  /** The client is gone (idle) or the server stops: nothing unacknowledged is committed. */
  async abandon(): Promise<void> {
    await this.#end();
  }

  async #end(): Promise<void> {
    clearTimeout(this.#idleTimer);
    this.#ended = true;
    const stopping = this.#reader.stop();
    const refused = new NotDelivered('the session ended');
    for (const batch of [...this.#sent.splice(0), ...this.#ready.splice(0)]) batch.refuse(refused);
    this.#wake?.();
    this.#forget();
    await stopping;
  }

  #finish(error: string | null): void {
    this.#ended = true;
    this.#error ??= error;
    this.#wake?.();
  }

  #startIdleTimer(): NodeJS.Timeout {
    return setTimeout(() => void this.abandon(), SESSION_IDLE_MS).unref();
  }

  #touch(): void {
    clearTimeout(this.#idleTimer);
    this.#idleTimer = this.#startIdleTimer();
  }
}

function toWire(message: ConsumedMessage): WireMessage {
  return {
    topic: message.topic,
    partition: message.partition,
    offset: message.offset,
    timestamp: message.timestamp,
    key: message.key === null ? null : message.key.toString('utf8'),
    value: message.value.toString('utf8'),
  };
}

function jsonBody(request: FastifyRequest): Record<string, unknown> {
  if (!Buffer.isBuffer(request.body) || request.body.length === 0) return {};
  try {
    const value: unknown = JSON.parse(request.body.toString('utf8'));
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // answered below
  }
  throw new ApiError(400, 'bad_json', 'the body must be a JSON object');
}

function optionalNumber(value: unknown, name: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  const number = Number(value);
  if (!Number.isFinite(number) || number < 0) throw new ApiError(400, 'bad_request', `${name} must be a non-negative number`);
  return number;
}

/** Runs a log call, answering its failures as API errors. */
async function call<T>(operation: () => Promise<T>, topic?: string): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    if (!(error instanceof LogError)) throw error;
    switch (error.code) {
      case 'UNKNOWN_TOPIC':
        throw new ApiError(404, 'unknown_topic', `topic "${topic ?? '?'}" does not exist; see GET /api/v1/topics`, { topic });
      case 'TOPIC_EXISTS':
        throw new ApiError(409, 'topic_exists', error.message);
      case 'INVALID_ARGUMENT':
        throw new ApiError(400, 'bad_request', error.message);
      default:
        throw new ApiError(503, 'log_unavailable', `the log is unavailable: ${error.message}`);
    }
  }
}
