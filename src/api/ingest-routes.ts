// Ingest over HTTP: POST / (the Dyte log ingestor's endpoint) and POST /api/v1/logs?stream=NAME.
// 202 only after the log has the records durably; past a bounded indexing backlog, requests wait
// (backlog-gate.ts).
import type { FastifyInstance, FastifyRequest, FastifyReply } from 'fastify';
import { routeStream, type StreamLog, type StreamRoute } from '../log/stream-topics.ts';
import type { Config } from '../config/config.ts';
import type { Metrics } from '../metrics.ts';
import { parseIngestBody } from '../sources/http/json-body.ts';
import { IngestError } from '../sources/http/ingest-error.ts';
import { BacklogGate, indexingBacklog } from '../sources/http/backlog-gate.ts';
import type { Log } from '../log/log.ts';
import { sendError } from './errors.ts';

const STREAM_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/;

export interface IngestDeps {
  streams: StreamLog[];
  config: Config;
  metrics: Metrics;
}

export function registerIngestRoutes(app: FastifyInstance, deps: IngestDeps): void {
  const { streams, config, metrics } = deps;
  const knownTopics = new Map<string, Promise<StreamRoute>>();
  /** Topics this process ingested into, per log: the backlog the gate watches. */
  const ingestedTopics = new Map<Log, Set<string>>(streams.map(({ log }) => [log, new Set<string>()]));
  // Only a process that also indexes holds ingest back: elsewhere the log is the buffer.
  const gates = new Map<Log, BacklogGate>(config.roles.includes('process') ? streams.map(({ log, indexerGroup }) => [log, new BacklogGate(
    () => indexingBacklog(log, indexerGroup, ingestedTopics.get(log)!),
    { maxBacklog: config.ingest.maxBacklog, maxWaitMs: config.ingest.backlogWaitMs })]) : []);

  /** The stream's log and topic, created on first use. */
  const ensureTopic = (stream: string): Promise<StreamRoute> => {
    let ready = knownTopics.get(stream);
    if (!ready) {
      const route = routeStream(streams, stream);
      ready = route.log.createTopic(route.topic, {
        partitions: config.log.partitions,
        retentionMs: config.log.retentionHours ? config.log.retentionHours * 3_600_000 : undefined,
        retentionBytes: config.log.retentionBytes,
      }).then(() => {
        ingestedTopics.get(route.log)?.add(route.topic);
        return route;
      });
      ready.catch(() => knownTopics.delete(stream));
      knownTopics.set(stream, ready);
    }
    return ready;
  };

  const ingest = async (request: FastifyRequest, reply: FastifyReply, stream: string) => {
    const raw = request.body;
    if (!Buffer.isBuffer(raw)) return sendError(reply, 400, 'empty_body', 'the body is empty: send a JSON object, an array of objects or NDJSON');
    let records: Buffer[];
    try {
      records = await parseIngestBody(raw, {
        contentType: request.headers['content-type'],
        contentEncoding: request.headers['content-encoding'],
        maxBodyBytes: config.ingest.maxBodyBytes,
        limits: config.limits,
      });
    } catch (error) {
      if (!(error instanceof IngestError)) throw error;
      metrics.rejectedRequests.inc({ code: error.code });
      return sendError(reply, error.status, error.code, error.message);
    }
    const { log, topic } = await ensureTopic(stream);
    const admission = await gates.get(log)?.admit();
    if (admission && !admission.admitted) {
      metrics.rejectedRequests.inc({ code: 'backlog_full' });
      return sendError(reply, 429, 'backlog_full', `${admission.backlog} records are waiting to be indexed (ingest.maxBacklog is ${config.ingest.maxBacklog}) and did not drain within ${config.ingest.backlogWaitMs} ms: retry after the Retry-After delay, or add indexing capacity`);
    }
    const now = Date.now();
    const stopTimer = metrics.logAppendSeconds.startTimer();
    await log.produce(topic, records.map((value) => ({ value, timestamp: now })));
    stopTimer();
    metrics.ingestedRecords.inc({ stream }, records.length);
    metrics.ingestedBytes.inc({ stream }, raw.length);
    return reply.code(202).send({ accepted: records.length });
  };

  app.post('/', (request, reply) => ingest(request, reply, config.ingest.defaultStream));
  app.post('/api/v1/logs', (request, reply) => {
    const stream = (request.query as Record<string, string | undefined>).stream ?? config.ingest.defaultStream;
    if (!STREAM_NAME.test(stream)) {
      return sendError(reply, 400, 'bad_stream', `stream '${stream}' is not a valid name: use letters, digits, '.', '_' or '-', starting with a letter or digit, at most 200 characters`);
    }
    return ingest(request, reply, stream);
  });
}
