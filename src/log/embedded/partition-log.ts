import { mkdir, open, readdir } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { decodeRecords, encodeBatch, encodedRecordBytes, readBatchHeader, BATCH_HEADER_BYTES } from './batch-format.ts';
import type { BatchHeader, DecodedRecord, RecordToEncode } from './batch-format.ts';
import { fsyncDir } from './atomic-file.ts';
import { parseSegmentFileName, Segment } from './segment.ts';
import { intactBatchAfter, scanSegment } from './segment-scan.ts';
import type { PartitionWriteOptions } from './options.ts';
import { LogError } from '../log.ts';

/** Above this a produce call is split into several batches, so no batch outgrows a segment. */
const MAX_BATCH_BYTES = 8 * 1024 * 1024;
const FETCH_CHUNK_BYTES = 1024 * 1024;

interface PendingBatch {
  bytes: Buffer;
  header: BatchHeader;
  done: { resolve: () => void; reject: (error: Error) => void; remaining: number };
}

/**
 * One partition: its segment files, the group-commit writer and reads. Offsets are given out
 * when produce is called (so order = call order); readers see a batch only once it is durable.
 */
export class PartitionLog {
  readonly dir: string;
  readonly #options: PartitionWriteOptions;
  readonly #segments: Segment[] = [];
  #writeHandle: FileHandle | null = null;
  /** Offset the next appended message gets; ahead of endOffset while writes are in flight. */
  #assignedOffset = 0;
  #pending: PendingBatch[] = [];
  #flushScheduled = false;
  /** Cleared by the loop itself, in the same tick as its last look at #pending. */
  #flushActive = false;
  #flushing: Promise<void> = Promise.resolve();
  #waiters = new Set<() => void>();
  #closed = false;
  /** Set when a failed write could not be undone; the partition then refuses writes. */
  #broken: LogError | null = null;

  private constructor(dir: string, options: PartitionWriteOptions) {
    this.dir = dir;
    this.#options = options;
  }

  static async open(dir: string, options: PartitionWriteOptions): Promise<PartitionLog> {
    const log = new PartitionLog(dir, options);
    await mkdir(dir, { recursive: true });
    await log.#recover();
    return log;
  }

  get closed(): boolean {
    return this.#closed;
  }

  get startOffset(): number {
    return this.#segments[0]!.baseOffset;
  }

  /** High watermark: offset after the last durable message. */
  get endOffset(): number {
    return this.#active.nextOffset;
  }

  get sizeBytes(): number {
    let total = 0;
    for (const segment of this.#segments) total += segment.size;
    return total;
  }

  get segmentCount(): number {
    return this.#segments.length;
  }

  get #active(): Segment {
    return this.#segments[this.#segments.length - 1]!;
  }

