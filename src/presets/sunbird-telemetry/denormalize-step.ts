// The de-normalization job (seed 003, PIPELINE_NOTES.md step 3), on unique events: adds what the
// reference tables know of the event's device (context.did), user (actor.id of a User), content
// (object.id; a DialCode or QR object's from the dialcode table) and collection (object.rollup.l1
// when it is not the object), each with its flag (device_denorm…); clamps an ets in the future to
// the end of today; drops, counted, events older than maxAge and the INTERRUPT and summary events
// the original skips.
import { readFileSync } from 'node:fs';
import type { PipelineRecord, StepContext, StepKind, StepResult } from '../../pipelines/step.ts';
import { parseDuration } from '../../query/duration.ts';
import { FileReferenceTables, parseRows, RedisReferenceTables, rowsProblem, TABLES, type ReferenceTables, type TableName, type Wanted } from './reference-tables.ts';
import { isPlainObject as isObject } from '../../record/normalize.ts';

export interface DenormalizeOptions {
  /** The directory of the reference tables (the data dir's reference/sunbird); with --redis they are in Redis instead. */
  dir: string;
  /** Events whose ets is older than this are dropped, counted (the original: 3 months). */
  maxAge: string;
  /** Files of rows (a JSON array or NDJSON, each row with its id) added to a table at start. */
  files?: Partial<Record<TableName, string>>;
}

const DAY_MS = 86_400_000;

/** Events the original does not denormalize: INTERRUPT and the summaries other than SUMMARY and ME_WORKFLOW_SUMMARY. */
export function skipped(eid: string): boolean {
  return eid === 'INTERRUPT' || (eid.includes('SUMMARY') && eid !== 'SUMMARY' && eid !== 'ME_WORKFLOW_SUMMARY');
}

/** The ids an event's denormalization looks up; none depends on another's answer. */
interface Lookups { device?: string; user?: string; dialcode?: string; content?: string; collection?: string }

function lookupsOf(event: Record<string, unknown>): Lookups {
  const lookups: Lookups = {};
  const context = isObject(event.context) ? event.context : {};
  const actor = isObject(event.actor) ? event.actor : {};
  const object = isObject(event.object) ? event.object : {};
  if (typeof context.did === 'string' && context.did !== '') lookups.device = context.did;
  if (typeof actor.type === 'string' && actor.type.toLowerCase() === 'user' && typeof actor.id === 'string') lookups.user = actor.id;
  const objectType = typeof object.type === 'string' ? object.type.toLowerCase() : '';
  if (typeof object.id === 'string' && object.id !== '' && objectType !== 'user') {
    if (objectType === 'dialcode' || objectType === 'qr') {
      lookups.dialcode = object.id.toUpperCase();
    } else {
      lookups.content = object.id;
      const rollup = isObject(object.rollup) ? object.rollup : {};
      if (typeof rollup.l1 === 'string' && rollup.l1 !== '' && rollup.l1 !== object.id) lookups.collection = rollup.l1;
    }
  }
  return lookups;
}

/** Every id the events look up, per table. */
function wantedBy(all: Lookups[]): Wanted {
  const wanted = new Map<TableName, Set<string>>(TABLES.map((table) => [table, new Set()]));
  for (const { device, user, dialcode, content, collection } of all) {
    if (device !== undefined) wanted.get('device')!.add(device);
    if (user !== undefined) wanted.get('user')!.add(user);
    if (dialcode !== undefined) wanted.get('dialcode')!.add(dialcode);
    if (content !== undefined) wanted.get('content')!.add(content);
    if (collection !== undefined) wanted.get('content')!.add(collection);
  }
  return wanted;
}

