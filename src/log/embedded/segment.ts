import { open, rm } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { BatchHeader } from './batch-format.ts';

export const SEGMENT_SUFFIX = '.log';
/** Every this many bytes a batch gets an index entry; a fetch scans at most this much extra. */
const INDEX_INTERVAL_BYTES = 4096;

export function segmentFileName(baseOffset: number): string {
  return `${String(baseOffset).padStart(20, '0')}${SEGMENT_SUFFIX}`;
}

export function parseSegmentFileName(name: string): number | null {
  const match = /^(\d{20})\.log$/.exec(name);
  return match ? Number(match[1]) : null;
}

/** One segment file: its readable extent, a sparse offset → file position index, and read access. */
export class Segment {
  readonly baseOffset: number;
  readonly path: string;
  /** Bytes written (and fsynced when fsync is on); readers never look past it. */
  size = 0;
  /** Offset after the last message in this segment. */
  nextOffset: number;
  maxTimestamp = Number.NEGATIVE_INFINITY;
  readonly #indexOffsets: number[] = [];
  readonly #indexPositions: number[] = [];
  #lastIndexedPosition = Number.NEGATIVE_INFINITY;
  #readHandle: Promise<FileHandle> | null = null;
  #activeReads = 0;
  #deleted = false;

  constructor(dir: string, baseOffset: number) {
    this.baseOffset = baseOffset;
    this.nextOffset = baseOffset;
    this.path = join(dir, segmentFileName(baseOffset));
  }

  get deleted(): boolean {
    return this.#deleted;
  }

  /** Records a batch that now lies in the file at `position`. */
  addBatch(header: BatchHeader, position: number): void {
    if (position - this.#lastIndexedPosition >= INDEX_INTERVAL_BYTES) {
      this.#indexOffsets.push(header.baseOffset);
      this.#indexPositions.push(position);
      this.#lastIndexedPosition = position;
    }
    this.size = position + header.length;
    this.nextOffset = header.baseOffset + header.count;
    if (header.maxTimestamp > this.maxTimestamp) this.maxTimestamp = header.maxTimestamp;
  }

  /** File position of a batch at or before the one holding `offset`. */
  positionBefore(offset: number): number {
    const offsets = this.#indexOffsets;
    let lo = 0;
    let hi = offsets.length - 1;
    let found = 0;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (offsets[mid]! <= offset) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return offsets.length === 0 ? 0 : this.#indexPositions[found]!;
  }

  /** Reads up to `length` bytes at `position`; null when the segment was deleted meanwhile. */
  async read(position: number, length: number): Promise<Buffer | null> {
    if (this.#deleted) return null;
    this.#activeReads++;
    try {
      this.#readHandle ??= open(this.path, 'r');
      const handle = await this.#readHandle;
      const buf = Buffer.allocUnsafe(length);
      let filled = 0;
      while (filled < length) {
        const { bytesRead } = await handle.read(buf, filled, length - filled, position + filled);
        if (bytesRead === 0) break;
        filled += bytesRead;
      }
      return filled === length ? buf : buf.subarray(0, filled);
    } finally {
      this.#activeReads--;
      if (this.#deleted && this.#activeReads === 0) await this.closeReads();
    }
  }

  async closeReads(): Promise<void> {
    const handle = this.#readHandle;
    this.#readHandle = null;
    if (handle) await (await handle).close().catch(() => {});
  }

  /** Unlinks the file; a read in progress finishes on its open handle first. */
  async delete(): Promise<void> {
    this.#deleted = true;
    await rm(this.path, { force: true });
    if (this.#activeReads === 0) await this.closeReads();
  }
}
