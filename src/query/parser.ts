// Recursive-descent parser: query text → QueryNode. Precedence NOT > AND > OR; adjacent terms are ANDed.
//
//   or      := and (('OR' | '||') and)*
//   and     := unary ((('AND' | '&&') unary) | unary)*
//   unary   := ('NOT' | '!' | '-') unary | primary
//   primary := '(' or ')' | clause
//   clause  := field ':' value | value           (a value without a field searches the message)
//   value   := word | "phrase" | /regex/ | ('>' | '>=' | '<' | '<=') bound | range | '(' or ')'

import type { CompareOp, QueryNode, RangeNode } from './ast.ts';
import { EXISTS_FIELD, isTimeField } from './fields.ts';
import { splitFieldPath } from '../record/field-path.ts';
import type { ScannedWord } from './scanner.ts';
import { Scanner } from './scanner.ts';
import { tryParseTimePoint } from './time-point.ts';

/** Parses query text into an AST. Empty or whitespace-only text matches everything. Throws QuerySyntaxError. */
export function parseQuery(text: string): QueryNode {
  return new QueryParser(text).parseAll();
}

type OperatorKind = 'and' | 'or' | 'not';

interface Operator {
  kind: OperatorKind;
  token: string;
}

/** A field name and where it was written, for error positions. */
interface FieldContext {
  name: string;
}

const KEYWORDS: Array<[string, OperatorKind]> = [
  ['AND', 'and'],
  ['OR', 'or'],
  ['NOT', 'not'],
  ['&&', 'and'],
  ['||', 'or'],
];

class QueryParser {
  private readonly s: Scanner;

  constructor(text: string) {
    this.s = new Scanner(text);
  }

  parseAll(): QueryNode {
    this.s.skipSpace();
    if (this.s.atEnd()) return { type: 'all' };
    const node = this.parseOr(null);
    this.s.skipSpace();
    if (!this.s.atEnd()) this.s.fail("unexpected ')' with no matching '('", this.s.pos);
    return node;
  }

  private parseOr(field: FieldContext | null): QueryNode {
    const children = [this.parseAnd(field)];
    for (;;) {
      this.s.skipSpace();
      const op = this.operatorHere();
      if (op?.kind !== 'or') break;
      this.s.pos += op.token.length;
      this.requireTermAfter(op.token);
      children.push(this.parseAnd(field));
    }
    return combine('or', children);
  }

  private parseAnd(field: FieldContext | null): QueryNode {
    const children = [this.parseUnary(field)];
    for (;;) {
      this.s.skipSpace();
      if (this.s.atEnd() || this.s.char === ')') break;
      const op = this.operatorHere();
      if (op?.kind === 'or') break;
      if (op?.kind === 'and') {
        this.s.pos += op.token.length;
        this.requireTermAfter(op.token);
      }
      children.push(this.parseUnary(field));
    }
    return combine('and', children);
  }

  private parseUnary(field: FieldContext | null): QueryNode {
    this.s.skipSpace();
    const op = this.operatorHere();
    if (op?.kind === 'not' || this.s.char === '!') {
      const token = op?.token ?? '!';
      this.s.pos += token.length;
      this.requireTermAfter(token);
      return { type: 'not', child: this.parseUnary(field) };
    }
    if (op) this.s.fail(`unexpected '${op.token}': expected a term before it`, this.s.pos);
    if (this.s.char === '-') {
      if (this.s.isSpaceAt(this.s.pos + 1) || this.s.pos + 1 >= this.s.text.length) {
        this.s.fail("expected a term right after '-'", this.s.pos + 1);
      }
      this.s.pos++;
      return { type: 'not', child: this.parseUnary(field) };
    }
    return this.parsePrimary(field);
  }

  private parsePrimary(field: FieldContext | null): QueryNode {
    if (this.s.char === ')') this.s.fail("unexpected ')' with no matching '('", this.s.pos);
    if (this.s.char === '(') return this.parseGroup(field);
    return this.parseClause(field);
  }

