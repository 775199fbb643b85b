// Dedup's state as the pipeline checkpoints it: the seen keys with their times, and the key
// expression they were built from. Read back at start, checked, since a checkpoint file may be
// old or edited by hand.

export interface DedupState {
  /** The key expression the keys were built from: keys of another expression are not comparable. */
  key: string[];
  /** [key, seen at ms], oldest first. */
  entries: Array<[string, number]>;
}

/** The restored state, or undefined on a first start. */
export function readState(restored: unknown): DedupState | undefined {
  if (restored === undefined) return undefined;
  const state = restored as Partial<DedupState> | null;
  if (!state || !Array.isArray(state.key) || !Array.isArray(state.entries)) {
    throw new Error('dedup: the checkpointed state is not a list of keys; delete the pipeline\'s checkpoint to start with no keys');
  }
  return { key: state.key, entries: state.entries };
}
