// Dedup's state on local disk: the seen keys with their times, written whole and atomically at
// each checkpoint (before the runner commits offsets), read back at start.
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../../../log/embedded/atomic-file.ts';

const FORMAT = 1;

export interface DedupState {
  /** The key expression the keys were built from: keys of another expression are not comparable. */
  key: string[];
  /** [key, seen at ms], oldest first. */
  entries: Array<[string, number]>;
}

export const stateFile = (stateDir: string): string => path.join(stateDir, 'dedup-keys.json');

export async function writeState(stateDir: string, state: DedupState): Promise<void> {
  await mkdir(stateDir, { recursive: true });
  await writeFileAtomic(stateFile(stateDir), JSON.stringify({ format: FORMAT, ...state }));
}

/** The saved state, or undefined when there is none yet. */
export async function readState(stateDir: string): Promise<DedupState | undefined> {
  const file = stateFile(stateDir);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  let parsed: { format?: unknown; key?: unknown; entries?: unknown };
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new Error(`dedup: state file ${file} is not readable JSON (${(error as Error).message}); delete it to start with no keys`);
  }
  if (parsed.format !== FORMAT || !Array.isArray(parsed.key) || !Array.isArray(parsed.entries)) {
    throw new Error(`dedup: state file ${file} is not in format ${FORMAT}; delete it to start with no keys`);
  }
  return { key: parsed.key as string[], entries: parsed.entries as Array<[string, number]> };
}
