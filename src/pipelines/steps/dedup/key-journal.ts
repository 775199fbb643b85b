// Dedup's seen keys on disk, as a journal: a key is appended once, when first seen, so each
// checkpoint writes the keys new since the one before, not every key again (a million keys were
// ~45 MB of JSON in every checkpoint, each second). A checkpoint names the journal and its length:
// what lies past that length was written after it and is cut off when the pipeline resumes. Once
// a journal holds more than twice the keys still live, a checkpoint starts a new one with the live
// keys only; the old one is removed at the next checkpoint, when no checkpoint names it any more.
import { mkdir, open, readdir, readFile, rm, truncate } from 'node:fs/promises';
import path from 'node:path';

/** Where the journal is, as a checkpoint names it. */
export interface JournalMark {
  file: string;
  bytes: number;
}

const PATTERN = /^keys\.(\d+)\.journal$/;
/** A journal is rewritten once it has this many lines more than twice the live keys. */
const SLACK_LINES = 10_000;

// A key is JSON text (a string's quotes and escapes, or an array's): it holds no raw tab or newline.
const line = (key: string, at: number): string => `${at}\t${key}\n`;

export class KeyJournal {
  readonly #dir: string;
  #generation: number;
  #bytes: number;
  #lines: number;
  #pending: string[] = [];
  #obsolete?: string;

  private constructor(dir: string, generation: number, bytes: number, lines: number) {
    this.#dir = dir;
    this.#generation = generation;
    this.#bytes = bytes;
    this.#lines = lines;
  }

  /**
   * Opens the journal a checkpoint names (cut to its length) and returns its entries, oldest
   * first; without a mark, a new empty journal. Journals no checkpoint names are removed.
   */
  static async open(dir: string, mark?: JournalMark): Promise<{ journal: KeyJournal; entries: Array<[string, number]> }> {
    await mkdir(dir, { recursive: true });
    const generation = mark ? Number(PATTERN.exec(mark.file)?.[1] ?? Number.NaN) : 0;
    if (!Number.isInteger(generation)) throw new Error(`dedup: the checkpoint names a key journal '${mark!.file}' that is not one; delete the pipeline's checkpoint to start with no keys`);
    for (const name of await readdir(dir)) {
      if (PATTERN.test(name) && name !== mark?.file) await rm(path.join(dir, name), { force: true });
    }
    const entries: Array<[string, number]> = [];
    if (!mark) return { journal: new KeyJournal(dir, generation, 0, 0), entries };
    const file = path.join(dir, mark.file);
    let text: Buffer;
    try {
      text = await readFile(file);
    } catch (error) {
      throw new Error(`dedup: the key journal ${file} the checkpoint names cannot be read (${(error as Error).message}); delete the pipeline's checkpoint to start with no keys`);
    }
    if (text.length < mark.bytes) throw new Error(`dedup: the key journal ${file} has ${text.length} bytes, the checkpoint counted ${mark.bytes}; delete the pipeline's checkpoint to start with no keys`);
    if (text.length > mark.bytes) await truncate(file, mark.bytes);
    for (const entry of text.subarray(0, mark.bytes).toString('utf8').split('\n')) {
      if (entry === '') continue;
      const tab = entry.indexOf('\t');
      entries.push([entry.slice(tab + 1), Number(entry.slice(0, tab))]);
    }
    return { journal: new KeyJournal(dir, generation, mark.bytes, entries.length), entries };
  }

  /** Notes a key first seen at `at`; written at the next flush. */
  append(key: string, at: number): void {
    this.#pending.push(line(key, at));
  }

  /**
   * Makes the keys appended so far durable and returns the mark a checkpoint keeps. `live` gives
   * the keys held now, oldest first, for when the journal is rewritten.
   */
  async flush(live: () => Iterable<[string, number]>, liveCount: number): Promise<JournalMark> {
    if (this.#obsolete) {
      await rm(this.#obsolete, { force: true });
      this.#obsolete = undefined;
    }
    if (this.#lines + this.#pending.length > 2 * liveCount + SLACK_LINES) {
      const previous = this.#path();
      this.#generation += 1;
      this.#bytes = 0;
      this.#lines = 0;
      this.#pending = [];
      for (const [key, at] of live()) this.#pending.push(line(key, at));
      await this.#write('w');
      await syncDir(this.#dir);
      this.#obsolete = previous;
    } else if (this.#pending.length > 0) {
      await this.#write('a');
    }
    return { file: path.basename(this.#path()), bytes: this.#bytes };
  }

  #path(): string {
    return path.join(this.#dir, `keys.${this.#generation}.journal`);
  }

  async #write(flags: 'a' | 'w'): Promise<void> {
    const text = Buffer.from(this.#pending.join(''));
    // opened for appending, the file ends where the last flush (or the cut on opening) left it
    const handle = await open(this.#path(), flags);
    try {
      await handle.write(text);
      await handle.datasync();
    } finally {
      await handle.close();
    }
    this.#bytes += text.length;
    this.#lines += this.#pending.length;
    this.#pending = [];
  }
}

/** A new journal's name made durable with its directory. */
async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
