// Follows a growing log file line by line (like Filebeat or Vector's file source) and hands
// batches of whole lines to a callback. The position advances, and is checkpointed, only after
// the callback says the lines are durable, so a crash repeats lines at worst and never loses
// them. Rotation (rename + new file) is followed by device + inode: the old file is read to its
// end through the descriptor still open, then the new one from 0. Truncation (copytruncate)
// shows as the file shrinking under the read position and restarts it from 0.
import { watch, type FSWatcher } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { findByIdentity, loadCheckpoint, saveCheckpoint, type Checkpoint } from './checkpoint.ts';
import { LineQueue, type Batch } from './line-queue.ts';
import { TailedFile } from './tailed-file.ts';

export interface TailOptions {
  path: string;
  /** JSON file where the position is saved (written atomically: temp file + fsync + rename, then fsync the dir). */
  checkpointFile: string;
  /** Where to begin when there is no checkpoint: 'beginning' (default) or 'end'. */
  startAt?: 'beginning' | 'end';
  /** Most lines per delivery (default 1000). */
  maxBatchLines?: number;
  /**
   * Longest wait before delivering a partial batch (default 1000 ms). Lines are delivered as soon
   * as a read returns, so this bound always holds without waiting.
   */
  maxWaitMs?: number;
  /** Polling interval for changes (default 250 ms); fs.watch on the directory wakes the tailer sooner. */
  pollMs?: number;
  /** Lines longer than this (default 1 MiB) go to onOversized instead of deliver. */
  maxLineBytes?: number;
  /** Least time between checkpoint writes while lines keep coming (default 500 ms); always saved when idle and on stop. */
  checkpointEveryMs?: number;
  /** Bytes per read (default 1 MiB). */
  readChunkBytes?: number;
  /** Use fs.watch besides polling (default true). */
  watch?: boolean;
}

/** Lines are views into the read buffers (no copy): copy them to keep them long after delivery. */
export interface TailDelivery {
  /** Without the trailing \n (and without a trailing \r). */
  lines: Buffer[];
  /** The path the file was opened under (a rotated file found at start: its own name). */
  path: string;
}

export interface TailHooks {
  onOversized?(path: string, bytes: number): void;
  onError?(error: Error): void;
}

type Settings = Required<Omit<TailOptions, 'startAt'>> & { startAt: 'beginning' | 'end' };

const RETRY_MIN_MS = 100;
const RETRY_MAX_MS = 5000;

export class FileTailer {
  readonly #options: Settings;
  readonly #deliver: (delivery: TailDelivery) => Promise<void>;
  readonly #hooks: TailHooks;
  readonly #queue: LineQueue;
  /** The file being read; null while waiting for the path to exist. */
  #file: TailedFile | null = null;
  /** Files that appeared at the path after #file (rotations), oldest first, each read after the one before. */
  #following: TailedFile[] = [];
  #lastPathCheck = 0;
  /** Position in #file up to which every line has been delivered (or reported as oversized). */
  #offset = 0;
  #dirty = false;
  #lastSave = 0;
  #running: Promise<void> | null = null;
  #stopping = false;
  #watcher: FSWatcher | null = null;
  #changed = false;
  #wake: { resolve: () => void; onChange: boolean } | null = null;

