// The query language's regular expressions (RE2: unanchored, `.` not matching a newline, ^ $ \A \z
// anchors, \d \w \s) → Lucene's RegExp, which OpenSearch's regexp query takes: always anchored to
// the whole value, `.` matching anything, no anchors, its own reserved characters. The pattern is
// parsed and written out again, so nothing passes through uninterpreted; what Lucene cannot say
// (an anchor inside a group, \b, Unicode classes) is refused with a message instead of matching
// something else.
import { StoreQueryError } from '../store.ts';

export interface LuceneRegex {
  pattern: string;
  caseInsensitive: boolean;
}

type Item =
  | { kind: 'text'; lucene: string }
  | { kind: 'start' }
  | { kind: 'end' }
  | { kind: 'group'; branches: Item[][] }
  | { kind: 'repeat'; item: Item; quantifier: string };

const NEWLINE_CLASS = '[^\\\n]';
const SHORTHAND: Record<string, string> = { d: '0-9', w: '0-9A-Za-z_', s: '\\\t\\\n\\\f\\\r\\ ' };
const CONTROL: Record<string, string> = { n: '\n', t: '\t', r: '\r', f: '\f', v: '\v', a: '\x07' };

function refuse(pattern: string, what: string): never {
  throw new StoreQueryError(`regex /${pattern}/: ${what} is not supported by the OpenSearch store; rewrite the pattern without it`);
}

/** One character as a Lucene literal: letters and digits as they are, anything else escaped. */
function literal(char: string): string {
  return /[\p{L}\p{N}]/u.test(char) ? char : `\\${char}`;
}

class Re2Parser {
  private i = 0;
  private readonly chars: string[];
  caseInsensitive = false;

  private readonly pattern: string;

  constructor(pattern: string) {
    this.pattern = pattern;
    this.chars = [...pattern];
  }

  parse(): Item[][] {
    if (this.chars.slice(0, 4).join('') === '(?i)') {
      this.caseInsensitive = true;
      this.i = 4;
    }
    const branches = this.alternation();
    if (this.i < this.chars.length) refuse(this.pattern, `an unmatched ')'`);
    return branches;
  }

  private peek(): string | undefined {
    return this.chars[this.i];
  }

  private alternation(): Item[][] {
    const branches: Item[][] = [this.sequence()];
    while (this.peek() === '|') {
      this.i++;
      branches.push(this.sequence());
    }
    return branches;
  }

  private sequence(): Item[] {
    const items: Item[] = [];
    while (this.i < this.chars.length && this.peek() !== '|' && this.peek() !== ')') {
      const atom = this.atom();
      items.push(this.quantified(atom));
    }
    return items;
  }

  private quantified(atom: Item): Item {
    let item = atom;
    for (;;) {
      const char = this.peek();
      let quantifier: string | undefined;
      if (char === '*' || char === '+' || char === '?') {
        this.i++;
        quantifier = char;
      } else if (char === '{') {
        const match = /^\{(\d+)(,(\d*))?\}/.exec(this.chars.slice(this.i).join(''));
        if (!match) break;
        this.i += [...match[0]].length;
        quantifier = match[0];
      } else {
        break;
      }
      if (this.peek() === '?') this.i++; // lazy or greedy match the same values
      if (item.kind === 'start' || item.kind === 'end') refuse(this.pattern, 'a repeated anchor');
      item = { kind: 'repeat', item, quantifier };
    }
    return item;
  }

  private atom(): Item {
    const char = this.chars[this.i++]!;
    switch (char) {
      case '^':
        return { kind: 'start' };
      case '$':
        return { kind: 'end' };
      case '.':
        return { kind: 'text', lucene: NEWLINE_CLASS };
      case '(':
        return this.group();
      case '[':
        return { kind: 'text', lucene: this.charClass() };
      case '\\':
        return this.escape();
      case '*':
      case '+':
      case '?':
        return refuse(this.pattern, `a '${char}' with nothing to repeat`);
      default:
        return { kind: 'text', lucene: literal(char) };
    }
  }

  private group(): Item {
    if (this.peek() === '?') {
      const rest = this.chars.slice(this.i, this.i + 2).join('');
      if (rest === '?:') this.i += 2;
      else if (rest === '?P' || rest === '?<') {
        const close = this.chars.indexOf('>', this.i);
        if (close < 0) refuse(this.pattern, 'an unfinished group name');
        this.i = close + 1;
      } else refuse(this.pattern, 'a flag group other than a leading (?i)');
    }
    const branches = this.alternation();
    if (this.chars[this.i++] !== ')') refuse(this.pattern, "a missing ')'");
    return { kind: 'group', branches };
  }