  private parseGroup(field: FieldContext | null): QueryNode {
    const open = this.s.pos;
    this.s.pos++;
    this.s.skipSpace();
    if (this.s.char === ')') this.s.fail("empty parentheses: expected a term after '('", this.s.pos);
    if (this.s.atEnd()) this.s.fail("expected a term after '('", this.s.pos);
    const inner = this.parseOr(field);
    this.s.skipSpace();
    if (this.s.char !== ')') this.s.fail("missing ')' for this '('", open);
    this.s.pos++;
    return inner;
  }

  /** `field:value` or a bare value (searched in `field`, or the message when field is null). */
  private parseClause(field: FieldContext | null): QueryNode {
    const c = this.s.char;
    if (c === '"' || c === '/' || c === '>' || c === '<' || c === '[' || c === '{') return this.parseValue(field);
    const word = this.s.scanWord('term');
    if (this.s.char !== ':') return this.valueNode(field, word);
    const name = this.checkFieldName(word);
    const colon = this.s.pos;
    this.s.pos++;
    this.s.skipSpace();
    const op = this.operatorHere();
    if (this.s.atEnd() || this.s.text[this.s.pos] === ')' || (op && op.kind !== 'not')) {
      this.s.fail(`expected a value after '${this.s.text.slice(word.start, colon + 1)}'`, this.s.pos);
    }
    return this.parseValue({ name });
  }

  private parseValue(field: FieldContext | null): QueryNode {
    const start = this.s.pos;
    const c = this.s.char;
    if (c === '(' && field) return this.parseGroup(field);
    if (c === '"') {
      const value = this.s.scanQuoted();
      return this.termNode(field, value, true, start);
    }
    if (c === '/') {
      if (field?.name === EXISTS_FIELD) this.s.fail(`${EXISTS_FIELD} takes a field name, not a regular expression`, start);
      if (field && isTimeField(field.name)) this.s.fail(`'${field.name}' is a time field: regular expressions do not apply`, start);
      return { type: 'regex', field: field?.name ?? null, pattern: this.s.scanRegex() };
    }
    if (c === '>' || c === '<') return this.parseComparison(this.requireField(field, 'a comparison'));
    if (c === '[' || c === '{') return this.parseRange(this.requireField(field, 'a range'));
    return this.valueNode(field, this.s.scanWord('value'));
  }

  private parseComparison(field: FieldContext): QueryNode {
    const opStart = this.s.pos;
    const op: CompareOp = this.s.startsWith('>=') ? '>=' : this.s.startsWith('<=') ? '<=' : (this.s.char as '>' | '<');
    this.s.pos += op.length;
    this.s.skipSpace();
    const valueStart = this.s.pos;
    const value = this.scanBound('value');
    if (value === undefined) {
      this.s.fail(`expected a value after '${field.name}:${op}'`, this.s.pos);
    }
    if (value === null) this.s.fail(`'${op}*' is not a comparison: use ${field.name}:* to test that the field exists`, opStart);
    this.checkTimeValue(field, value, valueStart);
    return { type: 'compare', field: field.name, op, value };
  }

  private parseRange(field: FieldContext): QueryNode {
    const open = this.s.pos;
    const includeLower = this.s.char === '[';
    this.s.pos++;
    this.s.skipSpace();
    const lowerStart = this.s.pos;
    if (/^TO\s/i.test(this.s.text.slice(this.s.pos, this.s.pos + 3))) this.s.fail('expected a lower bound before \'TO\' in the range', this.s.pos);
    const lower = this.scanBound('rangeBound');
    if (lower === undefined) this.s.fail('expected a lower bound in the range', this.s.pos);
    this.s.skipSpace();
    if (!/^TO(\s|$)/i.test(this.s.text.slice(this.s.pos, this.s.pos + 3))) {
      this.s.fail("expected 'TO' between the bounds of the range", this.s.pos);
    }
    this.s.pos += 2;
    this.s.skipSpace();
    const upperStart = this.s.pos;
    const upper = this.scanBound('rangeBound');
    if (upper === undefined) this.s.fail('expected an upper bound in the range', this.s.pos);
    this.s.skipSpace();
    const close = this.s.char;
    if (close !== ']' && close !== '}') {
      this.s.fail(`expected ']' or '}' to close the range opened with '${this.s.text[open]}'`, this.s.pos);
    }
    this.s.pos++;
    if (lower !== null) this.checkTimeValue(field, lower, lowerStart);
    if (upper !== null) this.checkTimeValue(field, upper, upperStart);
    if (lower === null && upper === null) return { type: 'exists', field: field.name };
    const range: RangeNode = { type: 'range', field: field.name, lower, upper, includeLower, includeUpper: close === ']' };
    return range;
  }

