// A record as an OpenSearch document. Every value a query can read is worked out here, at write
// time, with the very functions the query evaluator uses (src/query/evaluate-values.ts), so the
// query DSL only compares prepared values and answers as the embedded store does, whatever the
// producer printed: a body field's text (`t`), its number (`n`) and its time (`d`), each under a
// flat key of its path, and `p`, the keys present. Flat keys never clash (a field that is an
// object in one record and a string in another is two keys of `t`, not a mapping conflict) and a
// path's text, number and time are three fields, so `82` beside `82.6` or `"82"` types nothing apart.
import type { LogRecord } from '../../record/record.ts';
import { isPlainObject } from '../../record/normalize.ts';
import { lowerText, textNumber, textTimeMs, valueText } from '../../query/evaluate-values.ts';

/** The flat key of a body path: segments joined by `~`, with `%`, `~`, `*`, `?`, `,` and spaces escaped. */
export function pathKey(path: readonly string[]): string {
  return path.map((segment) => segment.replace(/[%~*?,\s]/gu, (char) => `%${char.codePointAt(0)!.toString(16).padStart(2, '0')}`)).join('~');
}

/** Keys of values that are not body paths (they start with `~`, which pathKey escapes). */
export const SPECIAL = { message: '~message', ts: '~ts', ingestedAt: '~ingestedAt', stream: '~stream', id: '~id' } as const;

/** Where the cursor and arrival order of a record live. */
export interface Position {
  part: number;
  off: number;
  src: number;
  /** The record's own id, '' when its id comes from its position (sorts first, as the embedded store's coalesce(rid, '')). */
  rid: string;
}

export interface RecordDocument {
  id: string;
  stream: string;
  ts: number;
  ingestedAt: number;
  part: number;
  off: number;
  src: number;
  rid: string;
  level: string | null;
  message: string | null;
  /** The message as the store's lower() gives it: bare words match in it. */
  ml: string | null;
  body: string;
  p: string[];
  t: Record<string, string>;
  n: Record<string, number>;
  d: Record<string, number>;
}

/** OpenSearch refuses NaN and infinities in a double field: they sort where DuckDB puts them, at the ends. */
function finite(n: number): number {
  if (Number.isNaN(n) || n === Infinity) return Number.MAX_VALUE;
  return n === -Infinity ? -Number.MAX_VALUE : n;
}

function addValue(doc: RecordDocument, key: string, text: string): void {
  doc.t[key] = text;
  const number = textNumber(text);
  if (number !== null) doc.n[key] = finite(number);
  const time = textTimeMs(text);
  if (time !== null && Number.isFinite(time)) doc.d[key] = time;
}

/** Top-level keys a query never reads as body fields: those names mean the record's own message, level, time, stream and id. */
const RECORD_FIELDS = new Set(['message', 'level', 'ts', '@timestamp', 'ingestedAt', 'stream', 'id']);

function addBody(doc: RecordDocument, object: Record<string, unknown>, path: string[]): void {
  for (const [name, value] of Object.entries(object)) {
    // a key holding a dot, or an empty one, is not reachable by a query's dotted path
    if (name === '' || name.includes('.') || value === null || value === undefined) continue;
    if (path.length === 0 && RECORD_FIELDS.has(name)) continue;
    const at = [...path, name];
    const key = pathKey(at);
    doc.p.push(key);
    if (typeof value === 'number') {
      doc.t[key] = String(value);
      doc.n[key] = finite(value);
      const time = textTimeMs(String(value));
      if (time !== null && Number.isFinite(time)) doc.d[key] = time;
    } else {
      addValue(doc, key, valueText(value)!);
      // a JSON number or boolean never reads as a number through text: only strings do
      if (typeof value !== 'string') delete doc.n[key];
    }
    if (isPlainObject(value)) addBody(doc, value, at);
  }
}

export function toDocument(record: LogRecord, bodyJson: string, position: Position): RecordDocument {
  const doc: RecordDocument = {
    id: record.id, stream: record.stream, ts: record.ts, ingestedAt: record.ingestedAt, ...position,
    level: record.level, message: record.message, ml: record.message === null ? null : lowerText(record.message),
    body: bodyJson, p: [], t: {}, n: {}, d: {},
  };
  addBody(doc, record.body, []);
  if (record.message !== null) {
    doc.p.push(SPECIAL.message);
    // its text is the `message` keyword itself; only its number and time are kept apart
    addValue(doc, SPECIAL.message, record.message);
    delete doc.t[SPECIAL.message];
  }
  doc.t[SPECIAL.ts] = String(record.ts);
  doc.t[SPECIAL.ingestedAt] = String(record.ingestedAt);
  for (const [key, text] of [[SPECIAL.stream, record.stream], [SPECIAL.id, record.id]] as const) {
    const number = textNumber(text);
    if (number !== null) doc.n[key] = finite(number);
    const time = textTimeMs(text);
    if (time !== null && Number.isFinite(time)) doc.d[key] = time;
  }
  return doc;
}

/** The document without its per-path values: what is still stored when those are refused (too many fields). */
export function withoutPaths(doc: RecordDocument): RecordDocument {
  return { ...doc, p: doc.p.filter((key) => key.startsWith('~')), t: keep(doc.t), n: keep(doc.n), d: keep(doc.d) };
}

function keep<T>(values: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(values).filter(([key]) => key.startsWith('~')));
}