  async #recover(): Promise<void> {
    const bases = (await readdir(this.dir))
      .map(parseSegmentFileName)
      .filter((base): base is number => base !== null)
      .sort((a, b) => a - b);
    if (bases.length === 0) {
      await this.#createSegment(0);
      return;
    }
    for (let i = 0; i < bases.length; i++) {
      const segment = new Segment(this.dir, bases[i]!);
      const isLast = i === bases.length - 1;
      const handle = await open(segment.path, isLast ? 'r+' : 'r');
      try {
        const fileSize = (await handle.stat()).size;
        const scan = await scanSegment(handle, fileSize, segment.baseOffset, isLast, (header, position) =>
          segment.addBatch(header, position),
        );
        if (scan.validBytes < fileSize) {
          const intact = await intactBatchAfter(handle, scan.validBytes + 1, fileSize);
          if (!isLast || intact !== null) throw damaged(segment.path, scan.validBytes, scan.problem ?? 'damage', segment.nextOffset, intact, isLast);
          this.#options.logger.warn(
            `log recovery: ${segment.path}: ${scan.problem} at byte ${scan.validBytes}; ` +
              `cutting ${fileSize - scan.validBytes} bytes (messages from offset ${segment.nextOffset} on were never acknowledged)`,
          );
          if (isLast) {
            await handle.truncate(scan.validBytes);
            await handle.sync();
          }
        }
      } finally {
        await handle.close();
      }
      this.#segments.push(segment);
    }
    this.#writeHandle = await open(this.#active.path, 'r+');
    this.#assignedOffset = this.endOffset;
  }

  async #createSegment(baseOffset: number): Promise<void> {
    const segment = new Segment(this.dir, baseOffset);
    const handle = await open(segment.path, 'w');
    if (this.#options.fsync) await fsyncDir(this.dir);
    const previous = this.#writeHandle;
    this.#writeHandle = handle;
    this.#segments.push(segment);
    await previous?.close();
  }

  /** Appends `records` as one batch (several if huge); resolves with the first offset once durable. */
  append(records: RecordToEncode[]): Promise<number> {
    if (this.#broken) return Promise.reject(this.#broken);
    if (this.#closed) return Promise.reject(new LogError('CLOSED', 'log is closed'));
    const baseOffset = this.#assignedOffset;
    const groups = splitIntoBatches(records);
    return new Promise<number>((resolve, reject) => {
      const done = { resolve: () => resolve(baseOffset), reject, remaining: groups.length };
      for (const group of groups) {
        const bytes = encodeBatch(this.#assignedOffset, group);
        const header = readBatchHeader(bytes, 0)!;
        this.#assignedOffset += group.length;
        this.#pending.push({ bytes, header, done });
      }
      this.#scheduleFlush();
    });
  }

  #scheduleFlush(): void {
    if (this.#flushScheduled || this.#flushActive) return;
    this.#flushScheduled = true;
    const start = (): void => {
      this.#flushScheduled = false;
      this.#flushActive = true;
      this.#flushing = this.#flushLoop();
    };
    if (this.#options.flushIntervalMs > 0) setTimeout(start, this.#options.flushIntervalMs);
    else setImmediate(start);
  }

  /** Group commit: everything queued while the previous write+fsync ran goes in the next one. */
  async #flushLoop(): Promise<void> {
    try {
      while (this.#pending.length > 0) {
        const batches = this.#pending;
        this.#pending = [];
        try {
          await this.#writeDurably(batches);
        } catch (error) {
          await this.#failPending(batches, error as Error);
        }
      }
    } finally {
      this.#flushActive = false;
    }
  }

  async #writeDurably(batches: PendingBatch[]): Promise<void> {
    let i = 0;
    while (i < batches.length) {
      const active = this.#active;
      let bytes = 0;
      let end = i;
      while (end < batches.length) {
        const length = batches[end]!.bytes.length;
        if (active.size + bytes > 0 && active.size + bytes + length > this.#options.segmentBytes) break;
        bytes += length;
        end++;
      }
      if (end === i) {
        await this.#createSegment(batches[i]!.header.baseOffset);
        continue;
      }
      const group = batches.slice(i, end);
      await writeAllAt(this.#writeHandle!, group.map((b) => b.bytes), active.size);
      if (this.#options.fsync) await this.#writeHandle!.datasync();
      let position = active.size;
      for (const batch of group) {
        active.addBatch(batch.header, position);
        position += batch.bytes.length;
        if (--batch.done.remaining === 0) batch.done.resolve();
      }
      this.#notifyReaders();
      i = end;
    }
  }

  /**
   * A failed write or fsync: every batch not yet durable is refused, and the file is cut back to
   * its durable end so offsets stay contiguous. If even that fails, the partition stops taking
   * writes until the log is reopened (and recovery cuts the tail).
   */
  async #failPending(inFlight: PendingBatch[], error: Error): Promise<void> {
    const refused = [...inFlight.filter((b) => b.header.baseOffset >= this.endOffset), ...this.#pending];
    this.#pending = [];
    this.#assignedOffset = this.endOffset;
    const cause = new LogError('UNAVAILABLE', `write to ${this.dir} failed: ${error.message}`);
    for (const batch of refused) batch.done.reject(cause);
    try {
      await this.#writeHandle!.truncate(this.#active.size);
    } catch (truncateError) {
      this.#options.logger.error(`log partition ${this.dir} cannot cut back its failed write; refusing writes`, truncateError);
      this.#broken = new LogError('UNAVAILABLE', `partition ${this.dir} refuses writes after a failed write; reopen the log to recover`);
    }
  }

  #notifyReaders(): void {
    const waiters = this.#waiters;
    this.#waiters = new Set();
    for (const wake of waiters) wake();
  }

  /** Resolves when a message at or after `offset` is readable, after `maxWaitMs`, or on abort. */
  waitForData(offset: number, maxWaitMs: number, signal?: AbortSignal): Promise<void> {
    if (this.endOffset > offset || this.#closed || signal?.aborted || maxWaitMs <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const finish = (): void => {
        clearTimeout(timer);
        this.#waiters.delete(finish);
        signal?.removeEventListener('abort', finish);
        resolve();
      };
      const timer = setTimeout(finish, maxWaitMs);
      this.#waiters.add(finish);
      signal?.addEventListener('abort', finish, { once: true });
    });
  }

  /** Up to `maxMessages` durable messages from `offset` (moved up to the start when retention passed it). */
  async read(offset: number, maxMessages: number, maxBytes = FETCH_CHUNK_BYTES): Promise<DecodedRecord[]> {
    for (;;) {
      const from = Math.max(offset, this.startOffset);
      if (from >= this.endOffset) return [];
      const segment = this.#segmentHolding(from);
      const result = await readFromSegment(segment, from, maxMessages, maxBytes);
      if (result !== null) return result;
      // the segment was removed by retention meanwhile: try again from the new start
    }
  }

  #segmentHolding(offset: number): Segment {
    const segments = this.#segments;
    let lo = 0;
    let hi = segments.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (segments[mid]!.baseOffset <= offset) lo = mid;
      else hi = mid - 1;
    }
    // a gap (a damaged older segment was cut on recovery) continues at the next segment
    while (lo < segments.length - 1 && segments[lo]!.nextOffset <= offset) lo++;
    return segments[lo]!;
  }

  /** Deletes whole old segments by age and size; never the active one. Returns how many went. */
  enforceRetention(retentionMs: number | undefined, retentionBytes: number | undefined, now: number): Promise<number> {
    let total = this.sizeBytes;
    return this.#deleteOldestWhile((oldest) => {
      const tooOld = retentionMs !== undefined && oldest.maxTimestamp < now - retentionMs;
      const tooBig = retentionBytes !== undefined && total > retentionBytes;
      if (tooOld || tooBig) total -= oldest.size;
      return tooOld || tooBig;
    });
  }

  /** Deletes whole segments that end at or before `offset`; never the active one. */
  deleteBefore(offset: number): Promise<number> {
    return this.#deleteOldestWhile((oldest) => oldest.nextOffset <= offset);
  }

  async #deleteOldestWhile(doom: (oldest: Segment) => boolean): Promise<number> {
    const doomed: Segment[] = [];
    while (this.#segments.length > 1 && doom(this.#segments[0]!)) doomed.push(this.#segments.shift()!);
    for (const segment of doomed) await segment.delete();
    if (doomed.length > 0 && this.#options.fsync) await fsyncDir(this.dir);
    return doomed.length;
  }

  /** Waits for queued writes, then closes the files. */
  async close(): Promise<void> {
    while (this.#flushScheduled || this.#flushActive) {
      if (this.#flushActive) await this.#flushing;
      else await new Promise((resolve) => setTimeout(resolve, 1));
    }
    this.#closed = true;
    this.#notifyReaders();
    await this.#writeHandle?.close();
    this.#writeHandle = null;
    for (const segment of this.#segments) await segment.closeReads();
  }
}

function splitIntoBatches(records: RecordToEncode[]): RecordToEncode[][] {
  const groups: RecordToEncode[][] = [];
  let group: RecordToEncode[] = [];
  let bytes = BATCH_HEADER_BYTES;
  for (const record of records) {
    const size = encodedRecordBytes(record);
    if (group.length > 0 && bytes + size > MAX_BATCH_BYTES) {
      groups.push(group);
      group = [];
      bytes = BATCH_HEADER_BYTES;
    }
    group.push(record);
    bytes += size;
  }
  if (group.length > 0) groups.push(group);
  return groups;
}

async function writeAllAt(handle: FileHandle, buffers: Buffer[], position: number): Promise<void> {
  let pending = buffers;
  let at = position;
  while (pending.length > 0) {
    const { bytesWritten } = await handle.writev(pending, at);
    at += bytesWritten;
    let skip = bytesWritten;
    const rest: Buffer[] = [];
    for (const buf of pending) {
      if (skip >= buf.length) skip -= buf.length;
      else {
        rest.push(skip > 0 ? buf.subarray(skip) : buf);
        skip = 0;
      }
    }
    pending = rest;
  }
}

async function readFromSegment(segment: Segment, offset: number, maxMessages: number, maxBytes: number): Promise<DecodedRecord[] | null> {
  const limit = segment.size;
  let position = segment.positionBefore(offset);
  const messages: DecodedRecord[] = [];
  while (messages.length < maxMessages && position < limit) {
    let chunk = await segment.read(position, Math.min(maxBytes, limit - position));
    if (chunk === null) return null;
    let at = 0;
    let progressed = false;
    while (messages.length < maxMessages && chunk.length - at >= BATCH_HEADER_BYTES) {
      const header = readBatchHeader(chunk, at);
      if (!header) throw new LogError('UNAVAILABLE', `corrupt batch in ${segment.path} at byte ${position + at}`);
      if (at + header.length > chunk.length) {
        if (messages.length > 0 || at > 0) break;
        // a single batch larger than the fetch size: read it whole
        chunk = await segment.read(position, header.length);
        if (chunk === null) return null;
      }
      if (header.baseOffset + header.count > offset) {
        for (const record of decodeRecords(chunk, at, header)) {
          if (record.offset >= offset && messages.length < maxMessages) messages.push(record);
        }
      }
      at += header.length;
      progressed = true;
    }
    // keep reading chunks until the batch is full: a consumer that is behind gets full batches
    if (!progressed) break;
    position += at;
  }
  return messages;
}

/**
 * Damage recovery must not repair by itself: in the middle of a segment, or in one already sealed,
 * it would cut records that were acknowledged. Only a torn last write (nothing intact after it)
 * is cut at start.
 */
function damaged(file: string, at: number, problem: string, offset: number, intact: number | null, isLast: boolean): Error {
  const where = `${file} is damaged at byte ${at} (${problem}, the batch of offset ${offset})`;
  if (isLast) {
    return new Error(`log recovery: ${where}, and intact records follow it at byte ${intact}: they were acknowledged, so the log will not cut them. ` +
      `Keep a copy of the file, then restore the data dir from a backup, or cut the file at the damage (truncate -s ${at} '${file}') to start without the records of this partition from offset ${offset} on`);
  }
  return new Error(`log recovery: ${where}, in a sealed segment: its records and those after it were acknowledged, so the log will not cut them. ` +
    `Keep a copy of the data dir and restore it from a backup`);
}

