// Step `enrich`: add, move and drop fields, and add fields looked up in reference data (lookup.ts).
// Operations on dotted paths, always in this order whatever the order in config:
//   rename → copy → set → lookup → remove
// so copy and lookup see renamed fields, a set value is a default that a lookup match overrides,
// and a field used only as a lookup key can be removed last. Another order is a second enrich step.
// Derived fields are deliberately limited to these operations: no expression language yet.
// The input record is never changed (a rejected record keeps its body): what is written goes to
// a copy of the objects on the written paths.
import type { PipelineRecord, Rejection, Step, StepKind } from '../../step.ts';
import { removeAt, setAt, splitFieldPath, valueAt, writableCopy } from '../../../record/field-path.ts';
import { keyText, loadLookup, type Lookup, type LookupOptions } from './lookup.ts';

export interface EnrichOptions {
  rename?: Record<string, string>;
  copy?: Record<string, string>;
  set?: Record<string, unknown>;
  lookup?: LookupOptions[];
  remove?: string[];
}

const PATHS = { type: 'object', propertyNames: { minLength: 1 }, additionalProperties: { type: 'string', minLength: 1 } };

type Move = { from: string[]; to: string[] };

function path(text: string, where: string): string[] {
  const segments = splitFieldPath(text);
  if (!segments) throw new Error(`enrich: ${where} '${text}' is not a field path`);
  return segments;
}

const moves = (pairs: Record<string, string> | undefined, option: string): Move[] =>
  Object.entries(pairs ?? {}).map(([from, to]) => ({ from: path(from, `${option} from`), to: path(to, `${option} to`) }));

/** Objects are copied per record, so no two records (nor the config) share one. */
const own = (value: unknown): unknown => (value !== null && typeof value === 'object' ? structuredClone(value) : value);

class Conflict extends Error {}

function write(body: Record<string, unknown>, at: string[], value: unknown): void {
  if (!setAt(body, at, value)) throw new Conflict(`cannot set '${at.join('.')}': a field on its way is not an object`);
}

export const enrichStep: StepKind<EnrichOptions> = {
  name: 'enrich',
  description: 'Renames, copies, sets and removes fields, and adds fields looked up in a JSON or CSV file',
  options: {
    type: 'object',
    additionalProperties: false,
    minProperties: 1,
    properties: {
      rename: { ...PATHS, description: 'from → to (dotted paths)' },
      copy: { ...PATHS, description: 'from → to (dotted paths)' },
      set: { type: 'object', propertyNames: { minLength: 1 }, description: 'path → value (a default a lookup match overrides)' },
      lookup: {
        type: 'array',
        items: {
          type: 'object',
          required: ['file', 'key', 'match', 'fields'],
          additionalProperties: false,
          properties: {
            file: { type: 'string', minLength: 1, description: 'A .json (array of objects) or .csv (with a header) file, read once at start; relative to the working directory' },
            key: { type: 'string', minLength: 1, description: "The record's field holding the key" },
            match: { type: 'string', minLength: 1, description: 'The column (CSV) or field (JSON) of the file it matches' },
            fields: { ...PATHS, minProperties: 1, description: 'record path → file column, copied from the matching row' },
            onMissing: { enum: ['pass', 'reject'], default: 'pass', description: 'A record whose key matches no row: passes unchanged, or is rejected' },
          },
        },
      },
      remove: { type: 'array', items: { type: 'string', minLength: 1 } },
    },
  },
  async create(options) {
    const renames = moves(options.rename, 'rename');
    const copies = moves(options.copy, 'copy');
    const sets = Object.entries(options.set ?? {}).map(([at, value]) => ({ at: path(at, 'set'), value }));
    const removes = (options.remove ?? []).map((at) => path(at, 'remove'));
    const lookups: Lookup[] = [];
    for (const lookup of options.lookup ?? []) lookups.push(await loadLookup(lookup));
    const written = [
      ...renames.flatMap((move) => [move.from, move.to]),
      ...copies.map((move) => move.to),
      ...sets.map((set) => set.at),
      ...lookups.flatMap((lookup) => lookup.writes),
      ...removes,
    ];

    function enrich(original: Record<string, unknown>): Record<string, unknown> | string {
      const body = writableCopy(original, written);
      for (const { from, to } of renames) {
        const value = valueAt(body, from);
        if (value === undefined) continue;
        removeAt(body, from);
        write(body, to, own(value));
      }
      for (const { from, to } of copies) {
        const value = valueAt(body, from);
        if (value !== undefined) write(body, to, own(value));
      }
      for (const { at, value } of sets) write(body, at, own(value));
      for (const lookup of lookups) {
        const key = keyText(valueAt(body, lookup.key));
        const row = key === undefined ? undefined : lookup.rows.get(key);
        if (!row) {
          if (!lookup.reject) continue;
          return key === undefined
            ? `lookup in '${lookup.file}': the record has no usable '${lookup.keyName}'`
            : `lookup in '${lookup.file}': no row matches ${lookup.keyName} '${key}'`;
        }
        lookup.writes.forEach((at, i) => {
          if (row[i] !== undefined) write(body, at, own(row[i]));
        });
      }
      for (const at of removes) removeAt(body, at);
      return body;
    }

    const step: Step = {
      process(records) {
        const out: PipelineRecord[] = [];
        const rejected: Rejection[] = [];
        for (const record of records) {
          let body: Record<string, unknown> | string;
          try {
            body = enrich(record.body);
          } catch (error) {
            if (!(error instanceof Conflict)) throw error;
            body = error.message;
          }
          if (typeof body === 'string') rejected.push({ record, reason: body });
          else out.push({ ...record, body });
        }
        return { records: out, rejected };
      },
    };
    return step;
  },
};
