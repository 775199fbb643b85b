// One open log file as the tailer follows it. The descriptor stays open across a rename, so a
// rotated file can be read to its end; identity is device + inode, plus a hash of the first bytes
// because inodes are reused once a file is deleted.
import { createHash } from 'node:crypto';
import { open, type FileHandle } from 'node:fs/promises';

/** sha256 of the first `bytes` bytes of a file. */
export interface Fingerprint {
  bytes: number;
  sha256: string;
}

export const FINGERPRINT_MAX_BYTES = 1024;
const EMPTY_FINGERPRINT: Fingerprint = { bytes: 0, sha256: createHash('sha256').digest('hex') };
/** How far back from the end `startAt: 'end'` looks for the start of the last (partial) line. */
const END_LOOKBACK_BYTES = 64 * 1024;

export class TailedFile {
  readonly path: string;
  readonly dev: bigint;
  readonly ino: bigint;
  readonly #handle: FileHandle;
  /** Where the next read starts. */
  readPos = 0;
  /** Size at the last read or check. */
  size: number;
  fingerprint: Fingerprint = EMPTY_FINGERPRINT;
  /** Set once the file will not grow any more for us: read it out, then move on. */
  ending: { kind: 'rotated' | 'truncated'; since: number } | null = null;

  private constructor(path: string, handle: FileHandle, dev: bigint, ino: bigint, size: number) {
    this.path = path;
    this.#handle = handle;
    this.dev = dev;
    this.ino = ino;
    this.size = size;
  }

  /** Opens `path`; null when it does not exist. */
  static async open(path: string): Promise<TailedFile | null> {
    let handle: FileHandle;
    try {
      handle = await open(path, 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
    try {
      const stats = await handle.stat({ bigint: true });
      return new TailedFile(path, handle, stats.dev, stats.ino, Number(stats.size));
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  sameFile(other: { dev: bigint; ino: bigint }): boolean {
    return this.dev === other.dev && this.ino === other.ino;
  }

  /**
   * Reads up to `maxBytes` new bytes into a fresh buffer behind `carry`; null when there are none.
   * Fresh buffers because delivered lines are views into them.
   */
  async read(carry: Buffer, maxBytes: number): Promise<Buffer | null> {
    await this.refreshSize();
    const wanted = Math.min(this.size - this.readPos, maxBytes);
    if (wanted <= 0) return null;
    const data = Buffer.allocUnsafe(carry.length + wanted);
    carry.copy(data);
    const { bytesRead } = await this.#handle.read(data, carry.length, wanted, this.readPos);
    if (bytesRead === 0) return null;
    this.readPos += bytesRead;
    await this.extendFingerprint(this.readPos);
    return data.subarray(0, carry.length + bytesRead);
  }

  async refreshSize(): Promise<number> {
    this.size = (await this.#handle.stat()).size;
    return this.size;
  }

  /** Grows the fingerprint to cover the first `upTo` bytes (at most FINGERPRINT_MAX_BYTES). */
  async extendFingerprint(upTo: number): Promise<void> {
    const bytes = Math.min(upTo, FINGERPRINT_MAX_BYTES);
    if (bytes > this.fingerprint.bytes) this.fingerprint = (await this.#fingerprintOf(bytes)) ?? this.fingerprint;
  }

  /** False when the file no longer starts with the bytes fingerprinted earlier (rewritten). */
  async matches(fingerprint: Fingerprint): Promise<boolean> {
    if (fingerprint.bytes === 0) return true;
    const now = await this.#fingerprintOf(fingerprint.bytes);
    return now !== null && now.sha256 === fingerprint.sha256;
  }

  /** Starts over at byte 0 (after a truncation). */
  rewind(): void {
    this.readPos = 0;
    this.fingerprint = EMPTY_FINGERPRINT;
    this.ending = null;
  }

  /** Position just after the last newline near the end, so a partial last line is read whole. */
  async lastLineStart(): Promise<number> {
    const size = await this.refreshSize();
    const from = Math.max(0, size - END_LOOKBACK_BYTES);
    const tail = Buffer.alloc(size - from);
    const { bytesRead } = await this.#handle.read(tail, 0, tail.length, from);
    const newline = tail.subarray(0, bytesRead).lastIndexOf(0x0a);
    return newline === -1 ? (from === 0 ? 0 : size) : from + newline + 1;
  }

  close(): Promise<void> {
    return this.#handle.close();
  }

  async #fingerprintOf(bytes: number): Promise<Fingerprint | null> {
    const head = Buffer.alloc(bytes);
    const { bytesRead } = await this.#handle.read(head, 0, bytes, 0);
    if (bytesRead < bytes) return null;
    return { bytes, sha256: createHash('sha256').update(head).digest('hex') };
  }
}
