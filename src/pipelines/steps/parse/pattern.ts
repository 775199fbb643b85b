// Text line patterns, grok-like: `%{date:timestamp} %{word:customer_id} %{int:status}`. A pattern
// is literal text and fields `%{type:name}` (`%{type}` matches without keeping) of a fixed set of
// types; the user writes no regex. Compiled once to one anchored regex in which every field is
// atomic (`(?=(x))\1`): a field takes the longest text its type allows and never gives it back, so
// matching is linear in the line however hostile it is, and the same walk done element by element
// names where a line that does not match fails. A run of spaces in the pattern matches one or
// more spaces or tabs; spaces and tabs (and a CR) around the line are ignored.
import { isIP } from 'node:net';
import { splitFieldPath } from '../../../record/field-path.ts';
import { parseIsoDate } from '../../../record/iso-date.ts';

type Converted = { value: unknown } | { error: string };

interface FieldType {
  /** Without capturing groups: it is wrapped in one. */
  regex: string;
  what: string;
  convert?(text: string): Converted;
}

export const FIELD_TYPES: Record<string, FieldType> = {
  word: { regex: '[\\p{L}\\p{N}_]+', what: 'a word (letters, digits, _)' },
  notspace: { regex: '\\S+', what: 'text without spaces' },
  int: {
    regex: '[+-]?\\d+',
    what: 'an integer',
    convert: (text) => {
      const value = Number(text);
      return Number.isSafeInteger(value) ? { value } : { error: `'${text}' is beyond the integers a number holds exactly` };
    },
  },
  float: {
    regex: '[+-]?(?:\\d+(?:\\.\\d*)?|\\.\\d+)(?:[eE][+-]?\\d+)?',
    what: 'a number',
    convert: (text) => {
      const value = Number(text);
      return Number.isFinite(value) ? { value } : { error: `'${text}' is not a finite number` };
    },
  },
  // Kept as written: a time without a zone is then read in the stream's zone (UTC unless
  // configured) by the one reading of event time, src/record/time.ts. Checked here to be a real
  // date and time, strictly (the free-form fallback there would take 2024-02-30 as March 1st).
  date: {
    regex: '\\d{4}-\\d{2}-\\d{2}[T ]\\d{2}:\\d{2}:\\d{2}(?:[.,]\\d{1,9})?(?:Z|[+-]\\d{2}(?::?\\d{2})?)?',
    what: 'a date and time YYYY-MM-DD HH:MM:SS',
    convert: (text) => (isDateTime(text) ? { value: text } : { error: `'${text}' is not a valid date and time` }),
  },
  path: { regex: '/\\S*', what: 'a path starting with /' },
  ip: {
    regex: '\\d{1,3}(?:\\.\\d{1,3}){3}|[0-9A-Fa-f]*:[0-9A-Fa-f:.]*',
    what: 'an IPv4 or IPv6 address',
    convert: (text) => (isIP(text) === 0 ? { error: `'${text}' is not an IP address` } : { value: text }),
  },
  rest: { regex: '[\\s\\S]*', what: 'the rest of the line' },
};

const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** `YYYY-MM-DD HH:MM:SS` (the shape the regex matched) checked by hand: parseIsoDate is ~10x slower. */
function isDateTime(text: string): boolean {
  if (text.length !== 19) return parseIsoDate(text) !== undefined;
  const d = (i: number): number => text.charCodeAt(i) - 48;
  const year = d(0) * 1000 + d(1) * 100 + d(2) * 10 + d(3);
  const month = d(5) * 10 + d(6);
  const day = d(8) * 10 + d(9);
  if (month < 1 || month > 12 || day < 1) return false;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  if (day > (month === 2 && leap ? 29 : DAYS[month - 1]!)) return false;
  return d(11) * 10 + d(12) <= 23 && d(14) * 10 + d(15) <= 59 && d(17) * 10 + d(18) <= 59;
}

type Element =
  | { kind: 'space' }
  | { kind: 'text'; text: string }
  | { kind: 'field'; type: string; path?: string[]; source: string };

export type LineMatch = { values: unknown[] } | { reason: string };

export interface LinePattern {
  /** The paths of the kept fields, in pattern order; a match's values line up with them. */
  fields: string[][];
  match(line: string): LineMatch;
}

const FIELD = /%\{([^}]*)\}/g;
const NAME = /^[\p{L}_@$][\p{L}\p{N}_@$-]*$/u;
const escapeRegex = (text: string): string => text.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&');
const SPACE = '[ \\t]+';