  constructor(options: TailOptions, deliver: (delivery: TailDelivery) => Promise<void>, hooks: TailHooks = {}) {
    this.#options = {
      startAt: 'beginning',
      maxBatchLines: 1000,
      maxWaitMs: 1000,
      pollMs: 250,
      maxLineBytes: 1024 * 1024,
      checkpointEveryMs: 500,
      readChunkBytes: 1024 * 1024,
      watch: true,
      ...options,
    };
    this.#deliver = deliver;
    this.#hooks = hooks;
    this.#queue = new LineQueue(this.#options.maxLineBytes);
  }

  /** Bytes of the current file not yet delivered (for lag metrics). */
  get pendingBytes(): number {
    return this.#file ? Math.max(0, this.#file.size - this.#offset) : 0;
  }

  /** Loads the checkpoint and begins following; resolves once following. Not restartable after stop. */
  async start(): Promise<void> {
    if (this.#running || this.#stopping) throw new Error('FileTailer: start() called twice');
    await mkdir(dirname(this.#options.checkpointFile), { recursive: true });
    await this.#openInitial(await loadCheckpoint(this.#options.checkpointFile));
    if (this.#dirty) await this.#save();
    this.#watchDirectory();
    this.#running = this.#run();
  }

  /** Stops, waits for an in-flight delivery, saves the checkpoint. */
  async stop(): Promise<void> {
    if (this.#stopping) return;
    this.#stopping = true;
    this.#wake?.resolve();
    this.#watcher?.close();
    await this.#running;
    try {
      await this.#save();
    } finally {
      await Promise.all([this.#file?.close(), ...this.#following.map((file) => file.close())]);
      this.#file = null;
      this.#following = [];
    }
  }

  // ---- where to begin ----

  async #openInitial(checkpoint: Checkpoint | null): Promise<void> {
    const atPath = await TailedFile.open(this.#options.path);
    if (checkpoint) return this.#resume(checkpoint, atPath);
    if (!atPath) return; // waited for; read from 0 once created
    this.#file = atPath;
    if (this.#options.startAt === 'end') await this.#setPosition(atPath, await atPath.lastLineStart());
    this.#dirty = true;
  }

  async #resume(checkpoint: Checkpoint, atPath: TailedFile | null): Promise<void> {
    const id = { dev: BigInt(checkpoint.dev), ino: BigInt(checkpoint.ino) };
    if (atPath?.sameFile(id) && (await atPath.matches(checkpoint.fingerprint))) {
      this.#file = atPath;
      return this.#setPosition(atPath, checkpoint.offset);
    }
    const rotatedPath = await findByIdentity(dirname(this.#options.path), id.dev, id.ino);
    const rotated = rotatedPath === null ? null : await TailedFile.open(rotatedPath);
    if (rotated?.sameFile(id) && (await rotated.matches(checkpoint.fingerprint))) {
      // Rotated while we were down: the rest of the old file first, then the new one from 0.
      this.#file = rotated;
      if (atPath) this.#following.push(atPath);
      rotated.ending = { kind: 'rotated', since: 0 };
      return this.#setPosition(rotated, checkpoint.offset);
    }
    await rotated?.close();
    this.#file = atPath;
    this.#dirty = true;
  }

  async #setPosition(file: TailedFile, offset: number): Promise<void> {
    const position = (await file.refreshSize()) < offset ? 0 : offset; // smaller: truncated meanwhile
    file.readPos = position;
    this.#offset = position;
    await file.extendFingerprint(position);
    if (position !== offset) this.#dirty = true;
  }

  // ---- the loop ----

  async #run(): Promise<void> {
    let failures = 0;
    while (!this.#stopping) {
      this.#changed = false;
      let busy = false;
      try {
        busy = await this.#step();
        failures = 0;
      } catch (error) {
        this.#report(error);
        failures += 1;
        await this.#sleep(backoff(failures), false);
        continue;
      }
      await this.#saveIfDue(!busy);
      if (!busy) await this.#sleep(this.#options.pollMs, true);
    }
  }

  /** One read and/or delivery; false when there was nothing to do (sleep until a change). */
  async #step(): Promise<boolean> {
    const file = this.#file ?? (await this.#openAtPath());
    if (!file) return false;
    let read = false;
    if (this.#queue.length < this.#options.maxBatchLines && file.ending?.kind !== 'truncated') {
      const carry = this.#queue.carry;
      const data = await file.read(carry, this.#options.readChunkBytes);
      if (data) this.#queue.add(data, carry.length, file.readPos);
      read = data !== null;
    }
    const batch = this.#queue.peek(this.#options.maxBatchLines);
    if (batch) await this.#handOver(file, batch);
    if (!batch && !read) return this.#atEnd(file);
    // While catching up, keep an eye on the path too, so quick successive rotations are all seen.
    if (Date.now() - this.#lastPathCheck >= this.#options.pollMs) await this.#checkPath(file);
    return true;
  }

  async #openAtPath(): Promise<TailedFile | null> {
    const file = await TailedFile.open(this.#options.path);
    if (file) this.#moveTo(file);
    return file;
  }

  async #handOver(file: TailedFile, batch: Batch): Promise<void> {
    if (batch.kind === 'oversized') {
      this.#callHook(() => this.#hooks.onOversized?.(file.path, batch.bytes));
    } else if (!(await this.#deliverWithRetry(file.path, batch.lines))) {
      return;
    }
    this.#queue.consume(batch.count);
    this.#offset = batch.end;
    this.#dirty = true;
  }

  /** Retries the same lines with backoff until accepted; false when stopped first. */
  async #deliverWithRetry(path: string, lines: Buffer[]): Promise<boolean> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        await this.#deliver({ lines, path });
        return true;
      } catch (error) {
        this.#report(error);
      }
      if (this.#stopping) return false;
      await this.#saveIfDue(true);
      await this.#sleep(backoff(attempt), false);
      if (this.#stopping) return false;
    }
  }

  /** Everything read and delivered: finish an ending file, or look for rotation / truncation. */
  async #atEnd(file: TailedFile): Promise<boolean> {
    if (!file.ending) return this.#detectChange(file);
    // A writer may still be finishing its last lines in a file just renamed away.
    if (file.ending.kind === 'rotated' && Date.now() - file.ending.since < this.#options.pollMs) return false;
    if (this.#queue.flushTail(file.readPos)) return true;
    if (file.ending.kind === 'truncated') {
      file.rewind();
      this.#moveTo(file);
    } else {
      await file.close();
      this.#file = null;
      const next = this.#following.shift();
      if (next) this.#moveTo(next);
    }
    return true;
  }

  /** Marks `file` as ending when it was rotated away or truncated. */
  async #detectChange(file: TailedFile): Promise<boolean> {
    await this.#checkPath(file);
    if (this.#following.length > 0) {
      file.ending = { kind: 'rotated', since: Date.now() };
      return true;
    }
    if (file.size < file.readPos || !(await file.matches(file.fingerprint))) {
      file.ending = { kind: 'truncated', since: Date.now() };
      return true;
    }
    return false;
  }

  /** Opens whatever new file now sits at the path (kept open so a second rotation cannot hide it). */
  async #checkPath(file: TailedFile): Promise<void> {
    this.#lastPathCheck = Date.now();
    const newest = this.#following.at(-1) ?? file;
    const atPath = await stat(this.#options.path, { bigint: true }).catch(() => null);
    if (!atPath || newest.sameFile(atPath)) return;
    const next = await TailedFile.open(this.#options.path);
    if (next && !newest.sameFile(next)) this.#following.push(next);
    else await next?.close();
  }

  #moveTo(file: TailedFile): void {
    this.#file = file;
    this.#offset = file.readPos;
    this.#queue.clear();
    this.#dirty = true;
  }

  // ---- checkpoint ----

  async #saveIfDue(idle: boolean): Promise<void> {
    if (!this.#dirty || (!idle && Date.now() - this.#lastSave < this.#options.checkpointEveryMs)) return;
    await this.#save().catch((error: unknown) => this.#report(error));
  }

  async #save(): Promise<void> {
    const file = this.#file;
    if (!file) return;
    this.#dirty = false;
    this.#lastSave = Date.now();
    try {
      await saveCheckpoint(this.#options.checkpointFile, {
        version: 1,
        path: file.path,
        dev: file.dev.toString(),
        ino: file.ino.toString(),
        offset: this.#offset,
        fingerprint: file.fingerprint,
      });
    } catch (error) {
      this.#dirty = true;
      throw error;
    }
  }

  // ---- waiting ----

  #watchDirectory(): void {
    if (!this.#options.watch) return;
    try {
      // Any change in the directory: the file, a rotated sibling still being drained, a new file.
      this.#watcher = watch(dirname(this.#options.path), { persistent: true }, () => this.#onChange());
      this.#watcher.on('error', () => {
        this.#watcher?.close();
        this.#watcher = null;
      });
    } catch {
      this.#watcher = null; // no directory yet, or no inotify: polling alone
    }
  }

  #onChange(): void {
    this.#changed = true;
    if (this.#wake?.onChange) this.#wake.resolve();
  }

  /** Waits `ms`, or less when stopped (or, with `onChange`, when the directory changes). */
  #sleep(ms: number, onChange: boolean): Promise<void> {
    if (this.#stopping || (onChange && this.#changed)) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#wake = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#wake = { resolve: done, onChange };
    });
  }

  #callHook(call: () => void): void {
    try {
      call();
    } catch (error) {
      this.#report(error);
    }
  }

  #report(error: unknown): void {
    const err = error instanceof Error ? error : new Error(String(error));
    try {
      this.#hooks.onError?.(err);
    } catch {
      // a failing error hook must not stop the tailer
    }
  }
}

function backoff(attempt: number): number {
  return Math.min(RETRY_MAX_MS, RETRY_MIN_MS * 2 ** (attempt - 1));
}
