// Request bodies for the load generator: one batch of generated records in a wire format.
//   ndjson  — one record per line (Content-Type application/x-ndjson)
//   gzip    — ndjson, gzip-compressed (Content-Encoding: gzip)
//   es-bulk — Elasticsearch/OpenSearch _bulk: {"create":{}} before each document
// Any format can also be gzip-compressed with `gzip: true`.

import { closeSync, openSync, readSync } from 'node:fs';
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
const ES_BULK_ACTION_BYTES = Buffer.from(ES_BULK_ACTION);

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

/** Request bodies of `batch` lines each, read from an NDJSON file in order (blank lines skipped). */
export function* fileBodies(path: string, batch: number, spec: Pick<BodySpec, 'format' | 'gzip' | 'gzipLevel'>): Generator<RequestBody> {
  const fd = openSync(path, 'r');
  const compress = spec.format === 'gzip' || spec.gzip === true;
  const chunk = Buffer.allocUnsafe(8 << 20);
  let carry = Buffer.alloc(0);
  let lines: Buffer[] = [];
  let index = 0;
  const emit = (): RequestBody => {
    const raw = Buffer.concat(spec.format === 'es-bulk' ? lines.flatMap((line) => [ES_BULK_ACTION_BYTES, line]) : lines);
    const body = { startIndex: index, records: lines.length, body: compress ? gzipSync(raw, { level: spec.gzipLevel ?? 1 }) : raw, rawBytes: raw.length };
    index += lines.length;
    lines = [];
    return body;
  };
  try {
    for (;;) {
      const read = readSync(fd, chunk, 0, chunk.length, null);
      const data = read === 0 ? carry : Buffer.concat([carry, chunk.subarray(0, read)]);
      let start = 0;
      for (let nl = data.indexOf(10, start); nl >= 0; nl = data.indexOf(10, start)) {
        if (data.subarray(start, nl).some((b) => b !== 32 && b !== 13 && b !== 9)) lines.push(Buffer.from(data.subarray(start, nl + 1)));
        start = nl + 1;
        if (lines.length === batch) yield emit();
      }
      carry = Buffer.from(data.subarray(start));
      if (read === 0) break;
    }
    if (carry.some((b) => b !== 32 && b !== 13 && b !== 9)) lines.push(Buffer.concat([carry, Buffer.from('\n')]));
    if (lines.length > 0) yield emit();
  } finally {
    closeSync(fd);
  }
}
