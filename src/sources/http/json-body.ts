// Turns an ingest request body (JSON object, JSON array or NDJSON, optionally gzip) into one
// serialized JSON object per record. Nothing is accepted unless the whole body is valid, so a
// rejected request never half-writes.
import { gunzip } from 'node:zlib';
import { promisify } from 'node:util';
import { IngestError } from './ingest-error.ts';
import { checkShape, type RecordLimits } from '../../record/limits.ts';
import { isPlainObject } from '../../record/normalize.ts';

const gunzipAsync = promisify(gunzip);
const utf8 = new TextDecoder('utf-8', { fatal: true });

export type BodyFormat = 'json' | 'ndjson';

const FORMATS: Record<string, BodyFormat> = {
  'application/json': 'json',
  'text/json': 'json',
  'text/plain': 'json',
  'application/x-ndjson': 'ndjson',
  'application/ndjson': 'ndjson',
  'application/jsonl': 'ndjson',
  'application/x-jsonlines': 'ndjson',
  'application/jsonlines': 'ndjson',
};

export function bodyFormat(contentType: string | undefined): BodyFormat {
  const type = (contentType ?? 'application/json').split(';')[0]!.trim().toLowerCase();
  const format = FORMATS[type];
  if (!format) {
    throw new IngestError(415, 'unsupported_content_type',
      `Content-Type '${type}' is not accepted: send application/json (an object or an array of objects) or application/x-ndjson (one object per line)`);
  }
  return format;
}

export interface BodyOptions {
  contentType?: string;
  contentEncoding?: string;
  maxBodyBytes: number;
  limits: RecordLimits;
}

export async function decodeBody(raw: Buffer, options: BodyOptions): Promise<string> {
  let bytes = raw;
  const encoding = (options.contentEncoding ?? 'identity').trim().toLowerCase();
  if (encoding === 'gzip' || encoding === 'x-gzip') {
    try {
      bytes = await gunzipAsync(raw, { maxOutputLength: options.maxBodyBytes });
    } catch (error) {
      const tooLarge = (error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE';
      throw tooLarge
        ? new IngestError(413, 'body_too_large', `the decompressed body is larger than ${options.maxBodyBytes} bytes: send smaller batches`)
        : new IngestError(400, 'bad_gzip', `the body is not valid gzip: ${(error as Error).message}`);
    }
  } else if (encoding !== 'identity') {
    throw new IngestError(415, 'unsupported_content_encoding', `Content-Encoding '${encoding}' is not supported: use gzip or none`);
  }
  try {
    return utf8.decode(bytes);
  } catch {
    throw new IngestError(400, 'invalid_utf8', 'the body is not valid UTF-8');
  }
}

function shapeError(where: string, value: unknown, limits: RecordLimits): IngestError | null {
  if (!isPlainObject(value)) {
    const kind = Array.isArray(value) ? 'an array' : value === null ? 'null' : `a ${typeof value}`;
    return new IngestError(400, 'not_an_object', `${where} is ${kind}; each record must be a JSON object`);
  }
  const reason = checkShape(value, limits);
  return reason ? new IngestError(400, 'record_limit', `${where} breaks a limit: ${reason}`) : null;
}

function parseJson(text: string, where: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const reason = error instanceof RangeError ? 'nesting too deep to parse' : (error as Error).message;
    throw new IngestError(400, 'invalid_json', `${where} is not valid JSON: ${reason}`);
  }
}

function checkSize(serialized: string, where: string, limits: RecordLimits): void {
  if (Buffer.byteLength(serialized) > limits.maxRecordBytes) {
    throw new IngestError(413, 'record_too_large', `${where} is larger than ${limits.maxRecordBytes} bytes`);
  }
}

function parseNdjson(text: string, limits: RecordLimits): string[] {
  const records: string[] = [];
  let start = 0;
  let lineNumber = 0;
  while (start <= text.length) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    lineNumber++;
    const line = text.slice(start, end).trim();
    start = end + 1;
    if (line.length === 0) continue;
    const where = `line ${lineNumber}`;
    const value = parseJson(line, where);
    const error = shapeError(where, value, limits);
    if (error) throw error;
    checkSize(line, where, limits);
    records.push(line);
  }
  return records;
}

function parseJsonDocument(text: string, limits: RecordLimits): string[] {
  const trimmed = text.trim();
  if (trimmed.length === 0) throw new IngestError(400, 'empty_body', 'the body is empty: send a JSON object, an array of objects or NDJSON');
  let value: unknown;
  try {
    value = JSON.parse(trimmed);
  } catch (error) {
    // Clients often send NDJSON labelled application/json.
    if (trimmed.includes('\n')) return parseNdjson(trimmed, limits);
    const reason = error instanceof RangeError ? 'nesting too deep to parse' : (error as Error).message;
    throw new IngestError(400, 'invalid_json', `the body is not valid JSON: ${reason}`);
  }
  if (Array.isArray(value)) {
    return value.map((item, index) => {
      const where = `array element ${index}`;
      const error = shapeError(where, item, limits);
      if (error) throw error;
      const serialized = JSON.stringify(item);
      checkSize(serialized, where, limits);
      return serialized;
    });
  }
  const error = shapeError('the body', value, limits);
  if (error) throw error;
  checkSize(trimmed, 'the body', limits);
  return [trimmed];
}

/** Serialized JSON objects, one per record, in input order. */
export async function parseIngestBody(raw: Buffer, options: BodyOptions): Promise<string[]> {
  const format = bodyFormat(options.contentType);
  const text = await decodeBody(raw, options);
  const records = format === 'ndjson' ? parseNdjson(text, options.limits) : parseJsonDocument(text, options.limits);
  if (records.length === 0) throw new IngestError(400, 'empty_body', 'the body holds no records');
  return records;
}
