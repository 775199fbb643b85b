// Sunbird's telemetry API: POST /v1/telemetry (and /api/data/v1/telemetry, its path behind the
// portal's proxy) takes a batch envelope ({id, ver, params: {msgid}, events: [...]}) and puts it on
// telemetry.ingest, answering in Sunbird's response format once the log has it. A bad envelope
// gets Sunbird's error format and a 400; a full backlog a 429 with Retry-After.
import { randomUUID } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { SourceContext } from '../../registry.ts';
import { parseIngestBody } from '../../sources/http/json-body.ts';
import { IngestError } from '../../sources/http/ingest-error.ts';
import { TOPICS } from './topics.ts';
import { REFUSAL_STATUS } from '../../api/ingest-routes.ts';
import { objectMembers, valueKind } from '../../sources/http/json-members.ts';

interface Answer {
  status: number;
  msgid: string | null;
  error?: { code: string; message: string };
  retryAfterSeconds?: number;
}

function send(reply: FastifyReply, answer: Answer) {
  const failed = answer.error !== undefined;
  if (answer.retryAfterSeconds !== undefined) reply.header('retry-after', String(answer.retryAfterSeconds));
  return reply.code(answer.status).type('application/json').send({
    id: 'api.telemetry',
    ver: '3.0',
    ts: new Date().toISOString(),
    params: { resmsgid: randomUUID(), msgid: answer.msgid, status: failed ? 'failed' : 'successful', err: answer.error?.code ?? null, errmsg: answer.error?.message ?? null },
    responseCode: failed ? (answer.status >= 500 || answer.status === 429 ? 'SERVER_ERROR' : 'CLIENT_ERROR') : 'SUCCESS',
    result: {},
  });
}


/**
 * What is wrong with a batch envelope (undefined: nothing) and its params.msgid, read from the
 * validated body's top-level members without parsing its events: the pipeline parses them.
 */
export function readEnvelope(body: Buffer): { problem?: string; msgid: string | null } {
  const members = objectMembers(body);
  if (!members) return { problem: 'the body must be a JSON object: {"id": "api.sunbird.telemetry", "ver": "3.0", "params": {"msgid": "…"}, "events": [...]}', msgid: null };
  const params = members.get('params');
  const paramsMembers = valueKind(body, params) === 'object' ? objectMembers(body, params!.start, params!.end) : null;
  const msgidRange = paramsMembers?.get('msgid');
  const msgid = valueKind(body, msgidRange) === 'string' ? JSON.parse(body.toString('utf8', msgidRange!.start, msgidRange!.end)) as string : null;
  const events = members.get('events');
  if (valueKind(body, events) !== 'array') return { problem: events === undefined ? 'the batch has no events array' : 'events must be an array of telemetry events', msgid };
  if (params !== undefined && !paramsMembers) return { problem: 'params must be an object', msgid };
  return { msgid };
}

export function registerTelemetryRoutes({ app, acceptor, config, metrics }: SourceContext): void {
  const receive = async (request: FastifyRequest, reply: FastifyReply) => {
    const raw = request.body;
    if (!Buffer.isBuffer(raw)) return send(reply, { status: 400, msgid: null, error: { code: 'INVALID_REQUEST', message: 'the body is empty: send a telemetry batch' } });
    let record: Buffer;
    try {
      const records = await parseIngestBody(raw, {
        contentType: 'application/json',
        contentEncoding: request.headers['content-encoding'],
        maxBodyBytes: config.ingest.maxBodyBytes,
        limits: config.limits,
      });
      if (records.length !== 1) throw new IngestError(400, 'not_an_object', 'the body must be one batch object, not an array');
      record = records[0]!;
    } catch (error) {
      if (!(error instanceof IngestError)) throw error;
      metrics.rejectedRequests.inc({ code: error.code });
      return send(reply, { status: error.status, msgid: null, error: { code: 'INVALID_REQUEST', message: error.message } });
    }
    const { problem, msgid } = readEnvelope(record);
    if (problem) {
      metrics.rejectedRequests.inc({ code: 'bad_telemetry_batch' });
      return send(reply, { status: 400, msgid, error: { code: 'INVALID_REQUEST', message: problem } });
    }
    const result = await acceptor.accept(TOPICS.ingest, [record]);
    if ('refused' in result) {
      const status = REFUSAL_STATUS[result.refused.kind];
      return send(reply, { status, msgid, error: { code: result.refused.code.toUpperCase(), message: result.refused.message }, ...(status === 429 || status === 503 ? { retryAfterSeconds: 1 } : {}) });
    }
    return send(reply, { status: 200, msgid });
  };
  app.post('/v1/telemetry', receive);
  app.post('/api/data/v1/telemetry', receive);
}
