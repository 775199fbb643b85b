// The stream a protocol's request writes to when the protocol has no name for it (OTLP, Loki):
// `?stream=NAME`, else the X-Tributary-Stream header (exporters can set headers, not always a
// query), else ingest.defaultStream.
import type { FastifyRequest } from 'fastify';
import { isStreamName, streamNameProblem } from '../../record/stream-name.ts';

export function requestedStream(request: FastifyRequest, defaultStream: string): { stream: string } | { problem: string } {
  const stream = (request.query as Record<string, string | undefined>).stream ?? (request.headers['x-tributary-stream'] as string | undefined) ?? defaultStream;
  return isStreamName(stream) ? { stream } : { problem: streamNameProblem(stream) };
}
