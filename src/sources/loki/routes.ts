// Loki's push API: POST /loki/api/v1/push, protobuf + snappy (what Promtail, Alloy and Loki's
// clients send) or JSON (optionally gzip), and GET /ready. Into the stream `?stream=` or the
// X-Tributary-Stream header names (default ingest.defaultStream). 204 once durable, as Loki
// answers; a bad request is a 400 with a plain-text reason, held back 429 / unavailable 503
// with Retry-After.
import { gunzip } from 'node:zlib';
import { promisify } from 'node:util';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../../config/config.ts';
import type { Acceptor } from '../accept.ts';
import { serializedRecord } from '../../record/limits.ts';
import { requestedStream } from '../http/requested-stream.ts';
import { entryRecord, isoOfNanos, LokiRequestError } from './records.ts';

const gunzipAsync = promisify(gunzip);

type Plain = Record<string, unknown>;

export interface LokiDeps {
  acceptor: Acceptor;
  config: Config;
}

function jsonRecords(bytes: Buffer): Array<Record<string, unknown>> {
  let request: unknown;
  try {
    request = JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    throw new LokiRequestError(`the body is not JSON: ${(error as Error).message}`);
  }
  const streams = (request as Plain | null)?.streams;
  if (!Array.isArray(streams)) throw new LokiRequestError('the body has no "streams" array');
  const records: Array<Record<string, unknown>> = [];
  for (const [s, stream] of streams.entries()) {
    const labels = (stream as Plain | null)?.stream ?? {};
    const values = (stream as Plain | null)?.values;
    if (typeof labels !== 'object' || labels === null || Array.isArray(labels) || !Array.isArray(values)) throw new LokiRequestError(`streams[${s}] needs "stream" (labels) and "values"`);
    const labelValues = Object.fromEntries(Object.entries(labels).map(([key, value]) => [key, String(value)]));
    for (const [v, value] of values.entries()) {
      const [time, line, metadata] = Array.isArray(value) ? value as unknown[] : [];
      if (typeof time !== 'string' || !/^\d+$/.test(time) || typeof line !== 'string') throw new LokiRequestError(`streams[${s}].values[${v}] is not ["<unix ns>", "<line>"]`);
      const meta = metadata && typeof metadata === 'object' && !Array.isArray(metadata) ? Object.fromEntries(Object.entries(metadata).map(([key, item]) => [key, String(item)])) : {};
      records.push(entryRecord(labelValues, isoOfNanos(BigInt(time)), line, meta));
    }
  }
  return records;
}

async function decodedRecords(request: FastifyRequest, maxBytes: number): Promise<Array<Record<string, unknown>>> {
  let bytes = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
  const type = (request.headers['content-type'] ?? 'application/x-protobuf').split(';')[0]!.trim().toLowerCase();
  const encoding = (request.headers['content-encoding'] ?? '').trim().toLowerCase();
  if (type === 'application/json') {
    if (encoding === 'gzip') bytes = await gunzipAsync(bytes, { maxOutputLength: maxBytes }).catch((error: Error) => { throw new LokiRequestError(`the body is not valid gzip: ${error.message}`); });
    return jsonRecords(bytes);
  }
  if (type !== 'application/x-protobuf') throw new LokiRequestError(`Content-Type '${type}' is not a Loki push: send application/x-protobuf (snappy) or application/json`);
  const { protobufPushRecords } = await import('./protobuf.ts');
  return protobufPushRecords(bytes, maxBytes);
}

function sendText(reply: FastifyReply, status: number, text: string): FastifyReply {
  if (status === 429 || status === 503) reply.header('retry-after', '1');
  return reply.code(status).type('text/plain; charset=utf-8').send(`${text}\n`);
}

export function registerLokiRoutes(app: FastifyInstance, deps: LokiDeps): void {
  const { acceptor, config } = deps;
  app.get('/ready', async (_request, reply) => reply.type('text/plain').send('ready\n'));
  app.post('/loki/api/v1/push', async (request, reply) => {
    const target = requestedStream(request, config.ingest.defaultStream);
    if ('problem' in target) return sendText(reply, 400, target.problem);
    const { stream } = target;
    let records: Array<Record<string, unknown>>;
    try {
      records = await decodedRecords(request, config.ingest.maxBodyBytes);
    } catch (error) {
      if (!(error instanceof LokiRequestError)) throw error;
      return sendText(reply, 400, error.message);
    }
    const values: Buffer[] = [];
    for (const [i, record] of records.entries()) {
      const serialized = serializedRecord(record, config.limits);
      if ('problem' in serialized) return sendText(reply, 400, `entry ${i}: ${serialized.problem}; nothing of the request was kept`);
      values.push(serialized.bytes);
    }
    if (values.length > 0) {
      const result = await acceptor.accept(stream, values);
      if ('refused' in result) {
        const status = result.refused.kind === 'backlog' ? 429 : result.refused.kind === 'unavailable' ? 503 : 413;
        return sendText(reply, status, result.refused.message);
      }
    }
    return reply.code(204).send();
  });
}
