// Request bodies for the load generator: one batch of generated records in a wire format.
//   ndjson  — one record per line (Content-Type application/x-ndjson)
//   gzip    — ndjson, gzip-compressed (Content-Encoding: gzip)
//   es-bulk — Elasticsearch/OpenSearch _bulk: {"create":{}} before each document
// Any format can also be gzip-compressed with `gzip: true`.

import { gzipSync } from 'node:zlib';
import { generateRecordParts, renderChunk, renderNdjsonLine } from './generator.ts';
import type { GeneratorOptions } from './generator.ts';

export type BodyFormat = 'ndjson' | 'gzip' | 'es-bulk';
export const BODY_FORMATS: readonly BodyFormat[] = ['ndjson', 'gzip', 'es-bulk'];

export interface BodySpec {
  format: BodyFormat;
  seed: number;
  generator: GeneratorOptions;
  /** Compress the body (implied by format gzip). */
  gzip?: boolean;
  /** zlib level, default 1: fast, so the load generator stays cheap. */
  gzipLevel?: number;
}

export interface RequestBody {
  startIndex: number;
  records: number;
  body: Buffer;
  /** Size before compression. */
  rawBytes: number;
}

const ES_BULK_ACTION = '{"create":{}}\n';

export function isBodyFormat(value: string): value is BodyFormat {
  return (BODY_FORMATS as readonly string[]).includes(value);
}

export function bodyHeaders(spec: BodySpec): Record<string, string> {
  const headers: Record<string, string> = { 'content-type': 'application/x-ndjson' };
  if (spec.format === 'gzip' || spec.gzip) headers['content-encoding'] = 'gzip';
  return headers;
}

export function buildRequestBody(spec: BodySpec, startIndex: number, records: number): RequestBody {
  const { seed, generator } = spec;
  const raw = spec.format === 'es-bulk'
    ? renderChunk(startIndex, records, (i) => ES_BULK_ACTION + renderNdjsonLine(generateRecordParts(seed, i, generator)))
    : renderChunk(startIndex, records, (i) => renderNdjsonLine(generateRecordParts(seed, i, generator)));
  const compress = spec.format === 'gzip' || spec.gzip === true;
  const body = compress ? gzipSync(raw, { level: spec.gzipLevel ?? 1 }) : raw;
  return { startIndex, records, body, rawBytes: raw.length };
}
