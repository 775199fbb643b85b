// QueryNode → a boolean SQL expression over the embedded store's `records` table, with every
// user value bound as a `?` parameter. Missing fields never match a positive clause, and NOT
// of a clause matches records where the field is missing (NOT x compiles to `(x) IS NOT TRUE`).

import type { CompareNode, QueryNode, RangeNode, WildcardNode } from '../../query/ast.ts';
import type { DuckDbField, FieldResolverOptions } from './query-field.ts';
import { resolveDuckDbField } from './query-field.ts';
import { parseIsoDate } from '../../record/iso-date.ts';
import { LEVEL_ORDER, levelRank, queryLevelValue } from '../../query/level-values.ts';
import { likePattern } from './like-pattern.ts';
import { parseTimePoint } from '../../query/time-point.ts';
import { requiredLiteral } from '../../query/regex-literal.ts';

export interface DuckDbCompileOptions extends FieldResolverOptions {
  /** "now" for relative times in the query (ts:>now-15m); defaults to Date.now(). */
  now?: number;
}

export interface CompiledSql {
  /** A boolean expression for a WHERE clause; may evaluate to NULL, which means "no match". */
  sql: string;
  params: unknown[];
}

export function compileToDuckDb(ast: QueryNode, options: DuckDbCompileOptions = {}): CompiledSql {
  const compiler = new DuckDbCompiler(options);
  return { sql: compiler.node(ast), params: compiler.params };
}

interface Bound {
  value: string;
  inclusive: boolean;
}

const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

class DuckDbCompiler {
  readonly params: unknown[] = [];
  private readonly options: DuckDbCompileOptions;
  private readonly now: number;

  constructor(options: DuckDbCompileOptions) {
    this.options = options;
    this.now = options.now ?? Date.now();
  }

  node(node: QueryNode): string {
    switch (node.type) {
      case 'all':
        return 'TRUE';
      case 'and':
      case 'or':
        return node.children.map((child) => `(${this.node(child)})`).join(node.type === 'and' ? ' AND ' : ' OR ');
      case 'not':
        return `(${this.node(node.child)}) IS NOT TRUE`;
      case 'term':
        return this.term(this.field(node.field), node.value);
      case 'wildcard':
        return this.wildcard(this.field(node.field), node);
      case 'regex':
        return this.regex(this.field(node.field).sql, node.pattern);
      case 'compare':
        return this.compare(node);
      case 'range':
        return this.range(node);
      case 'exists':
        return `${this.field(node.field).sql} IS NOT NULL`;
    }
  }

  /** A substring test the match needs goes first: it is far cheaper than the regex on rows without it. */
  private regex(field: string, pattern: string): string {
    const literal = requiredLiteral(pattern);
    // bound in the order the placeholders appear
    const prefilter = literal ? `contains(${field}, ${this.bind(literal)}) AND ` : '';
    return `(${prefilter}regexp_matches(${field}, ${this.bind(pattern)}))`;
  }

  private bind = (value: unknown): string => {
    this.params.push(value);
    return '?';
  };

  private field(name: string | null): DuckDbField {
    return resolveDuckDbField(name, this.options, this.bind);
  }

  private term(field: DuckDbField, value: string): string {
    switch (field.kind) {
      case 'message':
        return `contains(lower(${field.sql}), ${this.bind(value.toLowerCase())})`;
      case 'level':
        return `${field.sql} = ${this.bind(queryLevelValue(value))}`;
      case 'time': {
        // A date-only value or now/d covers a whole day: match all of it.
        const from = parseTimePoint(value, { now: this.now });
        const to = parseTimePoint(value, { now: this.now, roundUp: true });
        if (from === to) return `${field.sql} = ${this.bind(BigInt(from))}`;
        return `${field.sql} BETWEEN ${this.bind(BigInt(from))} AND ${this.bind(BigInt(to))}`;
      }
      case 'text':
        return `${field.sql} = ${this.bind(value)}`;
    }
  }

  private wildcard(field: DuckDbField, node: WildcardNode): string {
    const isMessage = field.kind === 'message';
    const { pattern, escaped } = likePattern(node.parts, { contains: isMessage, lowercase: field.kind === 'level' });
    const escape = escaped ? ` ESCAPE '\\'` : '';
    return `${field.sql} ${isMessage ? 'ILIKE' : 'LIKE'} ${this.bind(pattern)}${escape}`;
  }

