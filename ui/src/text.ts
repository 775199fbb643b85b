// How record content is shown: always as text (never markup), control characters made visible so
// an ANSI escape cannot restyle a terminal a value is copied to, and values quoted for the query language.
import { formatQuery } from '../../src/query/format-query.ts';
import { splitFieldPath, valueAt } from '../../src/record/field-path.ts';

/** ESC and the other C0/C1 controls as visible symbols; tabs and newlines kept. */
export function visible(text: string): string {
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, (ch) => {
    const code = ch.charCodeAt(0);
    return code < 0x20 ? String.fromCharCode(0x2400 + code) : code === 0x7f ? '\u2421' : `\\x${code.toString(16)}`;
  });
}

export function valueText(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return value;
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** `field:"value"` (or `NOT field:"value"`), written by the query language's own formatter. */
export function termFor(field: string, value: string, negate = false): string {
  const term = { type: 'term', field, value, quoted: true } as const;
  return formatQuery(negate ? { type: 'not', child: term } : term);
}

/** Adds a term to a query, as an AND of the two. */
export function addTerm(query: string, term: string): string {
  const trimmed = query.trim();
  if (!trimmed) return term;
  return /\bOR\b/.test(trimmed) ? `(${trimmed}) ${term}` : `${trimmed} ${term}`;
}

export function formatTs(iso: string): string {
  return iso.replace('T', ' ').replace('Z', '');
}

/** Every leaf of a record with its dotted path, objects walked, arrays kept whole. */
export function fieldEntries(record: unknown, prefix = '', into: Array<[string, unknown]> = []): Array<[string, unknown]> {
  if (record === null || typeof record !== 'object' || Array.isArray(record)) return into;
  for (const [key, value] of Object.entries(record)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) fieldEntries(value, path, into);
    else into.push([path, value]);
  }
  return into;
}

export function fieldPaths(record: unknown): string[] {
  return fieldEntries(record).map(([path]) => path);
}

export function valueAtPath(record: unknown, path: string): unknown {
  const segments = splitFieldPath(path);
  return segments ? valueAt(record, segments) : undefined;
}

const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'];
/** A level's class for its colour (aliases such as ERR or warning to their level). */
export function levelClass(level: unknown): string {
  const text = String(level ?? '').toLowerCase();
  const known = LEVELS.find((name) => text.startsWith(name.slice(0, 3)));
  return known ? `level-${known}` : 'level-other';
}
