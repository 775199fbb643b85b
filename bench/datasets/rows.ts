// The query rows of the benchmark, built from a dataset's fields and the time span of its
// records, each with the predicate brute force counts it by. The predicates implement
// docs/query-language.md: bare words and phrases are case-insensitive substrings of the
// message (the first string of message, log_message, msg, log, text); `level:error` is the
// record's level (the first of the level fields naming a level); `field:"v"` is exact equality;
// `field:N` matches N and "N"; /regex/ is unanchored and case-sensitive; a time range includes
// both ends, as the store's does.

import type { DatasetQueries } from './dataset.ts';
import { DAY_MS, valueAt } from './dataset.ts';

export interface BenchQuery {
  name: string;
  description: string;
  /** Query string in the project's query language. */
  q: string;
  /** Time range (ISO), both ends included; absent = all time. */
  from?: string;
  to?: string;
  matches(record: unknown, tsMs: number): boolean;
}

export interface TimeSpan {
  startMs: number;
  endMs: number;
}

export const MESSAGE_FIELDS = ['message', 'log_message', 'msg', 'log', 'text'];
const LEVEL_FIELDS = ['level', 'log_type', 'severity', 'severity_text', 'loglevel', 'lvl'];
const LEVEL_ALIASES: Record<string, string> = {
  trace: 'trace', verbose: 'trace', debug: 'debug', dbg: 'debug',
  info: 'info', information: 'info', informational: 'info', notice: 'info', log: 'info',
  warn: 'warn', warning: 'warn', error: 'error', err: 'error', fail: 'error', failure: 'error',
  fatal: 'fatal', critical: 'fatal', crit: 'fatal', alert: 'fatal', emerg: 'fatal', emergency: 'fatal', panic: 'fatal',
};

export function messageOf(record: unknown): string | null {
  if (record === null || typeof record !== 'object') return null;
  for (const field of MESSAGE_FIELDS) {
    const value = (record as Record<string, unknown>)[field];
    if (typeof value === 'string') return value;
  }
  return null;
}

function numericLevel(n: number): string | null {
  if (n >= 60) return 'fatal';
  if (n >= 50) return 'error';
  if (n >= 40) return 'warn';
  if (n >= 30) return 'info';
  if (n >= 20) return 'debug';
  return n >= 10 ? 'trace' : null;
}

export function levelOf(record: unknown): string | null {
  if (record === null || typeof record !== 'object') return null;
  for (const field of LEVEL_FIELDS) {
    const value = (record as Record<string, unknown>)[field];
    let level: string | null = null;
    if (typeof value === 'number') level = numericLevel(value);
    else if (typeof value === 'string') level = /^\d+$/.test(value.trim()) ? numericLevel(Number(value.trim())) : LEVEL_ALIASES[value.trim().toLowerCase()] ?? null;
    if (level !== null) return level;
  }
  return null;
}

export function containsText(message: string | null, needle: string): boolean {
  return message !== null && message.toLowerCase().includes(needle.toLowerCase());
}

export function benchRows(queries: DatasetQueries, span: TimeSpan): BenchQuery[] {
  const { startMs, endMs } = span;
  const days = Math.floor((endMs - startMs) / DAY_MS);
  const dayFrom = days >= 2 ? startMs + Math.floor(days / 2) * DAY_MS : startMs;
  const dayTo = Math.min(endMs, dayFrom + DAY_MS);
  const twoDaysFrom = Math.max(startMs, endMs - 2 * DAY_MS);
  const iso = (ms: number): string => new Date(ms).toISOString();
  const within = (from: number, to: number) => (ts: number): boolean => ts >= from && ts <= to;
  const inDay = within(dayFrom, dayTo);
  const inTwoDays = within(twoDaysFrom, endMs);
  const { exact, phrase, word } = queries;
  const rows: BenchQuery[] = [];
  if (queries.hasLevels) {
    rows.push({ name: 'level_error', description: 'the level field', q: 'level:error', matches: (r) => levelOf(r) === 'error' });
  }
  for (const { name, field, value } of exact) {
    rows.push({ name, description: `exact value of ${field}`, q: `${field}:"${value}"`, matches: (r) => valueAt(r, field) === value });
  }
  if (phrase !== undefined) {
    rows.push({ name: 'phrase', description: 'full-text phrase', q: `"${phrase}"`, matches: (r) => containsText(messageOf(r), phrase) });
  }
  rows.push({ name: 'one_day_range', description: 'time range only', q: '*', from: iso(dayFrom), to: iso(dayTo), matches: (_, ts) => inDay(ts) });
  if (word !== undefined) {
    rows.push({
      name: 'error_word_two_days', description: 'level AND word AND the last two days',
      q: queries.hasLevels ? `level:error AND ${word}` : word, from: iso(twoDaysFrom), to: iso(endMs),
      matches: (r, ts) => (!queries.hasLevels || levelOf(r) === 'error') && inTwoDays(ts) && containsText(messageOf(r), word),
    });
  }
  if (queries.regex !== undefined) {
    const re = new RegExp(queries.regex);
    rows.push({
      name: 'message_regex', description: 'regex on message', q: `message:/${queries.regex}/`,
      matches: (r) => { const m = messageOf(r); return m !== null && re.test(m); },
    });
  }
  if (queries.numberMatch !== undefined) {
    const { field, value } = queries.numberMatch;
    rows.push({
      name: 'number_match', description: 'a number, held as a number or a string', q: `${field}:${value}`,
      matches: (r) => { const v = valueAt(r, field); return v === value || v === String(value); },
    });
  }
  return rows;
}