function tokenize(pattern: string): Element[] {
  const elements: Element[] = [];
  const addText = (text: string): void => {
    for (const part of text.split(/([ \t]+)/)) {
      if (part === '') continue;
      elements.push(/^[ \t]+$/.test(part) ? { kind: 'space' } : { kind: 'text', text: part });
    }
  };
  let last = 0;
  for (const m of pattern.matchAll(FIELD)) {
    addText(pattern.slice(last, m.index));
    elements.push(parseField(m[0], m[1]!));
    last = m.index + m[0].length;
  }
  addText(pattern.slice(last));
  if (pattern.slice(last).includes('%{')) throw new Error(`pattern: '%{' at ${pattern.lastIndexOf('%{') + 1} is not closed by '}'`);
  return elements;
}

function parseField(source: string, inner: string): Element {
  const [type = '', name, ...extra] = inner.split(':');
  if (!Object.hasOwn(FIELD_TYPES, type)) {
    throw new Error(`pattern: ${source} has an unknown type '${type}': use one of ${Object.keys(FIELD_TYPES).join(', ')}`);
  }
  if (extra.length > 0) throw new Error(`pattern: ${source} has more than a type and a name`);
  if (name === undefined) return { kind: 'field', type, source };
  const path = splitFieldPath(name);
  if (!path || !path.every((segment) => NAME.test(segment) && segment !== '__proto__')) {
    throw new Error(`pattern: ${source} has a bad field name '${name}' (letters, digits, _ @ $ -, dotted for nested fields)`);
  }
  return { kind: 'field', type, path, source };
}

function check(elements: Element[], pattern: string): void {
  const names = new Set<string>();
  elements.forEach((element, i) => {
    if (element.kind !== 'field') return;
    const next = elements[i + 1];
    if (next?.kind === 'field') throw new Error(`pattern: ${element.source}${next.source} needs text or a space between the two fields`);
    if (element.type === 'rest' && next !== undefined) throw new Error(`pattern: ${element.source} must be the last thing in the pattern`);
    if (element.path) {
      const name = element.path.join('.');
      if (names.has(name)) throw new Error(`pattern: field '${name}' appears twice`);
      names.add(name);
    }
  });
  if (names.size === 0) throw new Error(`pattern '${pattern}' names no field: write fields as %{type:name}`);
}

const describe = (element: Element): string =>
  element.kind === 'space' ? 'a space' : element.kind === 'text' ? `'${element.text}'` : `${element.source} (${FIELD_TYPES[element.type]!.what})`;

function snippet(line: string, at: number): string {
  if (at >= line.length) return 'the end of the line';
  const text = line.slice(at, at + 32);
  return `'${text}${at + 32 < line.length ? '…' : ''}'`;
}

export function compilePattern(pattern: string): LinePattern {
  const elements = tokenize(pattern.trim());
  check(elements, pattern);

  let group = 0;
  const sources: string[] = [];
  const groups: number[] = []; // the group of each kept field
  const fields: string[][] = [];
  const converters: (FieldType['convert'])[] = [];
  const steps: RegExp[] = []; // one sticky regex per element, for the reason a line fails
  for (const element of elements) {
    const regex = element.kind === 'space' ? SPACE : element.kind === 'text' ? escapeRegex(element.text) : FIELD_TYPES[element.type]!.regex;
    steps.push(new RegExp(`(?:${regex})`, 'uy'));
    if (element.kind === 'text') {
      sources.push(regex);
      continue;
    }
    group++;
    sources.push(`(?=(${regex}))\\${group}`);
    if (element.kind === 'field' && element.path) {
      groups.push(group);
      fields.push(element.path);
      converters.push(FIELD_TYPES[element.type]!.convert);
    }
  }
  const whole = new RegExp(`^[ \\t]*${sources.join('')}[ \\t\\r]*$`, 'u');
  const lead = /[ \t]*/y;
  const tail = /[ \t\r]*$/y;

  function whereItFails(line: string): string {
    lead.lastIndex = 0;
    lead.exec(line);
    let at = lead.lastIndex;
    for (let i = 0; i < elements.length; i++) {
      const step = steps[i]!;
      step.lastIndex = at;
      if (!step.exec(line)) return `line does not match the pattern at character ${at + 1}: expected ${describe(elements[i]!)}, found ${snippet(line, at)}`;
      at = step.lastIndex;
    }
    tail.lastIndex = at;
    if (!tail.test(line)) return `line has more text than the pattern at character ${at + 1}: ${snippet(line, at)}`;
    return `line does not match the pattern '${pattern}'`;
  }

  return {
    fields,
    match(line) {
      const m = whole.exec(line);
      if (!m) return { reason: whereItFails(line) };
      const values = new Array<unknown>(groups.length);
      for (let i = 0; i < groups.length; i++) {
        const text = m[groups[i]!]!;
        const convert = converters[i];
        if (!convert) {
          values[i] = text;
          continue;
        }
        const converted = convert(text);
        if ('error' in converted) return { reason: `field '${fields[i]!.join('.')}': ${converted.error}` };
        values[i] = converted.value;
      }
      return { values };
    },
  };
}
