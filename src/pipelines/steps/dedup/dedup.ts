// The dedup step: drops a record whose key was already seen within the TTL (processing time),
// including a repeat within the same batch. Keys are bounded by maxKeys (oldest evicted first)
// and kept across restarts in the pipeline's checkpoint (with the offsets they were seen up to).
import type { PipelineRecord, Rejection, Step, StepContext, StepKind } from '../../step.ts';
import { splitFieldPath, valueAt } from '../../../record/field-path.ts';
import { parseDuration } from '../../../query/duration.ts';
import { SeenKeys } from './seen-keys.ts';
import { readState, type DedupState } from './state.ts';

export interface DedupOptions {
  /** Dotted path(s) whose values together are the key (Sunbird: mid). */
  key: string | string[];
  /** How long a key counts as seen: "10m", "1h". */
  ttl: string;
  maxKeys?: number;
  /** A record lacking a key field (absent or null): passed on (default) or rejected. */
  missing?: 'pass' | 'reject';
}

export interface DedupStep extends Step {
  /** Records dropped as duplicates since the step was created. */
  readonly duplicates: number;
  /** Keys held now. */
  readonly keys: number;
  snapshot(): DedupState;
}

const optionsSchema = {
  type: 'object',
  properties: {
    key: {
      oneOf: [
        { type: 'string', minLength: 1 },
        { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } },
      ],
      description: 'Field (dotted path), or fields, whose values are the key, e.g. mid.',
    },
    ttl: { type: 'string', pattern: '^(?:\\d+(?:\\.\\d+)?(?:ms|s|m|h|d|w))+$', description: 'How long a key counts as seen, e.g. 10m, 1h.' },
    maxKeys: { type: 'integer', minimum: 1, default: 1_000_000, description: 'Keys kept at most; the oldest go first.' },
    missing: { enum: ['pass', 'reject'], default: 'pass', description: 'A record without the key: passed on or rejected.' },
  },
  required: ['key', 'ttl'],
  additionalProperties: false,
} as const;

function keyPaths(key: string | string[]): string[][] {
  return (Array.isArray(key) ? key : [key]).map((field) => {
    const segments = splitFieldPath(field);
    if (!segments) throw new Error(`dedup: key '${field}' is not a field path (an empty segment)`);
    return segments;
  });
}

function sameKey(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((field, i) => field === b[i]);
}

export const dedupStep = {
  name: 'dedup',
  description: 'Drops records whose key was seen within a TTL; keys bounded in number and kept on local disk.',
  options: optionsSchema,
  async create(options: DedupOptions, context: StepContext): Promise<DedupStep> {
    const fields = Array.isArray(options.key) ? options.key : [options.key];
    const paths = keyPaths(options.key);
    const ttlMs = parseDuration(options.ttl);
    const maxKeys = options.maxKeys ?? 1_000_000;
    if (!Number.isInteger(maxKeys) || maxKeys < 1) throw new Error(`dedup: maxKeys must be a positive integer, not ${maxKeys}`);
    const missing = options.missing ?? 'pass';

    const seen = new SeenKeys(ttlMs, maxKeys);
    const saved = readState(context.restored);
    // Keys saved under another key expression would never match (or match wrongly): start empty.
    if (saved && sameKey(saved.key, fields)) {
      const now = context.now();
      const kept = saved.entries.filter(([, at]) => now - at < ttlMs).slice(-maxKeys);
      for (const [key, at] of kept) seen.seen(key, at);
    }

    let duplicates = 0;
    return {
      get duplicates() {
        return duplicates;
      },
      get keys() {
        return seen.size;
      },
      process(records: PipelineRecord[]) {
        const now = context.now();
        seen.expire(now);
        const passed: PipelineRecord[] = [];
        const rejected: Rejection[] = [];
        for (const record of records) {
          const values = paths.map((path) => valueAt(record.body, path));
          const absent = values.findIndex((value) => value == null);
          if (absent >= 0) {
            if (missing === 'pass') passed.push(record);
            else rejected.push({ record, reason: `dedup: no ${fields[absent]} to deduplicate by` });
            continue;
          }
          // JSON keeps "1" and 1 apart, and a composite key's parts apart.
          const key = JSON.stringify(values.length === 1 ? values[0] : values);
          if (seen.seen(key, now)) duplicates += 1;
          else passed.push(record);
        }
        return { records: passed, rejected };
      },
      snapshot() {
        return { key: fields, entries: [...seen.entries()] };
      },
    };
  },
} satisfies StepKind<DedupOptions>;