  /** A comparison or range bound: a quoted string, a word, or null for an unquoted `*`; undefined if missing. */
  private scanBound(mode: 'value' | 'rangeBound'): string | null | undefined {
    if (this.s.char === '"') return this.s.scanQuoted();
    const word = this.s.scanWord(mode);
    if (word.text === '' && !word.hasWildcard) return undefined;
    if (word.text === '*' && word.hasWildcard) return null;
    return word.text;
  }

  private valueNode(field: FieldContext | null, word: ScannedWord): QueryNode {
    if (word.hasWildcard) {
      if (field?.name === EXISTS_FIELD) this.s.fail(`${EXISTS_FIELD} takes a field name without wildcards`, word.start);
      if (word.text === '*' && word.parts.length === 1) return field ? { type: 'exists', field: field.name } : { type: 'all' };
      if (field && isTimeField(field.name)) this.s.fail(`'${field.name}' is a time field: wildcards do not apply`, word.start);
      return { type: 'wildcard', field: field?.name ?? null, parts: word.parts };
    }
    return this.termNode(field, word.text, false, word.start);
  }

  private termNode(field: FieldContext | null, value: string, quoted: boolean, start: number): QueryNode {
    if (field?.name === EXISTS_FIELD) {
      if (!splitFieldPath(value)) this.s.fail(`invalid field name '${value}' after ${EXISTS_FIELD}:`, start);
      return { type: 'exists', field: value };
    }
    if (field) this.checkTimeValue(field, value, start);
    return { type: 'term', field: field?.name ?? null, value, quoted };
  }

  private checkFieldName(word: ScannedWord): string {
    if (word.text === '') this.s.fail("expected a field name before ':'", this.s.pos);
    if (word.hasWildcard) this.s.fail(`wildcards are not supported in field names ('${word.text}')`, word.start);
    if (!splitFieldPath(word.text)) this.s.fail(`invalid field name '${word.text}': empty path segment`, word.start);
    return word.text;
  }

  private checkTimeValue(field: FieldContext, value: string, start: number): void {
    if (isTimeField(field.name) && tryParseTimePoint(value, { now: 0 }) === undefined) {
      this.s.fail(
        `'${value}' is not a time for '${field.name}' (use ISO 8601, epoch seconds/ms, or now-15m)`,
        start,
      );
    }
  }

  private requireField(field: FieldContext | null, what: string): FieldContext {
    if (field && field.name !== EXISTS_FIELD) return field;
    return this.s.fail(`${what} needs a field, e.g. latency_ms:>100 or latency_ms:[100 TO 500]`, this.s.pos);
  }

  private requireTermAfter(token: string): void {
    this.s.skipSpace();
    const op = this.operatorHere();
    if (this.s.atEnd() || this.s.char === ')' || (op && op.kind !== 'not')) {
      this.s.fail(`expected a term after '${token}'`, this.s.pos);
    }
  }

  /** AND / OR / NOT / && / || at the current position, when followed by a word boundary. */
  private operatorHere(): Operator | undefined {
    for (const [token, kind] of KEYWORDS) {
      if (!this.s.startsWith(token)) continue;
      const after = this.s.pos + token.length;
      const next = this.s.text[after];
      const symbolic = token === '&&' || token === '||';
      if (symbolic || next === undefined || this.s.isSpaceAt(after) || next === '(' || next === ')' || next === '"') {
        return { kind, token };
      }
    }
    return undefined;
  }
}

function combine(type: 'and' | 'or', children: QueryNode[]): QueryNode {
  if (children.length === 1) return children[0]!;
  const flat = children.flatMap((child) => (child.type === type ? child.children : [child]));
  return { type, children: flat };
}
