// A pipeline's checkpoint: the offsets it consumed up to and every step's state, in one file
// written atomically, so state and offsets always agree. A restart resumes from these offsets
// with this state: what came after is read again and counted once.
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../log/embedded/atomic-file.ts';

const FORMAT = 1;

export interface Checkpoint {
  /** Next offset per partitionKey(topic, partition). */
  offsets: Record<string, number>;
  /** Per step, in pipeline order: its snapshot(), or null for a step without state. */
  steps: unknown[];
  /** When it was written, ms. */
  at: number;
}

/** Worker 1's checkpoint, or that of the Nth worker the autoscaler runs beside it. */
export const checkpointFile = (dataDir: string, pipeline: string, worker = 1): string =>
  path.join(dataDir, 'pipelines', pipeline, worker === 1 ? 'checkpoint.json' : `checkpoint.worker-${worker}.json`);

/** Where the steps of worker N keep state beside the checkpoint (a directory per step). */
export const stepStateDir = (dataDir: string, pipeline: string, worker = 1): string =>
  path.join(dataDir, 'pipelines', pipeline, worker === 1 ? 'state' : `state.worker-${worker}`);

export async function writeCheckpoint(file: string, checkpoint: Checkpoint): Promise<number> {
  await mkdir(path.dirname(file), { recursive: true });
  const text = JSON.stringify({ format: FORMAT, ...checkpoint });
  await writeFileAtomic(file, text);
  return Buffer.byteLength(text);
}

/** The checkpoint, or undefined before the first. */
export async function readCheckpoint(file: string): Promise<Checkpoint | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  let parsed: Partial<Checkpoint> & { format?: unknown };
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new Error(`pipeline checkpoint ${file} is not readable JSON (${(error as Error).message}); delete it to reprocess the input from the group's committed offsets`);
  }
  if (parsed.format !== FORMAT || typeof parsed.offsets !== 'object' || parsed.offsets === null || !Array.isArray(parsed.steps)) {
    throw new Error(`pipeline checkpoint ${file} is not in format ${FORMAT}; delete it to reprocess the input from the group's committed offsets`);
  }
  return { offsets: parsed.offsets, steps: parsed.steps, at: Number(parsed.at ?? 0) };
}
