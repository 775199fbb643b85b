// A benchmark dataset: NDJSON records written to a file, plus what the query rows ask of them.
// The exact answers are computed by brute force from the file itself (truth.ts), so a dataset
// is free to look like anything: the bench only needs to know which fields its rows use.

export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;

/** What the query rows of a dataset look at. Paths are dotted (`actor.id`). */
export interface DatasetQueries {
  /** Where the event time is: an ISO string with a zone, or epoch seconds/ms as a number. */
  timeField: string;
  /** Rows `level:error` and `level:error AND <word>` use the record's level (the first of the
   *  level fields that names a level, as docs/query-language.md defines it). */
  hasLevels: boolean;
  /** Rows `field:"value"`: exact, case-sensitive equality on a string field. */
  exact: Array<{ name: string; field: string; value: string }>;
  /** A quoted phrase, matched as a case-insensitive substring of the message. */
  phrase?: string;
  /** A bare word, the same way (with level:error when the dataset has levels), in the last two days. */
  word?: string;
  /** `message:/regex/`: unanchored, case-sensitive. Only patterns RE2 and JavaScript read alike. */
  regex?: string;
  /** `field:N` matches the number N and the string "N" alike. */
  numberMatch?: { field: string; value: number };
  /** Stats by a field: count, avg and p99 of a numeric field. */
  stats?: { by: string; numeric: string };
  /** distinct count of a field. */
  distinct?: string;
}

export interface Dataset {
  name: string;
  description: string;
  /** Records a full and a quick run load by default. */
  defaultRecords: { full: number; quick: number };
  queries: DatasetQueries;
  /** Writes records [0, records) of the seed to `path` as NDJSON. */
  write(path: string, records: number, seed: number): Promise<void>;
  /** A freshness probe record: the dataset's fields, so every row can judge it. */
  probe(marker: string, now: Date): Record<string, unknown>;
}

/** The value at a dotted path of a parsed record, or undefined. */
export function valueAt(record: unknown, path: string): unknown {
  let value: unknown = record;
  for (const key of path.split('.')) {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

/** Sets a value at a dotted path, creating the objects on the way. */
export function setAt(record: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let target = record;
  for (const key of keys.slice(0, -1)) {
    const next = target[key];
    if (next === null || typeof next !== 'object' || Array.isArray(next)) target[key] = {};
    target = target[key] as Record<string, unknown>;
  }
  target[keys.at(-1)!] = value;
}
