// Field names seen in the records loaded so far, for autocomplete and the sidebar.
import { fieldPaths } from '../text.ts';

const seen = new Map<string, number>();

export function learnFields(records: ReadonlyArray<Record<string, unknown>>): void {
  for (const record of records) for (const path of fieldPaths(record)) seen.set(path, (seen.get(path) ?? 0) + 1);
}

/** Commonest first. */
export function knownFields(): string[] {
  return [...seen.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([field]) => field);
}