export function denormalized(event: Record<string, unknown>, tables: Pick<ReferenceTables, 'get'>, now: number, lookups = lookupsOf(event)): Record<string, unknown> {
  const out: Record<string, unknown> = { ...event };
  const flags: Record<string, unknown> = { ...(isObject(event.flags) ? event.flags : {}) };
  if (lookups.device !== undefined) {
    const device = tables.get('device', lookups.device);
    flags.device_denorm = device !== undefined;
    if (device) out.devicedata = device;
  }
  if (lookups.user !== undefined) {
    const user = tables.get('user', lookups.user);
    flags.user_denorm = user !== undefined;
    out.userdata = { usersignintype: 'Anonymous', userlogintype: 'NA', ...(user ?? {}) };
  }
  if (lookups.dialcode !== undefined) {
    const dialcode = tables.get('dialcode', lookups.dialcode);
    flags.dialcode_denorm = dialcode !== undefined;
    if (dialcode) out.dialcodedata = dialcode;
  }
  if (lookups.content !== undefined) {
    const content = tables.get('content', lookups.content);
    flags.content_denorm = content !== undefined;
    if (content) out.contentdata = content;
  }
  if (lookups.collection !== undefined) {
    const collection = tables.get('content', lookups.collection);
    flags.coll_denorm = collection !== undefined;
    if (collection) out.collectiondata = collection;
  }
  const endOfToday = Math.floor(now / DAY_MS) * DAY_MS + DAY_MS - 1;
  if (typeof event.ets === 'number' && event.ets > endOfToday) out.ets = endOfToday;
  out.flags = flags;
  return out;
}

export interface DenormalizeStep {
  readonly dropped: number;
  process(records: PipelineRecord[]): Promise<StepResult>;
}

export const sunbirdDenormalizeStep = {
  name: 'sunbird-denormalize',
  description: 'Sunbird de-normalization: device, user, content, collection and DialCode data from reference tables, with their flags; old and skipped events dropped, counted.',
  options: {
    type: 'object',
    additionalProperties: false,
    required: ['dir'],
    properties: {
      dir: { type: 'string', minLength: 1, description: 'The directory of the reference tables.' },
      maxAge: { type: 'string', pattern: '^(?:\\d+(?:\\.\\d+)?(?:ms|s|m|h|d|w))+$', default: '90d', description: 'Events whose ets is older are dropped, counted.' },
      files: {
        type: 'object',
        additionalProperties: false,
        properties: Object.fromEntries(TABLES.map((table) => [table, { type: 'string', minLength: 1 }])),
        description: 'Files of rows (JSON array or NDJSON, each with its id) added to a table at start.',
      },
    },
  },
  async create(options: DenormalizeOptions, context: StepContext): Promise<DenormalizeStep> {
    // with --redis the tables are Redis hashes every process reads, as the original's caches
    const tables: ReferenceTables = context.sharedKeys ? new RedisReferenceTables(context.sharedKeys.hashes, undefined, context.now) : new FileReferenceTables(options.dir);
    for (const [table, file] of Object.entries(options.files ?? {}) as Array<[TableName, string]>) {
      let rows: unknown[];
      try {
        rows = parseRows(readFileSync(file, 'utf8'));
      } catch (error) {
        throw new Error(`sunbird-denormalize: cannot read the ${table} rows in ${file}: ${(error as Error).message}`);
      }
      const problem = rowsProblem(rows);
      if (problem) throw new Error(`sunbird-denormalize: ${file}: ${problem}`);
      await tables.put(table, rows as Array<Record<string, unknown>>);
    }
    const maxAgeMs = parseDuration(options.maxAge ?? '90d');
    let dropped = 0;
    return {
      get dropped() {
        return dropped;
      },
      async process(records: PipelineRecord[]): Promise<StepResult> {
        const now = context.now();
        const kept: Array<{ record: PipelineRecord; lookups: Lookups }> = [];
        for (const record of records) {
          const eid = String(record.body.eid);
          const ets = record.body.ets;
          if (skipped(eid) || (typeof ets === 'number' && ets < now - maxAgeMs)) {
            dropped += 1;
            continue;
          }
          kept.push({ record, lookups: lookupsOf(record.body) });
        }
        await tables.prefetch(wantedBy(kept.map(({ lookups }) => lookups)));
        return { records: kept.map(({ record, lookups }) => ({ ...record, body: denormalized(record.body, tables, now, lookups) })), rejected: [] };
      },
    };
  },
} satisfies StepKind<DenormalizeOptions>;
