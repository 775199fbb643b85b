// The members of a JSON object that is known to be valid (checked by the ingest scanner or
// JSON.parse), as the byte ranges of their values, without building the object: a route that
// needs a few top-level fields of a large body (Sunbird's batch envelope: events, params.msgid)
// reads them here and leaves the parse to whoever consumes the body.
import { jsonValueExtent, skipSpace } from './json-object-scan.ts';

export interface ValueRange {
  start: number;
  end: number;
}

const QUOTE = 0x22;
const COMMA = 0x2c;
const OPEN_OBJECT = 0x7b;

/**
 * The members of the valid JSON object in bytes[start, end), by key (of a key given twice the last,
 * as JSON.parse keeps), or null when the value there is not an object.
 */
export function objectMembers(bytes: Buffer, start = 0, end = bytes.length): Map<string, ValueRange> | null {
  let i = skipSpace(bytes, start, end);
  if (bytes[i] !== OPEN_OBJECT) return null;
  const members = new Map<string, ValueRange>();
  i = skipSpace(bytes, i + 1, end);
  while (i < end && bytes[i] === QUOTE) {
    const keyEnd = jsonValueExtent(bytes, i, end);
    const key = JSON.parse(bytes.toString('utf8', i, keyEnd)) as string;
    const valueStart = skipSpace(bytes, skipSpace(bytes, keyEnd, end) + 1, end); // past the colon
    const valueEnd = jsonValueExtent(bytes, valueStart, end);
    members.set(key, { start: valueStart, end: valueEnd });
    i = skipSpace(bytes, valueEnd, end);
    if (bytes[i] === COMMA) i = skipSpace(bytes, i + 1, end);
  }
  return members;
}

const KINDS: Record<string, 'object' | 'array' | 'string'> = { '{': 'object', '[': 'array', '"': 'string' };

/** What a member's value is, by its first byte: undefined when the member is absent. */
export function valueKind(bytes: Buffer, range: ValueRange | undefined): 'object' | 'array' | 'string' | 'other' | undefined {
  return range === undefined ? undefined : KINDS[String.fromCharCode(bytes[range.start]!)] ?? 'other';
}
