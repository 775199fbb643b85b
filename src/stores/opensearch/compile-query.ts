// QueryNode → OpenSearch query DSL over the documents of document.ts, with the semantics of the
// query evaluator (src/query/evaluate.ts) and the embedded store: a clause on a missing field is
// false and its NOT true (bool must_not), bare words match anywhere in the lowered message, a
// range is numeric when its bounds are numbers, a time when they are times, else text order.
import type { CompareNode, QueryNode, RangeNode, WildcardPart } from '../../query/ast.ts';
import { DEFAULT_FIELD } from '../../query/fields.ts';
import { LEVEL_ORDER, levelRank, queryLevelValue } from '../../query/level-values.ts';
import { parseTimePoint } from '../../query/time-point.ts';
import { lowerText } from '../../query/evaluate-values.ts';
import { parseIsoDate } from '../../record/iso-date.ts';
import { splitFieldPath } from '../../record/field-path.ts';
import { StoreQueryError } from '../store.ts';
import { SPECIAL, pathKey } from './document.ts';
import { luceneRegex } from './lucene-regex.ts';

export type Dsl = Record<string, unknown>;

/** Where a query field's values are in a document. */
export interface DocField {
  kind: 'message' | 'level' | 'time' | 'text';
  /** The exact text (keyword), for equality, wildcards, regexes and text order. */
  text: string;
  number: string;
  time: string;
  /** The key in `p` when the field may be missing; undefined: always present. */
  present?: string;
  /** For a time field: the date field holding it. */
  date?: 'ts' | 'ingestedAt';
}

/** A field every record has (stream, id): its text is a keyword of its own. */
function special(key: string, text: string): DocField {
  return { kind: 'text', text, number: `n.${key}`, time: `d.${key}` };
}

/** Where a field of the query lives; throws a StoreQueryError for a name no record can have. */
export function docField(name: string | null): DocField {
  const field = name ?? DEFAULT_FIELD;
  switch (field) {
    case 'message':
      return { kind: 'message', text: 'message', number: `n.${SPECIAL.message}`, time: `d.${SPECIAL.message}`, present: SPECIAL.message };
    case 'level':
      return { kind: 'level', text: 'level', number: 'n.~level', time: 'd.~level', present: undefined };
    case 'ts':
    case '@timestamp':
      return { kind: 'time', text: `t.${SPECIAL.ts}`, number: 'n.~none', time: 'd.~none', date: 'ts' };
    case 'ingestedAt':
      return { kind: 'time', text: `t.${SPECIAL.ingestedAt}`, number: 'n.~none', time: 'd.~none', date: 'ingestedAt' };
    case 'stream':
      return special(SPECIAL.stream, 'stream');
    case 'id':
      return special(SPECIAL.id, 'id');
  }
  const path = splitFieldPath(field);
  if (!path) throw new StoreQueryError(`invalid field name '${field}'`);
  const key = pathKey(path);
  return { kind: 'text', text: `t.${key}`, number: `n.${key}`, time: `d.${key}`, present: key };
}

/** The query matching documents that have the field (its value is not null). */
export function existsDsl(field: DocField): Dsl {
  if (field.kind === 'level') return { exists: { field: 'level' } };
  return field.present === undefined ? { match_all: {} } : { term: { p: field.present } };
}

interface Bound {
  value: string;
  inclusive: boolean;
}

const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const NONE: Dsl = { bool: { must_not: [{ match_all: {} }] } };

export function compileToOpenSearch(node: QueryNode, now = Date.now()): Dsl {
  return new Compiler(now).node(node);
}

class Compiler {
  private readonly now: number;

  constructor(now: number) {
    this.now = now;
  }

  node(node: QueryNode): Dsl {
    switch (node.type) {
      case 'all':
        return { match_all: {} };
      case 'and':
        return { bool: { filter: node.children.map((child) => this.node(child)) } };
      case 'or':
        return { bool: { should: node.children.map((child) => this.node(child)), minimum_should_match: 1 } };
      case 'not':
        return { bool: { must_not: [this.node(node.child)] } };
      case 'term':
        return this.term(docField(node.field), node.value);
      case 'wildcard':
        return this.wildcard(docField(node.field), node.parts);
      case 'regex': {
        const field = docField(node.field);
        const regex = luceneRegex(node.pattern);
        return { regexp: { [field.text]: { value: regex.pattern, flags: 'NONE', case_insensitive: regex.caseInsensitive, max_determinized_states: 100_000 } } };
      }
      case 'compare':
        return this.compare(node);
      case 'range':
        return this.range(node);
      case 'exists':
        return existsDsl(docField(node.field));
    }
  }

