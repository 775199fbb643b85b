// Ingest over HTTP: POST / (the Dyte log ingestor's endpoint) and POST /api/v1/logs?stream=NAME.
// The HTTP part only: the body is parsed into records here, and handed to the acceptor
// (src/sources/accept.ts) whose answer becomes the status: 202 once the log has the records
// durably, 429 past a bounded indexing backlog, 413 too large for the log, 503 log unavailable.
import type { FastifyInstance, FastifyRequest, FastifyReply } from 'fastify';
import type { Config } from '../config/config.ts';
import type { Metrics } from '../metrics.ts';
import { parseIngestBody } from '../sources/http/json-body.ts';
import { IngestError } from '../sources/http/ingest-error.ts';
import type { Acceptor, RefusalKind } from '../sources/accept.ts';
import { sendError } from './errors.ts';
import { isStreamName, streamNameProblem } from '../record/stream-name.ts';


/** The status of each refusal of the acceptor: every HTTP ingest endpoint answers with these. */
export const REFUSAL_STATUS: Record<RefusalKind, number> = { backlog: 429, too_large: 413, unavailable: 503 };

export interface IngestDeps {
  acceptor: Acceptor;
  config: Config;
  metrics: Metrics;
}

export function registerIngestRoutes(app: FastifyInstance, deps: IngestDeps): void {
  const { acceptor, config, metrics } = deps;

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
    const result = await acceptor.accept(stream, records, undefined, { admitted: admitted.has(request) });
    if ('refused' in result) return sendError(reply, REFUSAL_STATUS[result.refused.kind], result.refused.code, result.refused.message);
    return reply.code(202).send({ accepted: result.accepted });
  };

  const admitted = new WeakSet<FastifyRequest>();
  const streamOf = (request: FastifyRequest): string => (request.routeOptions.url === '/' ? config.ingest.defaultStream : (request.query as Record<string, string | undefined>).stream ?? config.ingest.defaultStream);
  // past the backlog bound a request is refused before its body is read and parsed (Node drops the body)
  // a request admitted then is not asked again once parsed (one backlog measurement a request)
  const preParsing = async (request: FastifyRequest, reply: FastifyReply) => {
    const stream = streamOf(request);
    if (!isStreamName(stream)) return;
    const refusal = await acceptor.admission(stream);
    if (refusal) return sendError(reply, REFUSAL_STATUS[refusal.kind], refusal.code, refusal.message);
    admitted.add(request);
  };

  app.post('/', { preParsing }, (request, reply) => ingest(request, reply, config.ingest.defaultStream));
  app.post('/api/v1/logs', { preParsing }, (request, reply) => {
    const stream = streamOf(request);
    if (!isStreamName(stream)) {
      return sendError(reply, 400, 'bad_stream', streamNameProblem(stream));
    }
    return ingest(request, reply, stream);
  });
}
