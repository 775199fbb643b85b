// Whole lines read from a file but not yet delivered, each with the file position just past it,
// so the tailer can advance its checkpoint exactly as far as what the callback has accepted.
// Splitting works on raw bytes (Buffer.indexOf on 0x0a) and hands out views of the read chunks:
// no per-line decoding or copying.

const EMPTY = Buffer.alloc(0);
const LF = 0x0a;
const CR = 0x0d;
/** Delivered lines let go of together, at least this many at a time (a copy of the rest each time). */
const COMPACT_AFTER = 1024;

/** Up to `count` lines to deliver, or one over-long line to report instead (never both). */
export type Batch =
  | { kind: 'lines'; lines: Buffer[]; count: number; end: number }
  | { kind: 'oversized'; bytes: number; count: 1; end: number };

export class LineQueue {
  readonly #maxLineBytes: number;
  /** A number stands for an over-long line (its length), which is reported, not delivered. */
  #entries: (Buffer | number)[] = [];
  #ends: number[] = [];
  #head = 0;
  #carry: Buffer = EMPTY;
  /** Bytes of an over-long line still waiting for its newline, already thrown away; -1 if none. */
  #skipped = -1;

  constructor(maxLineBytes: number) {
    this.#maxLineBytes = maxLineBytes;
  }

  get length(): number {
    return this.#entries.length - this.#head;
  }

  /** Bytes after the last newline, to be put in front of the next read. */
  get carry(): Buffer {
    return this.#carry;
  }

  /**
   * Takes `data` (the carry followed by newly read bytes; `searchFrom` is where the new bytes
   * begin) ending at file position `dataEnd`.
   */
  add(data: Buffer, searchFrom: number, dataEnd: number): void {
    const base = dataEnd - data.length;
    let start = 0;
    let newline = data.indexOf(LF, searchFrom);
    if (this.#skipped >= 0) {
      if (newline === -1) {
        this.#skipped += data.length;
        this.#carry = EMPTY;
        return;
      }
      this.#push(this.#skipped + newline, base + newline + 1);
      this.#skipped = -1;
      start = newline + 1;
      newline = data.indexOf(LF, start);
    }
    while (newline !== -1) {
      this.#pushLine(data.subarray(start, newline), base + newline + 1);
      start = newline + 1;
      newline = data.indexOf(LF, start);
    }
    const rest = data.subarray(start);
    if (rest.length > this.#maxLineBytes) {
      // Holding it until its newline could take unbounded memory: drop it now, report it then.
      this.#skipped = rest.length;
      this.#carry = EMPTY;
    } else {
      this.#carry = rest;
    }
  }

  /** The file ends for good (rotated away, truncated): its unterminated rest becomes a line. */
  flushTail(end: number): boolean {
    if (this.#skipped >= 0) {
      this.#push(this.#skipped, end);
      this.#skipped = -1;
      return true;
    }
    if (this.#carry.length === 0) return false;
    this.#pushLine(this.#carry, end);
    this.#carry = EMPTY;
    return true;
  }

  /** The next batch, left in the queue until `consume`; undefined when empty. */
  peek(maxLines: number): Batch | undefined {
    if (this.length === 0) return undefined;
    const first = this.#entries[this.#head]!;
    if (typeof first === 'number') return { kind: 'oversized', bytes: first, count: 1, end: this.#ends[this.#head]! };
    const limit = Math.min(this.#entries.length, this.#head + maxLines);
    let stop = this.#head + 1;
    while (stop < limit && typeof this.#entries[stop] !== 'number') stop += 1;
    const lines = this.#entries.slice(this.#head, stop) as Buffer[];
    return { kind: 'lines', lines, count: stop - this.#head, end: this.#ends[stop - 1]! };
  }

  /** Lines held in memory, delivered ones not yet let go included. */
  get retained(): number {
    return this.#entries.length;
  }

  consume(count: number): void {
    this.#head += count;
    if (this.#head >= this.#entries.length) {
      this.#entries = [];
      this.#ends = [];
      this.#head = 0;
    } else if (this.#head >= COMPACT_AFTER && this.#head * 2 >= this.#entries.length) {
      // While catching up, reads add lines before the queue drains: delivered lines are let go
      // here, or a file read from its start would be held in memory whole (the chunks under them too).
      this.#entries = this.#entries.slice(this.#head);
      this.#ends = this.#ends.slice(this.#head);
      this.#head = 0;
    }
  }

  clear(): void {
    this.consume(this.length);
    this.#carry = EMPTY;
    this.#skipped = -1;
  }

  #pushLine(raw: Buffer, end: number): void {
    if (raw.length > this.#maxLineBytes) return this.#push(raw.length, end);
    const line = raw.length > 0 && raw[raw.length - 1] === CR ? raw.subarray(0, raw.length - 1) : raw;
    this.#push(line, end);
  }

  #push(entry: Buffer | number, end: number): void {
    this.#entries.push(entry);
    this.#ends.push(end);
  }
}
