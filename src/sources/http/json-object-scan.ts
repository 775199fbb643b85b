// Checks that bytes hold one JSON object within the record limits, without building it: the
// ingest fast path for NDJSON lines, which the log stores as the bytes that arrived. JSON.parse
// builds every object (and internalizes every key) only to be thrown away, ~25 % of the main
// thread at 100k records/s (docs/performance.md, step 8).
//
// Sound, not complete: it answers true only for text JSON.parse accepts as an object that
// checkShape passes. Anything else (including valid text it does not bother with, such as an
// object with duplicate keys that would count past maxFields) is false, and the caller takes the
// slow path, which gives the same answer and error messages as before.
//
// scanJsonArray splits a JSON array body into its elements' byte ranges the same way, so each
// element of `[{...},{...}]` is stored as the bytes that came too (a big integer or `1.0` kept).
import type { RecordLimits } from '../../record/limits.ts';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const MINUS = 0x2d;
const PLUS = 0x2b;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;

/** JSON's whitespace: space, tab, line feed, carriage return. */
export function isJsonSpace(byte: number): boolean {
  return byte === 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d;
}

function isDigit(byte: number): boolean {
  return byte >= ZERO && byte <= NINE;
}

function isHex(byte: number): boolean {
  return isDigit(byte) || (byte >= 0x41 && byte <= 0x46) || (byte >= 0x61 && byte <= 0x66);
}

const ESCAPABLE = new Uint8Array(128);
for (const c of '"\\/bfnrt') ESCAPABLE[c.charCodeAt(0)] = 1;

const LITERALS: Record<number, Uint8Array> = {
  0x74: Buffer.from('true'),
  0x66: Buffer.from('false'),
  0x6e: Buffer.from('null'),
};

/** In objects the stack holds OBJECT, in arrays ARRAY. */
const OBJECT = 1;
const ARRAY = 2;

class Scanner {
  i: number;
  private readonly bytes: Uint8Array;
  private readonly end: number;

  constructor(bytes: Uint8Array, start: number, end: number) {
    this.bytes = bytes;
    this.i = start;
    this.end = end;
  }

  skipSpace(): void {
    while (this.i < this.end && isJsonSpace(this.bytes[this.i]!)) this.i++;
  }

  /** At `"`: moves past the closing quote; false if the string is not valid JSON. */
  string(): boolean {
    const { bytes, end } = this;
    let i = this.i + 1;
    while (i < end) {
      const byte = bytes[i]!;
      if (byte === QUOTE) {
        this.i = i + 1;
        return true;
      }
      if (byte < 0x20) return false;
      if (byte === BACKSLASH) {
        const escaped = bytes[i + 1];
        if (escaped === undefined || i + 1 >= end) return false;
        if (escaped === 0x75) {
          if (i + 5 >= end) return false;
          for (let k = 2; k <= 5; k++) if (!isHex(bytes[i + k]!)) return false;
          i += 6;
        } else if (escaped < 128 && ESCAPABLE[escaped] === 1) {
          i += 2;
        } else {
          return false;
        }
      } else {
        i++;
      }
    }
    return false;
  }

