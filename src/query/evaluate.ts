// QueryNode → a predicate over one record in JavaScript, with the embedded store's semantics
// (src/stores/embedded/compile-query.ts), so one query language serves search and routing. A
// clause on a missing field is false, and NOT of it true, as `(x) IS NOT TRUE` is in SQL.

import type { CompareNode, QueryNode, RangeNode } from './ast.ts';
import { DEFAULT_FIELD } from './fields.ts';
import { LEVEL_ORDER, levelRank, queryLevelValue } from './level-values.ts';
import { parseTimePoint } from './time-point.ts';
import { parseIsoDate } from '../record/iso-date.ts';
import { splitFieldPath, valueAt } from '../record/field-path.ts';
import { RecordView, lowerText, numberOrder, re2Regex, textNumber, textTimeMs, valueText, wildcardRegex, type EvalRecord } from './evaluate-values.ts';

export type { EvalRecord } from './evaluate-values.ts';

export interface PredicateOptions {
  /** The clock for relative times in the query (ts:>now-15m), read at each evaluation; defaults to Date.now. */
  now?: () => number;
}

export type RecordPredicate = (record: EvalRecord) => boolean;

/** Compiles once; throws an Error for what the store would also refuse (a bad time, field name or regex). */
export function compilePredicate(node: QueryNode, options: PredicateOptions = {}): RecordPredicate {
  const test = compileNode(node);
  const clock = options.now ?? Date.now;
  return (record) => test(new RecordView(record), clock());
}

export function matches(node: QueryNode, record: EvalRecord, options: PredicateOptions = {}): boolean {
  return compilePredicate(node, options)(record);
}

type Test = (view: RecordView, now: number) => boolean;

type Field =
  | { kind: 'message' }
  | { kind: 'level' }
  | { kind: 'time'; ms: (view: RecordView) => number | null }
  | { kind: 'text'; text: (view: RecordView) => string | null; number: (view: RecordView) => number | null };

interface Bound {
  value: string;
  inclusive: boolean;
}

const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

function compileNode(node: QueryNode): Test {
  switch (node.type) {
    case 'all':
      return () => true;
    case 'and': {
      const children = node.children.map(compileNode);
      return (view, now) => children.every((child) => child(view, now));
    }
    case 'or': {
      const children = node.children.map(compileNode);
      return (view, now) => children.some((child) => child(view, now));
    }
    case 'not': {
      const child = compileNode(node.child);
      return (view, now) => !child(view, now);
    }
    case 'term':
      return term(resolveField(node.field), node.value);
    case 'wildcard': {
      const field = resolveField(node.field);
      const text = fieldText(field);
      if (field.kind === 'message') {
        // ILIKE folds both sides with the store's lower()
        const regex = wildcardRegex(node.parts, { contains: true, lower: lowerText });
        return (view) => { const message = view.message; return message !== null && regex.test(lowerText(message)); };
      }
      const regex = wildcardRegex(node.parts, field.kind === 'level' ? { lower: (text) => text.toLowerCase() } : {});
      return (view) => { const value = text(view); return value !== null && regex.test(value); };
    }
    case 'regex': {
      const text = fieldText(resolveField(node.field));
      const regex = re2Regex(node.pattern);
      return (view) => { const value = text(view); return value !== null && regex.test(value); };
    }
    case 'compare':
      return compare(node);
    case 'range':
      return range(node);
    case 'exists': {
      const text = fieldText(resolveField(node.field));
      return (view) => text(view) !== null;
    }
  }
}

/** Where a query field lives, as query-field.ts resolves it for the store. */
function resolveField(name: string | null): Field {
  const field = name ?? DEFAULT_FIELD;
  switch (field) {
    case 'message':
      return { kind: 'message' };
    case 'level':
      return { kind: 'level' };
    case 'ts':
    case '@timestamp':
      return { kind: 'time', ms: (view) => view.ts };
    case 'ingestedAt':
      return { kind: 'time', ms: (view) => view.record.ingestedAt ?? null };
    case 'stream':
    case 'id': {
      const text = (view: RecordView): string | null => view.record[field] ?? null;
      return { kind: 'text', text, number: (view) => textNumber(text(view)) };
    }
  }
  const path = splitFieldPath(field);
  if (!path) throw new Error(`invalid field name '${field}'`);
  return {
    kind: 'text',
    text: (view) => valueText(valueAt(view.record.body, path)),
    number: (view) => {
      const value = valueAt(view.record.body, path);
      return typeof value === 'number' ? value : typeof value === 'string' ? textNumber(value) : null;
    },
  };
}

function fieldText(field: Field): (view: RecordView) => string | null {
  switch (field.kind) {
    case 'message':
      return (view) => view.message;
    case 'level':
      return (view) => view.level;
    case 'time':
      return (view) => { const ms = field.ms(view); return ms === null ? null : String(ms); };
    case 'text':
      return field.text;
  }
}

