// Turns an ingest request body (JSON object, JSON array or NDJSON, optionally gzip) into one
// serialized JSON object per record: the bytes each came as (an NDJSON line, an array element, the
// body), checked by the byte scanner of json-object-scan.ts, or the thorough way when it declines.
// Nothing is accepted unless the whole body is valid, so a rejected request never half-writes.
import { gunzip } from 'node:zlib';
import { promisify } from 'node:util';
import { isUtf8 } from 'node:buffer';
import { IngestError } from './ingest-error.ts';
import { checkShape, type RecordLimits } from '../../record/limits.ts';
import { isPlainObject } from '../../record/normalize.ts';
import { isJsonObjectWithinLimits, isJsonSpace, scanJsonArray } from './json-object-scan.ts';

const gunzipAsync = promisify(gunzip);
const NEWLINE = 0x0a;
const OPEN_OBJECT = 0x7b;
const OPEN_ARRAY = 0x5b;

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

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/** The body's bytes, decompressed, checked to be UTF-8 and without a byte order mark. */
export async function bodyBytes(raw: Buffer, options: BodyOptions): Promise<Buffer> {
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
  if (!isUtf8(bytes)) throw new IngestError(400, 'invalid_utf8', 'the body is not valid UTF-8');
  return bytes.subarray(0, BOM.length).equals(BOM) ? bytes.subarray(BOM.length) : bytes;
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
  checkByteSize(Buffer.byteLength(serialized), where, limits);
}

function checkByteSize(bytes: number, where: string, limits: RecordLimits): void {
  if (bytes > limits.maxRecordBytes) {
    throw new IngestError(413, 'record_too_large', `${where} is larger than ${limits.maxRecordBytes} bytes`);
  }
}

/** A line the scanner did not pass, checked the thorough way: its text, or null when it is only whitespace. */
function checkedLine(text: string, where: string, limits: RecordLimits): Buffer | null {
  const line = text.trim();
  if (line.length === 0) return null;
  const error = shapeError(where, parseJson(line, where), limits);
  if (error) throw error;
  checkSize(line, where, limits);
  return Buffer.from(line);
}

/**
 * The record between `first` and `last` (no surrounding whitespace): the bytes that came when the
 * scanner passes them, else checked the thorough way; an IngestError naming `where` when it is
 * not a JSON object within the limits.
 */
export function recordAt(bytes: Buffer, first: number, last: number, where: string, limits: RecordLimits): Buffer {
  if (isJsonObjectWithinLimits(bytes, first, last, limits)) return bytes.subarray(first, last);
  const line = checkedLine(bytes.toString('utf8', first, last), where, limits);
  if (!line) throw new IngestError(400, 'empty_record', `${where} is empty`);
  return line;
}

/** The lines of an NDJSON body that hold more than whitespace: where each starts and ends, trimmed, and its number. */
export function* ndjsonLines(bytes: Buffer): Generator<{ first: number; last: number; number: number }> {
  let start = 0;
  let number = 0;
  while (start <= bytes.length) {
    let end = bytes.indexOf(NEWLINE, start);
    if (end === -1) end = bytes.length;
    number++;
    let first = start;
    let last = end;
    start = end + 1;
    while (first < last && isJsonSpace(bytes[first]!)) first++;
    while (last > first && isJsonSpace(bytes[last - 1]!)) last--;
    if (first < last) yield { first, last, number };
  }
}

/** Lines stay views of the body: a line the scanner passes is stored as the bytes that came. */
function parseNdjson(bytes: Buffer, limits: RecordLimits): Buffer[] {
  const records: Buffer[] = [];
  for (const { first, last, number: lineNumber } of ndjsonLines(bytes)) {
    if (isJsonObjectWithinLimits(bytes, first, last, limits)) {
      records.push(bytes.subarray(first, last));
      continue;
    }
    const line = checkedLine(bytes.toString('utf8', first, last), `line ${lineNumber}`, limits);
    if (line) records.push(line);
  }
  return records;
}

/**
 * The records of a JSON array body, each the bytes its element came as (never re-serialized: a
 * big integer or `1.0` stays as sent). An element the scanner did not pass is checked the thorough
 * way (JSON.parse of its slice alone) and refused naming its index. Null when the array is followed
 * by more than whitespace: the caller decides (NDJSON sent as application/json).
 */
function arrayRecords(bytes: Buffer, first: number, last: number, limits: RecordLimits): Buffer[] | null {
  const scan = scanJsonArray(bytes, first, last, limits);
  if (!scan.ok) {
    if ('trailingAt' in scan) return null;
    throw new IngestError(400, 'invalid_json', `the body is not valid JSON: ${scan.problem}`);
  }
  const records = new Array<Buffer>(scan.elements.length);
  for (let index = 0; index < scan.elements.length; index++) {
    const { start, end, checked } = scan.elements[index]!;
    if (!checked) {
      const where = `array element ${index}`;
      const error = shapeError(where, parseJson(bytes.toString('utf8', start, end), where), limits);
      if (error) throw error;
      checkByteSize(end - start, where, limits);
    }
    records[index] = bytes.subarray(start, end);
  }
  return records;
}

function parseJsonDocument(bytes: Buffer, limits: RecordLimits): Buffer[] {
  // The common cases, one object or an array of objects, are checked by the byte scanner.
  let first = 0;
  let last = bytes.length;
  while (first < last && isJsonSpace(bytes[first]!)) first++;
  while (last > first && isJsonSpace(bytes[last - 1]!)) last--;
  if (bytes[first] === OPEN_ARRAY) {
    const records = arrayRecords(bytes, first, last, limits);
    if (records) return records;
  } else if (bytes[first] === OPEN_OBJECT && isJsonObjectWithinLimits(bytes, first, last, limits)) {
    return [bytes.subarray(first, last)];
  }
  // Anything else the thorough way.
  const trimmed = bytes.toString('utf8').trim();
  if (trimmed.length === 0) throw new IngestError(400, 'empty_body', 'the body is empty: send a JSON object, an array of objects or NDJSON');
  let value: unknown;
  try {
    value = JSON.parse(trimmed);
  } catch (error) {
    // Clients often send NDJSON labelled application/json.
    if (trimmed.includes('\n')) return parseNdjson(bytes, limits);
    const reason = error instanceof RangeError ? 'nesting too deep to parse' : (error as Error).message;
    throw new IngestError(400, 'invalid_json', `the body is not valid JSON: ${reason}`);
  }
  if (Array.isArray(value)) {
    // Only whitespace JSON does not know (such as U+00A0) around the array brings it here.
    const text = Buffer.from(trimmed);
    const records = arrayRecords(text, 0, text.length, limits);
    if (!records) throw new Error('the array scanner refused an array JSON.parse accepts');
    return records;
  }
  const error = shapeError('the body', value, limits);
  if (error) throw error;
  checkSize(trimmed, 'the body', limits);
  return [Buffer.from(trimmed)];
}

/** Serialized JSON objects, one per record, in input order. */
export async function parseIngestBody(raw: Buffer, options: BodyOptions): Promise<Buffer[]> {
  const format = bodyFormat(options.contentType);
  const bytes = await bodyBytes(raw, options);
  const records = format === 'ndjson' ? parseNdjson(bytes, options.limits) : parseJsonDocument(bytes, options.limits);
  if (records.length === 0) throw new IngestError(400, 'empty_body', 'the body holds no records');
  return records;
}
