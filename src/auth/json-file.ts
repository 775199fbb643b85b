// A small JSON file of the auth state (keys, users), read again whenever it changes on disk, so a
// change made by the CLI applies to a running server from its next request, and replaced
// atomically (a rename), readable by its owner only.
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export class WatchedJsonFile<T> {
  readonly file: string;
  readonly #empty: () => T;
  #value: T;
  /** The file's inode, mtime and size when read: a write replaces the file (rename), so a change always shows. */
  #version = '';

  constructor(file: string, empty: () => T) {
    this.file = file;
    this.#empty = empty;
    this.#value = empty();
  }

  read(): T {
    let version: string;
    try {
      const stat = statSync(this.file);
      version = `${stat.ino}:${stat.mtimeMs}:${stat.size}`;
    } catch {
      this.#value = this.#empty();
      this.#version = '';
      return this.#value;
    }
    if (version !== this.#version) {
      this.#value = JSON.parse(readFileSync(this.file, 'utf8')) as T;
      this.#version = version;
    }
    return this.#value;
  }

  write(value: T): void {
    mkdirSync(dirname(this.file), { recursive: true, mode: 0o700 });
    const temp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(temp, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600 });
    renameSync(temp, this.file);
    this.#version = '';
  }
}
