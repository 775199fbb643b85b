// The members of a JSON object that is known to be valid (checked by the ingest scanner or
// JSON.parse), as the byte ranges of their values, without building the object: a route that
// needs a few top-level fields of a large body (Sunbird's batch envelope: events, params.msgid)
// reads them here and leaves the parse to whoever consumes the body.
import { isJsonSpace, jsonValueExtent } from './json-object-scan.ts';

const QUOTE = 0x22;
const COMMA = 0x2c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;

export interface ValueRange {
  start: number;
  end: number;
}

function skipSpace(bytes: Uint8Array, i: number, end: number): number {
  while (i < end && isJsonSpace(bytes[i]!)) i++;
  return i;
}

/** Where a value starting at `start` ends: scalars stop at whitespace, `,`, `}` or `]`. */
function valueEnd(bytes: Uint8Array, start: number, end: number): number {
  const first = bytes[start];
  if (first === QUOTE || first === OPEN_OBJECT || first === OPEN_ARRAY) return jsonValueExtent(bytes, start, end);
  let i = start;
  while (i < end && !isJsonSpace(bytes[i]!) && bytes[i] !== COMMA && bytes[i] !== CLOSE_OBJECT && bytes[i] !== CLOSE_ARRAY) i++;
  return i;
}

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
    i = skipSpace(bytes, keyEnd, end) + 1; // past the colon
    const valueStart = skipSpace(bytes, i, end);
    const valueStop = valueEnd(bytes, valueStart, end);
    members.set(key, { start: valueStart, end: valueStop });
    i = skipSpace(bytes, valueStop, end);
    if (bytes[i] === COMMA) i = skipSpace(bytes, i + 1, end);
  }
  return members;
}

/** The first byte of a member's value (`{`, `[`, `"`, a digit, `t`, `f`, `n`). */
export function valueKind(bytes: Buffer, range: ValueRange | undefined): number | undefined {
  return range === undefined ? undefined : bytes[range.start];
}
