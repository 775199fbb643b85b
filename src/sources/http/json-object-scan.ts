// Checks that bytes hold one JSON object within the record limits, without building it: the
// ingest fast path for NDJSON lines, which the log stores as the bytes that arrived. JSON.parse
// builds every object (and internalizes every key) only to be thrown away, ~25 % of the main
// thread at 100k records/s (docs/performance.md, step 8).
//
// Sound, not complete: it answers true only for text JSON.parse accepts as an object that
// checkShape passes. Anything else (including valid text it does not bother with, such as an
// object with duplicate keys that would count past maxFields) is false, and the caller takes the
// slow path, which gives the same answer and error messages as before.
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
  const s = new Scanner(bytes, start, end);
  s.skipSpace();
  if (bytes[s.i] !== OPEN_OBJECT || s.i >= end) return false;
  const stack = new Uint8Array(limits.maxDepth + 1);
  let depth = 0;
  let fields = 0;
  // Each turn reads one value at s.i, then what follows it up to the next value.
  for (;;) {
    const byte = bytes[s.i];
    if (s.i >= end || byte === undefined) return false;
    let opened = false;
    if (byte === OPEN_OBJECT || byte === OPEN_ARRAY) {
      if (++depth > limits.maxDepth) return false;
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
      if (!s.string()) return false;
    } else if (byte === MINUS || isDigit(byte)) {
      if (!s.number()) return false;
    } else if (!s.literal()) {
      return false;
    }
    if (opened) {
      if (stack[depth] === OBJECT && !key()) return false;
      continue;
    }
    // after a value: close containers or move to the next element
    for (;;) {
      s.skipSpace();
      if (depth === 0) return s.i === end;
      if (s.i >= end) return false;
      const next = bytes[s.i]!;
      if (next === COMMA) {
        s.i++;
        s.skipSpace();
        if (stack[depth] === OBJECT && !key()) return false;
        break;
      }
      if (next !== (stack[depth] === OBJECT ? CLOSE_OBJECT : CLOSE_ARRAY)) return false;
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
