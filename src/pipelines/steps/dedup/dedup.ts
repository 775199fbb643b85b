// The dedup step: drops a record whose key was already seen within the TTL (processing time),
// including a repeat within the same batch, or sends it to an output of its own, marked (Sunbird's
// telemetry.duplicate with flags.pp_duplicate). Only records matching `when` are deduplicated. Keys are bounded by maxKeys (oldest evicted first)
// and kept across restarts with the pipeline's checkpoint (with the offsets they were seen up to;
// in a journal of the keys beside it, key-journal.ts),
// or, when the process has a Redis (--redis), kept there with their TTL and shared by every
// process running the pipeline (redis-keys.ts).
import type { PipelineRecord, Rejection, Step, StepContext, StepKind } from '../../step.ts';
import { setAt, splitFieldPath, valueAt, writableCopy } from '../../../record/field-path.ts';
import { recordPredicate } from '../../record-predicate.ts';
import { parseDuration } from '../../../query/duration.ts';
import { SeenKeys } from './seen-keys.ts';
import { readState, type DedupState } from './state.ts';
import { KeyJournal } from './key-journal.ts';

export interface DedupOptions {
  /** Dotted path(s) whose values together are the key (Sunbird: mid). */
  key: string | string[];
  /** How long a key counts as seen: "10m", "1h". */
  ttl: string;
  maxKeys?: number;
  /** A record lacking a key field (absent or null): passed on (default), rejected, or taken as a duplicate. */
  missing?: 'pass' | 'reject' | 'duplicate';
  /** Only records matching this query are deduplicated; the others pass (Sunbird: NOT eid:LOG). */
  when?: string;
  /** Duplicates go to this output instead of being dropped… */
  duplicatesTo?: string;
  /** …with this field (dotted path) set to true. */
  mark?: string;
}

export interface DedupStep extends Step {
  /** Records dropped as duplicates since the step was created. */
  readonly duplicates: number;
  /** Keys held now (in this process; undefined when they are in Redis). */
  readonly keys: number | undefined;
  /** Bytes of the key journal at the last checkpoint. */
  readonly stateBytes: number | undefined;
  snapshot(): Promise<DedupState>;
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
    missing: { enum: ['pass', 'reject', 'duplicate'], default: 'pass', description: 'A record without the key: passed on, rejected, or taken as a duplicate.' },
    when: { type: 'string', minLength: 1, description: 'Only records matching this query are deduplicated; the others pass, e.g. NOT eid:LOG.' },
    duplicatesTo: { type: 'string', minLength: 1, description: 'The output duplicates go to (counted all the same); absent: they are dropped.' },
    mark: { type: 'string', minLength: 1, description: 'With duplicatesTo: a field (dotted path) set to true on each duplicate, e.g. flags.pp_duplicate.' },
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

/** Who claims a key: the record itself, so reading it again after a crash is not a duplicate of itself. */
function ownerOf(record: PipelineRecord, scope: string): string {
  const { topic, partition, offset } = record.origin;
  return `${scope}/${record.id ?? `${topic}/${partition}/${offset}`}`;
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
    const applies = options.when === undefined ? () => true : recordPredicate(options.when, () => context.now());
    const markPath = options.mark === undefined ? undefined : splitFieldPath(options.mark);
    if (options.mark !== undefined && !markPath) throw new Error(`dedup: mark '${options.mark}' is not a field path (an empty segment)`);
    if (markPath && options.duplicatesTo === undefined) throw new Error('dedup: mark needs duplicatesTo (dropped duplicates are not seen)');

    const seen = new SeenKeys(ttlMs, maxKeys);
    const saved = readState(context.restored);
    // Keys saved under another key expression would never match (or match wrongly): start empty.
    const same = saved !== undefined && sameKey(saved.key, fields);
    const opened = context.stateDir && !context.sharedKeys ? await KeyJournal.open(context.stateDir, same ? saved.journal : undefined) : undefined;
    const journal = opened?.journal;
    if (same) {
      const now = context.now();
      const kept = ((saved.journal ? opened?.entries : saved.entries) ?? []).filter(([, at]) => now - at < ttlMs).slice(-maxKeys);
      for (const [key, at] of kept) {
        seen.seen(key, at);
        // keys a checkpoint held itself (written before the journal) go into the journal
        if (!saved.journal) journal?.append(key, at);
      }
    }
    let stateBytes: number | undefined;

    // keys in Redis when the process has one (--redis): shared by every process running this pipeline
    const shared = context.sharedKeys;
    const namespace = `tributary:dedup:${context.pipeline ?? ''}:${JSON.stringify(fields)}:`;
    let duplicates = 0;
    return {
      get duplicates() {
        return duplicates;
      },
      get keys() {
        return shared ? undefined : seen.size;
      },
      async process(records: PipelineRecord[]) {
        const now = context.now();
        seen.expire(now);
        // what each record is, in order: passed as it is, rejected, a duplicate, or keyed
        const plan: Array<'pass' | 'duplicate' | { key: string } | { reason: string }> = records.map((record) => {
          if (!applies(record)) return 'pass';
          const values = paths.map((path) => valueAt(record.body, path));
          const absent = values.findIndex((value) => value == null);
          if (absent >= 0) return missing === 'pass' ? 'pass' : missing === 'duplicate' ? 'duplicate' : { reason: `dedup: no ${fields[absent]} to deduplicate by` };
          // JSON keeps "1" and 1 apart, and a composite key's parts apart.
          return { key: JSON.stringify(values.length === 1 ? values[0] : values) };
        });
        const keyed = plan.flatMap((step, i) => (typeof step === 'object' && 'key' in step ? [{ i, key: step.key }] : []));
        const repeated = new Set<number>();
        if (shared) {
          const claims = await shared.claim(keyed.map(({ i, key }) => ({ key: `${namespace}${key}`, owner: ownerOf(records[i]!, shared.scope) })), ttlMs);
          claims.forEach((claim, n) => { if (claim === 'seen') repeated.add(keyed[n]!.i); });
        } else {
          for (const { i, key } of keyed) {
            if (seen.seen(key, now)) repeated.add(i);
            else journal?.append(key, now);
          }
        }
        const passed: PipelineRecord[] = [];
        const rejected: Rejection[] = [];
        plan.forEach((step, i) => {
          const record = records[i]!;
          if (step === 'duplicate' || repeated.has(i)) {
            duplicates += 1;
            if (options.duplicatesTo === undefined) return;
            const body = markPath ? writableCopy(record.body, [markPath]) : record.body;
            if (markPath) setAt(body, markPath, true);
            passed.push({ ...record, body, output: options.duplicatesTo });
          } else if (typeof step === 'object' && 'reason' in step) {
            rejected.push({ record, reason: step.reason });
          } else {
            passed.push(record);
          }
        });
        return { records: passed, rejected };
      },
      get stateBytes() {
        return stateBytes;
      },
      async snapshot() {
        if (!journal) return { key: fields, entries: [...seen.entries()] };
        const mark = await journal.flush(() => seen.entries(), seen.size);
        stateBytes = mark.bytes;
        return { key: fields, journal: mark };
      },
    };
  },
} satisfies StepKind<DedupOptions>;