  /** -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
  number(): boolean {
    const { bytes, end } = this;
    let i = this.i;
    if (bytes[i] === MINUS) i++;
    if (i >= end || !isDigit(bytes[i]!)) return false;
    if (bytes[i] === ZERO) i++;
    else while (i < end && isDigit(bytes[i]!)) i++;
    if (i < end && bytes[i] === DOT) {
      i++;
      if (i >= end || !isDigit(bytes[i]!)) return false;
      while (i < end && isDigit(bytes[i]!)) i++;
    }
    if (i < end && (bytes[i] === 0x65 || bytes[i] === 0x45)) {
      i++;
      if (i < end && (bytes[i] === PLUS || bytes[i] === MINUS)) i++;
      if (i >= end || !isDigit(bytes[i]!)) return false;
      while (i < end && isDigit(bytes[i]!)) i++;
    }
    this.i = i;
    return true;
  }

  literal(): boolean {
    const expected = LITERALS[this.bytes[this.i]!];
    if (!expected || this.i + expected.length > this.end) return false;
    for (let k = 1; k < expected.length; k++) if (this.bytes[this.i + k] !== expected[k]) return false;
    this.i += expected.length;
    return true;
  }
}

/** True when bytes[start, end) are one JSON object (surrounding whitespace allowed) within the limits. */
export function isJsonObjectWithinLimits(bytes: Uint8Array, start: number, end: number, limits: RecordLimits): boolean {
  if (end - start > limits.maxRecordBytes) return false;
  while (start < end && isJsonSpace(bytes[start]!)) start++;
  let objectEnd = jsonObjectEnd(bytes, start, end, limits);
  if (objectEnd === -1) return false;
  while (objectEnd < end && isJsonSpace(bytes[objectEnd]!)) objectEnd++;
  return objectEnd === end;
}

/**
 * Where the JSON object that starts at bytes[start] (a `{`) ends: the index just past its `}`, or
 * -1 when no object within the limits (maxRecordBytes aside: the caller bounds `end`) ends before
 * `end`. Sound in the same way as isJsonObjectWithinLimits.
 */
export function jsonObjectEnd(bytes: Uint8Array, start: number, end: number, limits: RecordLimits): number {
  const s = new Scanner(bytes, start, end);
  if (s.i >= end || bytes[s.i] !== OPEN_OBJECT) return -1;
  const stack = new Uint8Array(limits.maxDepth + 1);
  let depth = 0;
  let fields = 0;
  // Each turn reads one value at s.i, then what follows it up to the next value.
  for (;;) {
    const byte = bytes[s.i];
    if (s.i >= end || byte === undefined) return -1;
    let opened = false;
    if (byte === OPEN_OBJECT || byte === OPEN_ARRAY) {
      if (++depth > limits.maxDepth) return -1;
      stack[depth] = byte === OPEN_OBJECT ? OBJECT : ARRAY;
      s.i++;
      s.skipSpace();
      const close = byte === OPEN_OBJECT ? CLOSE_OBJECT : CLOSE_ARRAY;
      if (s.i < end && bytes[s.i] === close) {
        s.i++;
        depth--;
      } else {
        opened = true;
      }
    } else if (byte === QUOTE) {
      if (!s.string()) return -1;
    } else if (byte === MINUS || isDigit(byte)) {
      if (!s.number()) return -1;
    } else if (!s.literal()) {
      return -1;
    }
    if (opened) {
      if (stack[depth] === OBJECT && !key()) return -1;
      continue;
    }
    // after a value: close containers or move to the next element
    for (;;) {
      if (depth === 0) return s.i;
      s.skipSpace();
      if (s.i >= end) return -1;
      const next = bytes[s.i]!;
      if (next === COMMA) {
        s.i++;
        s.skipSpace();
        if (stack[depth] === OBJECT && !key()) return -1;
        break;
      }
      if (next !== (stack[depth] === OBJECT ? CLOSE_OBJECT : CLOSE_ARRAY)) return -1;
      s.i++;
      depth--;
    }
  }

  /** At a key: reads `"key" :` and the space before its value. */
  function key(): boolean {
    if (s.i >= end || bytes[s.i] !== QUOTE || !s.string()) return false;
    if (++fields > limits.maxFields) return false;
    s.skipSpace();
    if (s.i >= end || bytes[s.i] !== COLON) return false;
    s.i++;
    s.skipSpace();
    return true;
  }
}

/** One element of a JSON array: bytes[start, end), and whether jsonObjectEnd passed it already. */
export interface JsonArrayElement {
  start: number;
  end: number;
  /** True when the element is a JSON object within the limits; false when only its extent is known. */
  checked: boolean;
}

export type JsonArrayScan =
  | { ok: true; elements: JsonArrayElement[] }
  /** The array's own syntax is broken: `problem` names the element and the byte (relative to bytes). */
  | { ok: false; problem: string }
  /** The array is whole but more than whitespace follows it, at byte `at`. */
  | { ok: false; trailingAt: number; problem: string };

/**
 * Splits bytes[start, end), a JSON array with whitespace allowed around it and between its
 * elements, into its elements' byte ranges, without building anything. The separators (`[`, `,`,
 * `]`, whitespace) are checked here; an element that is a JSON object within the limits is checked
 * here too (`checked`), any other element only has its extent found (strings with their escapes,
 * nesting of both kinds of bracket), so the caller must check it the thorough way (JSON.parse of
 * its slice). Every valid JSON array splits, and into the elements JSON.parse would see.
 */
export function scanJsonArray(bytes: Uint8Array, start: number, end: number, limits: RecordLimits): JsonArrayScan {
  let i = skipSpace(bytes, start, end);
  if (i >= end || bytes[i] !== OPEN_ARRAY) return { ok: false, problem: `expected '[' at byte ${i}` };
  i = skipSpace(bytes, i + 1, end);
  const elements: JsonArrayElement[] = [];
  if (i < end && bytes[i] === CLOSE_ARRAY) {
    i++;
  } else {
    for (;;) {
      const index = elements.length;
      if (i >= end) return { ok: false, problem: `the body ends where array element ${index} should start` };
      const byte = bytes[i]!;
      if (byte === COMMA || byte === CLOSE_ARRAY) {
        return { ok: false, problem: `array element ${index} is missing: '${String.fromCharCode(byte)}' at byte ${i} where a value should be` };
      }
      let valueEnd = byte === OPEN_OBJECT ? jsonObjectEnd(bytes, i, Math.min(end, i + limits.maxRecordBytes), limits) : -1;
      const checked = valueEnd !== -1;
      if (!checked) valueEnd = jsonValueExtent(bytes, i, end);
      if (valueEnd === -1) return { ok: false, problem: `the body ends inside array element ${index} (it starts at byte ${i})` };
      elements.push({ start: i, end: valueEnd, checked });
      i = skipSpace(bytes, valueEnd, end);
      if (i >= end) return { ok: false, problem: `the body ends after array element ${index}, without ']'` };
      if (bytes[i] === COMMA) {
        i = skipSpace(bytes, i + 1, end);
        continue;
      }
      if (bytes[i] === CLOSE_ARRAY) {
        i++;
        break;
      }
      return { ok: false, problem: `expected ',' or ']' after array element ${index}, found '${String.fromCharCode(bytes[i]!)}' at byte ${i}` };
    }
  }
  const after = skipSpace(bytes, i, end);
  if (after !== end) return { ok: false, trailingAt: after, problem: `unexpected data after the array at byte ${after}` };
  return { ok: true, elements };
}

export function skipSpace(bytes: Uint8Array, i: number, end: number): number {
  while (i < end && isJsonSpace(bytes[i]!)) i++;
  return i;
}

/**
 * Where the value that starts at bytes[start] (not whitespace) would end if it were valid JSON, or
 * -1 when `end` comes first: a string to its closing quote, an object or array to the bracket that
 * brings the nesting back to zero (strings inside skipped), anything else up to whitespace, `,`,
 * `]` or `}`. It checks nothing else: the slice must still be validated.
 */
export function jsonValueExtent(bytes: Uint8Array, start: number, end: number): number {
  const first = bytes[start];
  if (first === QUOTE) return stringExtent(bytes, start, end);
  if (first === OPEN_OBJECT || first === OPEN_ARRAY) {
    let depth = 0;
    for (let i = start; i < end; i++) {
      const byte = bytes[i]!;
      if (byte === QUOTE) {
        i = stringExtent(bytes, i, end);
        if (i === -1) return -1;
        i--;
      } else if (byte === OPEN_OBJECT || byte === OPEN_ARRAY) {
        depth++;
      } else if (byte === CLOSE_OBJECT || byte === CLOSE_ARRAY) {
        if (--depth === 0) return i + 1;
      }
    }
    return -1;
  }
  let i = start;
  while (i < end) {
    const byte = bytes[i]!;
    if (isJsonSpace(byte) || byte === COMMA || byte === CLOSE_ARRAY || byte === CLOSE_OBJECT) break;
    i++;
  }
  return i;
}

/** At `"`: the index just past the closing quote (a backslash escapes the byte after it), or -1. */
function stringExtent(bytes: Uint8Array, start: number, end: number): number {
  for (let i = start + 1; i < end; i++) {
    const byte = bytes[i];
    if (byte === QUOTE) return i + 1;
    if (byte === BACKSLASH) i++;
  }
  return -1;
}