function term(field: Field, value: string): Test {
  switch (field.kind) {
    case 'message': {
      // the store lowers the value in JavaScript and the message with its own lower()
      const needle = value.toLowerCase();
      return (view) => { const message = view.message; return message !== null && lowerText(message).includes(needle); };
    }
    case 'level': {
      const level = queryLevelValue(value);
      return (view) => view.level === level;
    }
    case 'time': {
      // A date-only value or now/d covers a whole day: match all of it.
      const from = timePoint(value, false);
      const to = timePoint(value, true);
      return (view, now) => {
        const ms = field.ms(view);
        return ms !== null && ms >= from(now) && ms <= to(now);
      };
    }
    case 'text':
      return (view) => field.text(view) === value;
  }
}

function compare(node: CompareNode): Test {
  const bound = { value: node.value, inclusive: node.op.endsWith('=') };
  return bounds(resolveField(node.field), node.op.startsWith('>') ? bound : undefined, node.op.startsWith('<') ? bound : undefined);
}

function range(node: RangeNode): Test {
  const lower = node.lower === null ? undefined : { value: node.lower, inclusive: node.includeLower };
  const upper = node.upper === null ? undefined : { value: node.upper, inclusive: node.includeUpper };
  return bounds(resolveField(node.field), lower, upper);
}

/** Numeric when every bound is a number, time when every bound is a date, else text order. */
function bounds(field: Field, lower: Bound | undefined, upper: Bound | undefined): Test {
  const values = [lower, upper].filter((b) => b !== undefined).map((b) => b.value);
  if (field.kind === 'time') return timeBounds(field.ms, lower, upper);
  if (field.kind === 'level' && values.every((v) => levelRank(v) !== undefined)) {
    const min = lower ? levelRank(lower.value)! + (lower.inclusive ? 0 : 1) : 0;
    const max = upper ? levelRank(upper.value)! - (upper.inclusive ? 0 : 1) : LEVEL_ORDER.length - 1;
    const levels = new Set<string>(LEVEL_ORDER.slice(min, max + 1));
    return (view) => view.level !== null && levels.has(view.level);
  }
  const text = fieldText(field);
  if (values.every((v) => NUMBER.test(v))) {
    const number = field.kind === 'text' ? field.number : (view: RecordView) => textNumber(text(view));
    return comparisons(number, lower, upper, (b) => Number(b.value), numberOrder);
  }
  if (values.every(isTimeText)) return timeBounds((view) => textTimeMs(text(view)), lower, upper);
  return comparisons(text, lower, upper, (b) => b.value, compareText);
}

function timeBounds(ms: (view: RecordView) => number | null, lower: Bound | undefined, upper: Bound | undefined): Test {
  // Elasticsearch rounding: a date-only bound covers its whole day on the side that includes it.
  const low = lower && timePoint(lower.value, !lower.inclusive);
  const high = upper && timePoint(upper.value, upper.inclusive);
  return (view, now) => {
    const value = ms(view);
    if (value === null) return false;
    if (low && numberOrder(value, low(now)) < (lower!.inclusive ? 0 : 1)) return false;
    if (high && numberOrder(value, high(now)) > (upper!.inclusive ? 0 : -1)) return false;
    return true;
  };
}

function comparisons<T>(
  get: (view: RecordView) => T | null,
  lower: Bound | undefined,
  upper: Bound | undefined,
  bound: (b: Bound) => T,
  order: (a: T, b: T) => number,
): Test {
  const low = lower && bound(lower);
  const high = upper && bound(upper);
  return (view) => {
    const value = get(view);
    if (value === null) return false;
    if (lower && order(value, low!) < (lower.inclusive ? 0 : 1)) return false;
    if (upper && order(value, high!) > (upper.inclusive ? 0 : -1)) return false;
    return true;
  };
}

/** A time in the query as ms for a given now; validated at compile time, so a bad time fails early. */
function timePoint(value: string, roundUp: boolean): (now: number) => number {
  const at0 = parseTimePoint(value, { now: 0, roundUp });
  const relative = at0 !== parseTimePoint(value, { now: 86_400_000 * 7, roundUp });
  return relative ? (now) => parseTimePoint(value, { now, roundUp }) : () => at0;
}

/** An ISO date or a now-relative time (now-1h, now/d) used as a bound on a body field. */
function isTimeText(value: string): boolean {
  return parseIsoDate(value) !== undefined || /^now(?![a-z])/i.test(value.trim());
}

/** Code point order, as the store compares UTF-8 text (plain `<` orders UTF-16 units). */
function compareText(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return codePointRank(x) - codePointRank(y);
  }
  return a.length - b.length;
}

/** Surrogates (code points above U+FFFF) sort after U+E000–U+FFFF in code point order. */
function codePointRank(unit: number): number {
  if (unit >= 0xd800 && unit <= 0xdfff) return unit + 0x2000;
  return unit >= 0xe000 ? unit - 0x800 : unit;
}
