import type { FileHandle } from 'node:fs/promises';
import { BATCH_HEADER_BYTES, batchCrcMatches, readBatchHeader } from './batch-format.ts';
import type { BatchHeader } from './batch-format.ts';

export interface ScanResult {
  /** End of the last intact batch; bytes after it are a torn or corrupt tail. */
  validBytes: number;
  /** Why the scan stopped before the end of the file, if it did. */
  problem: string | null;
}

/**
 * Walks the batches of a segment file from its start, checking structure (magic, length within
 * the file, contiguous offsets) and, when `verifyCrc`, each batch's checksum.
 */
export async function scanSegment(
  handle: FileHandle,
  fileSize: number,
  baseOffset: number,
  verifyCrc: boolean,
  onBatch: (header: BatchHeader, position: number) => void,
): Promise<ScanResult> {
  const chunkBytes = verifyCrc ? 4 << 20 : 64 << 10;
  let chunk = Buffer.alloc(0);
  let chunkStart = 0;
  let position = 0;
  let expectedOffset = baseOffset;

  const ensure = async (bytes: number): Promise<void> => {
    if (position >= chunkStart && position + bytes <= chunkStart + chunk.length) return;
    const length = Math.min(Math.max(chunkBytes, bytes), fileSize - position);
    chunk = Buffer.allocUnsafe(length);
    let filled = 0;
    while (filled < length) {
      const { bytesRead } = await handle.read(chunk, filled, length - filled, position + filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    chunk = chunk.subarray(0, filled);
    chunkStart = position;
  };

  while (position < fileSize) {
    if (fileSize - position < BATCH_HEADER_BYTES) return { validBytes: position, problem: 'partial batch header' };
    await ensure(BATCH_HEADER_BYTES);
    const header = readBatchHeader(chunk, position - chunkStart);
    if (!header) return { validBytes: position, problem: 'not a batch header' };
    if (position + header.length > fileSize) return { validBytes: position, problem: 'batch cut short' };
    if (header.baseOffset !== expectedOffset || header.count === 0) {
      return { validBytes: position, problem: `batch offset ${header.baseOffset}, expected ${expectedOffset}` };
    }
    if (verifyCrc) {
      await ensure(header.length);
      if (!batchCrcMatches(chunk, position - chunkStart, header)) return { validBytes: position, problem: 'CRC mismatch' };
    }
    onBatch(header, position);
    position += header.length;
    expectedOffset += header.count;
  }
  return { validBytes: position, problem: null };
}

/**
 * The position of the first intact batch (magic, a length within the file, a matching checksum)
 * at or after `from`, or null. Damage followed by an intact batch is not a torn last write: the
 * bytes after it were acknowledged.
 */
export async function intactBatchAfter(handle: FileHandle, from: number, fileSize: number): Promise<number | null> {
  const window = 4 << 20;
  for (let start = from; start + BATCH_HEADER_BYTES <= fileSize; start += window) {
    const length = Math.min(window + BATCH_HEADER_BYTES, fileSize - start);
    const chunk = Buffer.allocUnsafe(length);
    const { bytesRead } = await handle.read(chunk, 0, length, start);
    for (let at = chunk.indexOf(MAGIC_BYTES); at >= 0 && at < Math.min(window, bytesRead); at = chunk.indexOf(MAGIC_BYTES, at + 1)) {
      const header = readBatchHeader(chunk.subarray(0, bytesRead), at);
      if (!header || start + at + header.length > fileSize) continue;
      const batch = Buffer.allocUnsafe(header.length);
      await handle.read(batch, 0, header.length, start + at);
      if (batchCrcMatches(batch, 0, header)) return start + at;
    }
  }
  return null;
}

const MAGIC_BYTES = Buffer.from([0x54, 0x52, 0x42, 0x31]);
