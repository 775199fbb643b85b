// Character-level scanning for the query parser: words (with escapes and wildcards),
// quoted strings and /regular expressions/. Every failure is a QuerySyntaxError with a position.

import type { WildcardPart } from './ast.ts';
import { QuerySyntaxError } from './query-syntax-error.ts';

export interface ScannedWord {
  /** The word with escapes removed. */
  text: string;
  /** Literal text and unescaped `*` / `?` wildcards, in order. */
  parts: WildcardPart[];
  hasWildcard: boolean;
  start: number;
}

export type WordMode = 'term' | 'value' | 'rangeBound';

const WHITESPACE = /\s/;

export class Scanner {
  readonly text: string;
  pos = 0;

  constructor(text: string) {
    this.text = text;
  }

  get char(): string | undefined {
    return this.text[this.pos];
  }

  atEnd(): boolean {
    return this.pos >= this.text.length;
  }

  startsWith(token: string): boolean {
    return this.text.startsWith(token, this.pos);
  }

  isSpaceAt(index: number): boolean {
    const c = this.text[index];
    return c !== undefined && WHITESPACE.test(c);
  }

  skipSpace(): void {
    while (this.isSpaceAt(this.pos)) this.pos++;
  }

  fail(problem: string, position: number): never {
    throw new QuerySyntaxError(`${problem} at position ${position}`, position);
  }

  /**
   * Scans an unquoted word. It ends at whitespace, '(', ')', '"'; in 'term' mode also at an
   * unescaped ':' (a field name precedes it); in 'rangeBound' mode also at ']' and '}'.
   */
  scanWord(mode: WordMode): ScannedWord {
    const start = this.pos;
    const parts: WildcardPart[] = [];
    let literal = '';
    let text = '';
    let hasWildcard = false;
    const flushLiteral = (): void => {
      if (literal !== '') parts.push({ kind: 'text', text: literal });
      literal = '';
    };
    while (!this.atEnd() && !this.endsWord(mode)) {
      const c = this.char!;
      if (c === '\\') {
        const escaped = this.text[this.pos + 1];
        if (escaped === undefined) this.fail("nothing to escape after '\\'", this.pos);
        literal += escaped;
        text += escaped;
        this.pos += 2;
        continue;
      }
      if (c === '*' || c === '?') {
        flushLiteral();
        parts.push({ kind: c === '*' ? 'anyChars' : 'oneChar' });
        hasWildcard = true;
      } else {
        literal += c;
      }
      text += c;
      this.pos++;
    }
    flushLiteral();
    return { text, parts, hasWildcard, start };
  }

  private endsWord(mode: WordMode): boolean {
    const c = this.char!;
    if (WHITESPACE.test(c) || c === '(' || c === ')' || c === '"') return true;
    if (mode === 'term' && c === ':') return true;
    if (mode === 'rangeBound' && (c === ']' || c === '}')) return true;
    return false;
  }

  /** Scans "a quoted string" starting at the opening quote; `\"` and `\\` (any `\x`) are escapes. */
  scanQuoted(): string {
    const start = this.pos;
    this.pos++;
    let value = '';
    while (!this.atEnd()) {
      const c = this.char!;
      if (c === '"') {
        this.pos++;
        return value;
      }
      if (c === '\\' && this.pos + 1 < this.text.length) {
        value += this.text[this.pos + 1];
        this.pos += 2;
        continue;
      }
      value += c;
      this.pos++;
    }
    return this.fail(`unterminated quoted string: no closing '"' for the '"'`, start);
  }

  /** Scans /pattern/ starting at the opening slash; `\/` is a literal slash, other escapes are kept for the regex. */
  scanRegex(): string {
    const start = this.pos;
    this.pos++;
    let pattern = '';
    while (!this.atEnd()) {
      const c = this.char!;
      if (c === '/') {
        this.pos++;
        this.checkRegex(pattern, start);
        return pattern;
      }
      if (c === '\\' && this.pos + 1 < this.text.length) {
        const next = this.text[this.pos + 1]!;
        pattern += next === '/' ? '/' : c + next;
        this.pos += 2;
        continue;
      }
      pattern += c;
      this.pos++;
    }
    return this.fail("unterminated regular expression: no closing '/' for the '/'", start);
  }

  private checkRegex(pattern: string, start: number): void {
    if (pattern === '') this.fail('empty regular expression', start);
    try {
      new RegExp(pattern);
    } catch (error) {
      this.fail(`invalid regular expression /${pattern}/ (${(error as Error).message})`, start);
    }
    const unsupported = /\(\?<?[=!]|\\[1-9]/.exec(pattern);
    if (unsupported) {
      this.fail(`unsupported regular expression feature '${unsupported[0]}' (no lookaround or backreferences)`, start);
    }
  }
}