  private term(field: DocField, value: string): Dsl {
    switch (field.kind) {
      case 'message':
        return { wildcard: { ml: { value: `*${escapeWildcard(value.toLowerCase())}*` } } };
      case 'level':
        return { term: { level: queryLevelValue(value) } };
      case 'time':
        // a date-only value or now/d covers a whole day
        return { range: { [field.date!]: { gte: this.timePoint(value, false), lte: this.timePoint(value, true) } } };
      case 'text':
        return { term: { [field.text]: value } };
    }
  }

  private wildcard(field: DocField, parts: WildcardPart[]): Dsl {
    if (field.kind === 'message') return { wildcard: { ml: { value: `*${wildcardText(parts, lowerText)}*` } } };
    const lower = field.kind === 'level' ? (text: string) => text.toLowerCase() : undefined;
    return { wildcard: { [field.text]: { value: wildcardText(parts, lower) } } };
  }

  private compare(node: CompareNode): Dsl {
    const bound = { value: node.value, inclusive: node.op.endsWith('=') };
    return this.bounds(docField(node.field), node.op.startsWith('>') ? bound : undefined, node.op.startsWith('<') ? bound : undefined);
  }

  private range(node: RangeNode): Dsl {
    const lower = node.lower === null ? undefined : { value: node.lower, inclusive: node.includeLower };
    const upper = node.upper === null ? undefined : { value: node.upper, inclusive: node.includeUpper };
    return this.bounds(docField(node.field), lower, upper);
  }

  private bounds(field: DocField, lower: Bound | undefined, upper: Bound | undefined): Dsl {
    const values = [lower, upper].filter((b) => b !== undefined).map((b) => b.value);
    if (field.kind === 'time') return this.timeRange(field.date!, lower, upper);
    if (field.kind === 'level' && values.every((v) => levelRank(v) !== undefined)) {
      const min = lower ? levelRank(lower.value)! + (lower.inclusive ? 0 : 1) : 0;
      const max = upper ? levelRank(upper.value)! - (upper.inclusive ? 0 : 1) : LEVEL_ORDER.length - 1;
      const levels = LEVEL_ORDER.slice(min, max + 1);
      return levels.length === 0 ? NONE : { terms: { level: levels } };
    }
    if (values.every((v) => NUMBER.test(v))) return rangeDsl(field.number, lower, upper, (b) => clamp(Number(b.value)));
    if (values.every(isTimeText)) return this.timeRange(field.time, lower, upper);
    return rangeDsl(field.text, lower, upper, (b) => b.value);
  }

  /** Elasticsearch rounding: a date-only bound covers its whole day on the side that includes it. */
  private timeRange(target: string, lower: Bound | undefined, upper: Bound | undefined): Dsl {
    const range: Dsl = {};
    if (lower) range[lower.inclusive ? 'gte' : 'gt'] = this.timePoint(lower.value, !lower.inclusive);
    if (upper) range[upper.inclusive ? 'lte' : 'lt'] = this.timePoint(upper.value, upper.inclusive);
    return { range: { [target]: range } };
  }

  private timePoint(value: string, roundUp: boolean): number {
    try {
      return parseTimePoint(value, { now: this.now, roundUp });
    } catch (error) {
      throw new StoreQueryError((error as Error).message);
    }
  }
}

function rangeDsl(target: string, lower: Bound | undefined, upper: Bound | undefined, value: (b: Bound) => unknown): Dsl {
  const range: Dsl = {};
  if (lower) range[lower.inclusive ? 'gte' : 'gt'] = value(lower);
  if (upper) range[upper.inclusive ? 'lte' : 'lt'] = value(upper);
  return { range: { [target]: range } };
}

function clamp(n: number): number {
  return Math.min(Number.MAX_VALUE, Math.max(-Number.MAX_VALUE, n));
}

function escapeWildcard(text: string): string {
  return text.replace(/[\\*?]/g, '\\$&');
}

function wildcardText(parts: WildcardPart[], lower?: (text: string) => string): string {
  return parts.map((part) => (part.kind === 'anyChars' ? '*' : part.kind === 'oneChar' ? '?' : escapeWildcard(lower ? lower(part.text) : part.text))).join('');
}

/** An ISO date or a now-relative time (now-1h, now/d) used as a bound on a body field. */
function isTimeText(value: string): boolean {
  return parseIsoDate(value) !== undefined || /^now(?![a-z])/i.test(value.trim());
}
