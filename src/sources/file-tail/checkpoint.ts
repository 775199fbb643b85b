// The tailer's saved position: which file (device + inode + fingerprint of its first bytes) and
// how far into it every line has been delivered. Replaced atomically so a crash leaves the old
// or the new one, never a torn file.
import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../../log/embedded/atomic-file.ts';
import type { Fingerprint } from './tailed-file.ts';

export interface Checkpoint {
  version: 1;
  /** The path the file was read under (informational; identity is dev + ino + fingerprint). */
  path: string;
  /** Decimal strings: inode numbers can exceed 2^53. */
  dev: string;
  ino: string;
  offset: number;
  fingerprint: Fingerprint;
}

/** The saved checkpoint; null when there is none. A damaged one throws rather than guess. */
export async function loadCheckpoint(file: string): Promise<Checkpoint | null> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error(`tail checkpoint ${file}: not valid JSON`);
  }
  if (!isCheckpoint(value)) throw new Error(`tail checkpoint ${file}: unexpected content`);
  return value;
}

export function saveCheckpoint(file: string, checkpoint: Checkpoint): Promise<void> {
  return writeFileAtomic(file, `${JSON.stringify(checkpoint)}\n`);
}

/** The file in `dir` with this device + inode (e.g. app.log.1 after a rotation), if any. */
export async function findByIdentity(dir: string, dev: bigint, ino: bigint): Promise<string | null> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return null;
  }
  for (const name of names) {
    const path = join(dir, name);
    const stats = await stat(path, { bigint: true }).catch(() => null);
    if (stats?.isFile() && stats.dev === dev && stats.ino === ino) return path;
  }
  return null;
}

function isCheckpoint(value: unknown): value is Checkpoint {
  if (typeof value !== 'object' || value === null) return false;
  const c = value as Record<string, unknown>;
  const fingerprint = c.fingerprint as Record<string, unknown> | null | undefined;
  return (
    c.version === 1 &&
    typeof c.path === 'string' &&
    typeof c.dev === 'string' && /^\d+$/.test(c.dev) &&
    typeof c.ino === 'string' && /^\d+$/.test(c.ino) &&
    Number.isSafeInteger(c.offset) && (c.offset as number) >= 0 &&
    typeof fingerprint === 'object' && fingerprint !== null &&
    Number.isSafeInteger(fingerprint.bytes) && typeof fingerprint.sha256 === 'string'
  );
}