  private escape(): Item {
    const char = this.chars[this.i++];
    if (char === undefined) refuse(this.pattern, 'a trailing backslash');
    if (char === 'A') return { kind: 'start' };
    if (char === 'z') return { kind: 'end' };
    const lower = char.toLowerCase();
    if (SHORTHAND[lower]) return { kind: 'text', lucene: `[${char === lower ? '' : '^'}${SHORTHAND[lower]}]` };
    if (CONTROL[char]) return { kind: 'text', lucene: literal(CONTROL[char]) };
    if (char === 'x') return { kind: 'text', lucene: literal(this.hexChar()) };
    if (/[\p{L}\p{N}]/u.test(char)) refuse(this.pattern, `the escape \\${char}`);
    return { kind: 'text', lucene: literal(char) };
  }

  private hexChar(): string {
    const rest = this.chars.slice(this.i).join('');
    const match = /^\{([0-9a-fA-F]{1,6})\}/.exec(rest) ?? /^([0-9a-fA-F]{2})/.exec(rest);
    if (!match) refuse(this.pattern, 'a \\x escape without hex digits');
    this.i += match[0].length;
    return String.fromCodePoint(parseInt(match[1]!, 16));
  }

  /** `[...]` after its `[`: a Lucene class with every member escaped. */
  private charClass(): string {
    let negated = false;
    if (this.peek() === '^') {
      negated = true;
      this.i++;
    }
    let members = '';
    let first = true;
    while (this.i < this.chars.length && (this.peek() !== ']' || first)) {
      first = false;
      const start = this.classChar();
      if (start.shorthand) {
        members += start.text;
        continue;
      }
      if (this.peek() === '-' && this.chars[this.i + 1] !== undefined && this.chars[this.i + 1] !== ']') {
        this.i++;
        const end = this.classChar();
        if (end.shorthand) refuse(this.pattern, 'a range ending in a class');
        members += `${start.text}-${end.text}`;
      } else {
        members += start.text;
      }
    }
    if (this.chars[this.i++] !== ']') refuse(this.pattern, "a missing ']'");
    return `[${negated ? '^' : ''}${members}]`;
  }

  private classChar(): { text: string; shorthand: boolean } {
    const char = this.chars[this.i++]!;
    if (char === '[' && this.peek() === ':') refuse(this.pattern, 'a [:class:]');
    if (char !== '\\') return { text: literal(char), shorthand: false };
    const escaped = this.chars[this.i++];
    if (escaped === undefined) refuse(this.pattern, 'a trailing backslash');
    if (SHORTHAND[escaped]) return { text: SHORTHAND[escaped], shorthand: true };
    if (SHORTHAND[escaped.toLowerCase()]) refuse(this.pattern, `\\${escaped} inside [ ]`);
    if (CONTROL[escaped]) return { text: literal(CONTROL[escaped]), shorthand: false };
    if (escaped === 'x') return { text: literal(this.hexChar()), shorthand: false };
    if (/[\p{L}\p{N}]/u.test(escaped)) refuse(this.pattern, `the escape \\${escaped}`);
    return { text: literal(escaped), shorthand: false };
  }
}

function write(items: Item[], pattern: string): string {
  return items.map((item) => writeItem(item, pattern)).join('');
}

function writeItem(item: Item, pattern: string): string {
  switch (item.kind) {
    case 'text':
      return item.lucene;
    case 'start':
    case 'end':
      return refuse(pattern, 'an anchor inside the pattern (only at its start or end)');
    case 'group':
      return `(${item.branches.map((branch) => write(branch, pattern)).join('|')})`;
    case 'repeat':
      return `${writeItem(item.item, pattern)}${item.quantifier}`;
  }
}

/** A top-level branch as a whole-value match: `.*` where it is not anchored. */
function wholeValue(branch: Item[], pattern: string): string {
  let items = branch;
  let anchoredStart = false;
  let anchoredEnd = false;
  while (items[0]?.kind === 'start') {
    anchoredStart = true;
    items = items.slice(1);
  }
  while (items.at(-1)?.kind === 'end') {
    anchoredEnd = true;
    items = items.slice(0, -1);
  }
  return `${anchoredStart ? '' : '.*'}${write(items, pattern)}${anchoredEnd ? '' : '.*'}`;
}

/** The Lucene form of an RE2 pattern searched anywhere in a value (the query language's `/…/`). */
export function luceneRegex(pattern: string): LuceneRegex {
  const parser = new Re2Parser(pattern);
  const branches = parser.parse();
  const lucene = branches.map((branch) => wholeValue(branch, pattern));
  return { pattern: lucene.length === 1 ? lucene[0]! : lucene.map((branch) => `(${branch})`).join('|'), caseInsensitive: parser.caseInsensitive };
}
