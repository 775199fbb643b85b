// OTLP/HTTP logs: POST /v1/logs, protobuf (application/x-protobuf) or JSON (application/json, with
// OTLP/JSON's rules: hex ids, integer enums, int64 as strings), optionally gzip, answered in the
// request's encoding. Into the stream `?stream=` or the X-Tributary-Stream header names (default
// ingest.defaultStream). A record breaking a limit is left out and counted in partialSuccess; a
// body that does not decode is a 400 Status; held back or unavailable: 429/503 with Retry-After.
import { gunzip } from 'node:zlib';
import { promisify } from 'node:util';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../../config/config.ts';
import type { Acceptor } from '../accept.ts';
import { serializedRecord } from '../../record/limits.ts';
import { requestedStream } from '../http/requested-stream.ts';
import { logRecords } from './records.ts';

const gunzipAsync = promisify(gunzip);
type Messages = typeof import('./protobuf.ts');
let messages: Promise<Messages> | undefined;
const schema = (): Promise<Messages> => (messages ??= import('./protobuf.ts'));

/** google.rpc.Code */
const INVALID_ARGUMENT = 3;
const RESOURCE_EXHAUSTED = 8;
const UNAVAILABLE = 14;

type Encoding = 'protobuf' | 'json';

export interface OtlpDeps {
  acceptor: Acceptor;
  config: Config;
}

function encodingOf(contentType: string | undefined): Encoding | null {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === 'application/x-protobuf' || type === 'application/protobuf') return 'protobuf';
  if (type === 'application/json') return 'json';
  return null;
}

async function send(reply: FastifyReply, encoding: Encoding, status: number, message: 'Status' | 'ExportLogsServiceResponse', body: Record<string, unknown>): Promise<FastifyReply> {
  if (status === 429 || status === 503) reply.header('retry-after', '1');
  if (encoding === 'json') return reply.code(status).type('application/json').send(JSON.stringify(body));
  const type = (await schema())[message];
  return reply.code(status).type('application/x-protobuf').send(Buffer.from(type.encode(type.fromObject(body)).finish()));
}

function sendStatus(reply: FastifyReply, encoding: Encoding, status: number, code: number, message: string): Promise<FastifyReply> {
  return send(reply, encoding, status, 'Status', { code, message });
}

async function decompressed(request: FastifyRequest, maxBytes: number): Promise<Buffer> {
  const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
  const encoding = (request.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
  if (encoding === 'identity') return raw;
  if (encoding !== 'gzip') throw new Error(`Content-Encoding '${encoding}' is not supported: use gzip or none`);
  return gunzipAsync(raw, { maxOutputLength: maxBytes });
}

async function decode(bytes: Buffer, encoding: Encoding): Promise<Record<string, unknown>> {
  if (encoding === 'json') {
    const parsed: unknown = JSON.parse(bytes.toString('utf8'));
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('the body is not an ExportLogsServiceRequest object');
    return parsed as Record<string, unknown>;
  }
  const { ExportLogsServiceRequest } = await schema();
  return ExportLogsServiceRequest.toObject(ExportLogsServiceRequest.decode(bytes), { longs: String }) as Record<string, unknown>;
}

export function registerOtlpRoutes(app: FastifyInstance, deps: OtlpDeps): void {
  const { acceptor, config } = deps;
  app.post('/v1/logs', async (request, reply) => {
    const encoding = encodingOf(request.headers['content-type']);
    if (!encoding) {
      return sendStatus(reply, 'json', 415, INVALID_ARGUMENT, `Content-Type '${request.headers['content-type'] ?? ''}' is not OTLP: send application/x-protobuf or application/json`);
    }
    const target = requestedStream(request, config.ingest.defaultStream);
    if ('problem' in target) return sendStatus(reply, encoding, 400, INVALID_ARGUMENT, target.problem);
    const { stream } = target;
    let records: Array<Record<string, unknown>>;
    try {
      records = logRecords(await decode(await decompressed(request, config.ingest.maxBodyBytes), encoding));
    } catch (error) {
      return sendStatus(reply, encoding, 400, INVALID_ARGUMENT, `the body is not an OTLP logs export request (${encoding}): ${(error as Error).message}`);
    }
    const accepted: Buffer[] = [];
    const problems: string[] = [];
    for (const [i, record] of records.entries()) {
      const serialized = serializedRecord(record, config.limits);
      if ('problem' in serialized) problems.push(`log record ${i}: ${serialized.problem}`);
      else accepted.push(serialized.bytes);
    }
    if (accepted.length > 0) {
      const result = await acceptor.accept(stream, accepted);
      if ('refused' in result) {
        const { kind, message } = result.refused;
        const [status, code] = kind === 'backlog' ? [429, RESOURCE_EXHAUSTED] : kind === 'unavailable' ? [503, UNAVAILABLE] : [413, INVALID_ARGUMENT];
        return sendStatus(reply, encoding, status, code, message);
      }
    }
    const partial = problems.length > 0 ? { partialSuccess: { rejectedLogRecords: String(problems.length), errorMessage: problems.slice(0, 5).join('; ') } } : {};
    return send(reply, encoding, 200, 'ExportLogsServiceResponse', partial);
  });
}
