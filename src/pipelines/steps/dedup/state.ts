// Dedup's state as the pipeline checkpoints it: the key expression the keys were built from, and
// the seen keys with their times, in a key journal beside the checkpoint (key-journal.ts) or, for
// steps run without a state directory (`pipeline test`, checkpoints before the journal), in the
// checkpoint itself. Read back at start, checked, since a checkpoint file may be old or edited by hand.
import type { JournalMark } from './key-journal.ts';

export interface DedupState {
  /** The key expression the keys were built from: keys of another expression are not comparable. */
  key: string[];
  /** [key, seen at ms], oldest first. */
  entries?: Array<[string, number]>;
  journal?: JournalMark;
}

/** The restored state, or undefined on a first start. */
export function readState(restored: unknown): DedupState | undefined {
  if (restored === undefined) return undefined;
  const state = restored as Partial<DedupState> | null;
  const journal = state?.journal;
  const journalOk = journal !== undefined && typeof journal.file === 'string' && Number.isInteger(journal.bytes);
  if (!state || !Array.isArray(state.key) || !(Array.isArray(state.entries) || journalOk)) {
    throw new Error('dedup: the checkpointed state is not a list of keys; delete the pipeline\'s checkpoint to start with no keys');
  }
  return journalOk ? { key: state.key, journal } : { key: state.key, entries: state.entries };
}
