import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic, fsyncDir } from './atomic-file.ts';

export const GROUPS_DIR = '__groups';

interface GroupFile {
  group: string;
  offsets: Record<string, number>;
}

/**
 * Committed offsets of one consumer group, kept in dir/__groups/<group>.json. Commits that arrive
 * while a write is running are saved together by the next write (one fsync for all of them).
 */
export class GroupOffsets {
  readonly group: string;
  readonly #path: string;
  readonly #fsync: boolean;
  readonly #offsets: Map<string, number>;
  #writing: Promise<void> = Promise.resolve();
  /** Cleared by the write loop itself, in the same tick as its last look at #dirty. */
  #writeActive = false;
  #dirty = false;
  #waiters: { resolve: () => void; reject: (error: Error) => void }[] = [];

  constructor(dir: string, group: string, offsets: Map<string, number>, fsync: boolean) {
    this.group = group;
    this.#path = groupFilePath(dir, group);
    this.#offsets = offsets;
    this.#fsync = fsync;
  }

  get(key: string): number | undefined {
    return this.#offsets.get(key);
  }

  entries(): [string, number][] {
    return [...this.#offsets];
  }

  /** Whether the group committed on any partition of the topic. */
  hasTopic(topic: string): boolean {
    for (const key of this.#offsets.keys()) if (key.slice(0, key.lastIndexOf(':')) === topic) return true;
    return false;
  }

  /** Records the offset and resolves once it is on disk. */
  commit(key: string, offset: number): Promise<void> {
    this.#offsets.set(key, offset);
    return this.#save();
  }

  /** Forgets the offsets of a deleted topic. */
  forgetTopic(topic: string): Promise<void> {
    let changed = false;
    for (const key of this.#offsets.keys()) {
      if (key.slice(0, key.lastIndexOf(':')) === topic) changed = this.#offsets.delete(key) || changed;
    }
    return changed ? this.#save() : Promise.resolve();
  }

  #save(): Promise<void> {
    this.#dirty = true;
    const saved = new Promise<void>((resolve, reject) => this.#waiters.push({ resolve, reject }));
    if (!this.#writeActive) {
      this.#writeActive = true;
      this.#writing = this.#writeLoop();
    }
    return saved;
  }

  async #writeLoop(): Promise<void> {
    // let the commits of this tick join the first write
    await Promise.resolve();
    while (this.#dirty) {
      this.#dirty = false;
      const waiters = this.#waiters;
      this.#waiters = [];
      const file: GroupFile = { group: this.group, offsets: Object.fromEntries(this.#offsets) };
      try {
        await writeFileAtomic(this.#path, JSON.stringify(file), this.#fsync);
        for (const waiter of waiters) waiter.resolve();
      } catch (error) {
        for (const waiter of waiters) waiter.reject(error as Error);
      }
    }
    this.#writeActive = false;
  }

  async flush(): Promise<void> {
    while (this.#writeActive) await this.#writing;
  }
}

function groupFilePath(dir: string, group: string): string {
  return join(dir, GROUPS_DIR, `${encodeURIComponent(group)}.json`);
}

export async function loadGroupOffsets(dir: string, fsync: boolean): Promise<Map<string, GroupOffsets>> {
  const groupsDir = join(dir, GROUPS_DIR);
  await mkdir(groupsDir, { recursive: true });
  const groups = new Map<string, GroupOffsets>();
  for (const name of await readdir(groupsDir)) {
    if (!name.endsWith('.json')) {
      if (name.includes('.json.tmp-')) await rm(join(groupsDir, name), { force: true });
      continue;
    }
    const file = JSON.parse(await readFile(join(groupsDir, name), 'utf8')) as GroupFile;
    groups.set(file.group, new GroupOffsets(dir, file.group, new Map(Object.entries(file.offsets)), fsync));
  }
  if (fsync) await fsyncDir(groupsDir);
  return groups;
}
