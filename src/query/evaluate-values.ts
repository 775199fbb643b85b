// How a record's values look to the query evaluator (evaluate.ts), mirroring what the embedded
// store's compiler reads (src/stores/embedded/query-field.ts, compile-query.ts): a body field as
// json_extract_string gives it, as a number as TRY_CAST gives it, as a time as bodyTimeMs reads it.

import type { Level } from '../record/record.ts';
import { eventTime } from '../record/time.ts';
import { recordLevel } from '../record/level.ts';
import { recordMessage } from '../record/message.ts';
import { utcFromFields } from '../record/iso-date.ts';
import type { WildcardPart } from './ast.ts';

/** A record as the evaluator sees it. Absent `ts`, `level`, `message` are derived from the body as at ingest. */
export interface EvalRecord {
  body: Record<string, unknown>;
  /** Event time, ms; absent: the body's time field, else the field counts as missing. */
  ts?: number;
  level?: Level | null;
  message?: string | null;
  stream?: string;
  id?: string;
  ingestedAt?: number;
}

/** The record's derived fields, computed at most once per evaluation. */
export class RecordView {
  readonly record: EvalRecord;
  private derivedTs: number | null | undefined;
  private derivedLevel: string | null | undefined;
  private derivedMessage: string | null | undefined;

  constructor(record: EvalRecord) {
    this.record = record;
  }

  get ts(): number | null {
    if (this.record.ts !== undefined) return this.record.ts;
    if (this.derivedTs === undefined) this.derivedTs = eventTime(this.record.body);
    return this.derivedTs;
  }

  get level(): string | null {
    if (this.record.level !== undefined) return this.record.level;
    if (this.derivedLevel === undefined) this.derivedLevel = recordLevel(this.record.body);
    return this.derivedLevel;
  }

  get message(): string | null {
    if (this.record.message !== undefined) return this.record.message;
    if (this.derivedMessage === undefined) this.derivedMessage = recordMessage(this.record.body);
    return this.derivedMessage;
  }
}

/** lower() as the store has it: simple case mapping per character (JavaScript maps İ to i̇ and a final Σ to ς). */
export function lowerText(text: string): string {
  return /[İΣ]/.test(text) ? text.replace(/[İΣ]/g, (c) => (c === 'İ' ? 'i' : 'σ')).toLowerCase() : text.toLowerCase();
}

/** A JSON value as text, as json_extract_string gives it: null when missing or JSON null, objects as compact JSON. */
export function valueText(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

const DIGITS = String.raw`\d(?:_?\d)*`;
/** What DuckDB's TRY_CAST(… AS DOUBLE) accepts: decimals with `_` between digits, inf, infinity, nan; surrounding space. */
const DOUBLE_TEXT = new RegExp(String.raw`^\s*[+-]?(?:(?:${DIGITS}(?:\.(?:${DIGITS})?)?|\.${DIGITS})(?:[eE][+-]?${DIGITS})?|inf(?:inity)?|nan)\s*$`, 'i');

/** Text as a number, as TRY_CAST(… AS DOUBLE) reads it (no hex, no empty string). */
export function textNumber(text: string | null): number | null {
  if (text === null || !DOUBLE_TEXT.test(text)) return null;
  const clean = text.trim().toLowerCase().replaceAll('_', '');
  if (clean.endsWith('nan')) return Number.NaN;
  if (clean.includes('inf')) return clean.startsWith('-') ? -Infinity : Infinity;
  return Number(clean);
}

/** Number order as DuckDB has it: NaN equals NaN and sorts above every other number. */
export function numberOrder(a: number, b: number): number {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) ? (Number.isNaN(b) ? 0 : 1) : -1;
  return a < b ? -1 : a > b ? 1 : 0;
}

const HAS_ZONE = /[Tt ]\d.*([Zz]|[+-]\d\d(:?\d\d)?)$/;
/** DuckDB's TIMESTAMP text: a zone only after seconds, 24:00:00 as the next midnight, `.` fractions only. */
const DUCKDB_TIMESTAMP =
  /^\s*(\d{4,})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{1,2})(?:(?::(\d{1,2})(?:\.(\d*))?)(Z|[+-]\d\d(?::?\d\d)?)?)?\s*)?$/;

/** Text as DuckDB's TRY_CAST to TIMESTAMPTZ (`zoned`) or TIMESTAMP reads it, as epoch ms; zone-less is UTC. */
function duckDbTimestampMs(text: string, zoned: boolean): number | null {
  const m = DUCKDB_TIMESTAMP.exec(text);
  if (!m) return null;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const [hour, minute, second] = [Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0)];
  if (month < 1 || month > 12 || day < 1 || day > new Date(Date.UTC(year, month, 0)).getUTCDate()) return null;
  if (minute > 59 || second > 59 || hour > 24 || (hour === 24 && (minute > 0 || second > 0))) return null;
  const millis = m[7] ? Number(m[7].slice(0, 3).padEnd(3, '0')) : 0;
  // the hour is added after: utcFromFields would fold 24:00 back into the same day
  const wall = utcFromFields(year, month, day, 0, minute, second, millis) + hour * 3_600_000;
  const zone = m[8];
  if (!zoned || zone === undefined || zone === 'Z') return wall;
  const digits = zone.slice(1).replace(':', '');
  const offset = (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || 0)) * 60_000;
  return zone.startsWith('-') ? wall + offset : wall - offset;
}

/** A text value as epoch ms the way the store's bodyTimeMs reads it: a timestamp, else a number scaled by size. */
export function textTimeMs(text: string | null): number | null {
  if (text === null) return null;
  const ms = duckDbTimestampMs(text, HAS_ZONE.test(text));
  if (ms !== null) return ms;
  const n = textNumber(text);
  if (n === null) return null;
  if (n < 1e11) return n * 1000;
  if (n < 1e14) return n;
  if (n < 1e17) return n * 1e-3;
  return n * 1e-6;
}

/** A wildcard as an anchored regex: `*` any run, `?` one character, like SQL LIKE (which also spans newlines). */
export function wildcardRegex(parts: WildcardPart[], options: { contains?: boolean; lower?: (text: string) => string } = {}): RegExp {
  let source = '';
  for (const part of parts) {
    if (part.kind === 'anyChars') source += '.*';
    else if (part.kind === 'oneChar') source += '.';
    else source += escapeRegex(options.lower ? options.lower(part.text) : part.text);
  }
  return new RegExp(options.contains ? source : `^${source}$`, 'su');
}

function escapeRegex(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&');
}

/**
 * An RE2 pattern (what DuckDB's regexp_matches takes; the parser has checked it compiles in
 * JavaScript) as a RegExp, unanchored. `\A` and `\z` are RE2 anchors, literal letters to JavaScript.
 * The `u` flag reads characters as RE2 does (code points, not UTF-16 units) but refuses escapes
 * such as `\-` that RE2 allows, so a pattern it rejects is taken without it.
 */
export function re2Regex(pattern: string): RegExp {
  const source = pattern.replace(/(?<!\\)((?:\\\\)*)\\([Az])/g, (_, slashes: string, anchor: string) => slashes + (anchor === 'A' ? '^' : '(?![\\s\\S])'));
  try {
    return new RegExp(source, 'u');
  } catch {
    return new RegExp(source);
  }
}