  private compare(node: CompareNode): string {
    const bound = { value: node.value, inclusive: node.op.endsWith('=') };
    const lower = node.op.startsWith('>') ? bound : undefined;
    const upper = node.op.startsWith('<') ? bound : undefined;
    return this.bounds(this.field(node.field), lower, upper);
  }

  private range(node: RangeNode): string {
    const lower = node.lower === null ? undefined : { value: node.lower, inclusive: node.includeLower };
    const upper = node.upper === null ? undefined : { value: node.upper, inclusive: node.includeUpper };
    return this.bounds(this.field(node.field), lower, upper);
  }

  /** Numeric when every bound is a number, time when every bound is a date, else string order. */
  private bounds(field: DuckDbField, lower: Bound | undefined, upper: Bound | undefined): string {
    const values = [lower, upper].filter((b) => b !== undefined).map((b) => b.value);
    if (field.kind === 'time') return this.timeBounds(field.sql, lower, upper);
    if (field.kind === 'level' && values.every((v) => levelRank(v) !== undefined)) {
      return this.levelBounds(field.sql, lower, upper);
    }
    if (values.every((v) => NUMBER.test(v))) {
      const number = field.kind === 'text' && field.number ? field.number : `TRY_CAST(${field.sql} AS DOUBLE)`;
      return this.comparisons(number, lower, upper, (b) => Number(b.value));
    }
    if (values.every(isTimeText)) return this.timeBounds(bodyTimeMs(field.sql), lower, upper);
    return this.comparisons(field.sql, lower, upper, (b) => b.value);
  }

  private timeBounds(sql: string, lower: Bound | undefined, upper: Bound | undefined): string {
    // Elasticsearch rounding: a date-only bound covers its whole day on the side that includes it.
    const ms = (bound: Bound, isLower: boolean): bigint =>
      BigInt(parseTimePoint(bound.value, { now: this.now, roundUp: isLower !== bound.inclusive }));
    return this.comparisons(sql, lower, upper, (bound) => ms(bound, bound === lower));
  }

  private levelBounds(sql: string, lower: Bound | undefined, upper: Bound | undefined): string {
    const min = lower ? levelRank(lower.value)! + (lower.inclusive ? 0 : 1) : 0;
    const max = upper ? levelRank(upper.value)! - (upper.inclusive ? 0 : 1) : LEVEL_ORDER.length - 1;
    const levels = LEVEL_ORDER.slice(min, max + 1);
    if (levels.length === 0) return 'FALSE';
    return `${sql} IN (${levels.map((level) => this.bind(level)).join(', ')})`;
  }

  private comparisons(
    sql: string,
    lower: Bound | undefined,
    upper: Bound | undefined,
    value: (bound: Bound) => unknown,
  ): string {
    const parts: string[] = [];
    if (lower) parts.push(`${sql} ${lower.inclusive ? '>=' : '>'} ${this.bind(value(lower))}`);
    if (upper) parts.push(`${sql} ${upper.inclusive ? '<=' : '<'} ${this.bind(value(upper))}`);
    return parts.length === 0 ? `${sql} IS NOT NULL` : parts.join(' AND ');
  }
}

/** An ISO date or a now-relative time (now-1h, now/d) used as a bound on a body field. */
function isTimeText(value: string): boolean {
  return parseIsoDate(value) !== undefined || /^now(?![a-z])/i.test(value.trim());
}

/**
 * A body value as epoch ms: an ISO string (with its zone; zone-less means UTC whatever the session
 * TimeZone), or an epoch number told apart by size like at ingest (s, ms, µs, ns). NULL otherwise.
 */
function bodyTimeMs(text: string): string {
  const hasZone = `regexp_matches(${text}, '[Tt ]\\d.*([Zz]|[+-]\\d\\d(:?\\d\\d)?)$')`;
  const iso = `CASE WHEN ${hasZone} THEN epoch_ms(TRY_CAST(${text} AS TIMESTAMPTZ)) ELSE epoch_ms(TRY_CAST(${text} AS TIMESTAMP)) END`;
  const n = `TRY_CAST(${text} AS DOUBLE)`;
  const scale = `CASE WHEN ${n} < 1e11 THEN 1000 WHEN ${n} < 1e14 THEN 1 WHEN ${n} < 1e17 THEN 1e-3 ELSE 1e-6 END`;
  return `coalesce(CAST(${iso} AS DOUBLE), ${n} * ${scale})`;
}
