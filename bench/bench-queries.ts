// The query rows of the benchmark: each in the project's query language (Lucene-like) plus
// its time range, and the predicate that brute force (bench/expected.ts) uses to count it.
//
// Time ranges are half-open [from, to). The generator never emits a timestamp on a whole
// minute, so a store that treats `to` as inclusive (ours does) returns the same counts.
// Text matching as docs/query-language.md defines it: a bare word or a quoted phrase matches
// when message CONTAINS it as a substring, case-insensitive (`timeout` also matches
// "timeouts"); field:/regex/ is RE2, case-sensitive and unanchored (it matches anywhere in the
// value). The predicates below implement exactly that, so the brute-force counts are the exact
// answers of the language, not of a whole-word approximation.

import type { GeneratorOptions, RecordParts } from './generator.ts';
import { DAY_MS, resolveTimeSpan } from './generator.ts';
import { SERVER_COUNT, serverName } from './vocabulary.ts';

/** The fields of a record that the query rows look at, for records that are not generated
 *  (the freshness probes, or hits returned by the API). */
export interface QueryFields {
  level: string | null;
  message: string | null;
  resourceId: string | null;
  tsMs: number;
}

export interface BenchQuery {
  name: string;
  description: string;
  /** Query string in the project's query language. */
  q: string;
  /** Time range (ISO), half-open; absent = all time. */
  from?: string;
  to?: string;
  /** Fast predicate over a generated record's parts. */
  matches(p: RecordParts): boolean;
  /** The same predicate over plain record fields. */
  matchesFields(f: QueryFields): boolean;
}

export interface BenchQueryChoices {
  /** Index of the server for the resourceId query (default 1234 → "server-1234"). */
  serverIndex?: number;
  /** Which day of the span for the one-day range (0-based; default 3 = the middle day of 7). */
  oneDayIndex?: number;
}

export const FAILED_TO_CONNECT_PHRASE = 'Failed to connect';
export const TIMEOUT_WORD = 'timeout';
/** Matches "timeout after <n> ms" (upstream_timeout + slow_query_timeout templates, 3.7 %).
 *  Unanchored, like RE2 in the store: no leading/trailing .* needed. */
export const MESSAGE_REGEX = 'timeout after [0-9]+ ms';

/** Case-insensitive substring, as the query language matches bare words and phrases. */
export function containsText(message: string | null, needle: string): boolean {
  return message !== null && message.toLowerCase().includes(needle.toLowerCase());
}

const MESSAGE_RE = new RegExp(MESSAGE_REGEX); // unanchored, case-sensitive (RE2 semantics for this pattern)

export function benchQueries(opts: GeneratorOptions = {}, choices: BenchQueryChoices = {}): BenchQuery[] {
  const { startMs, endMs } = resolveTimeSpan(opts);
  const serverIndex = choices.serverIndex ?? 1234;
  if (serverIndex < 0 || serverIndex >= SERVER_COUNT) throw new Error(`serverIndex out of range: ${serverIndex}`);
  const server = serverName(serverIndex);
  const dayFrom = startMs + (choices.oneDayIndex ?? 3) * DAY_MS;
  const dayTo = Math.min(endMs, dayFrom + DAY_MS);
  const twoDaysFrom = Math.max(startMs, endMs - 2 * DAY_MS);
  const iso = (ms: number): string => new Date(ms).toISOString();
  const inDay = (ts: number): boolean => ts >= dayFrom && ts < dayTo;
  const inTwoDays = (ts: number): boolean => ts >= twoDaysFrom && ts < endMs;
  return [
    {
      name: 'level_error', description: 'field filter, 10 %', q: 'level:error',
      matches: (p) => p.template.level === 'error',
      matchesFields: (f) => f.level === 'error',
    },
    {
      name: 'one_resource', description: `one of ${SERVER_COUNT} servers, ~0.01 %`,
      q: `resourceId:"${server}"`,
      matches: (p) => p.serverIndex === serverIndex,
      matchesFields: (f) => f.resourceId === server,
    },
    {
      name: 'phrase_failed_to_connect', description: 'full-text phrase, 1 %', q: `"${FAILED_TO_CONNECT_PHRASE}"`,
      matches: (p) => containsText(p.message, FAILED_TO_CONNECT_PHRASE),
      matchesFields: (f) => containsText(f.message, FAILED_TO_CONNECT_PHRASE),
    },
    {
      name: 'one_day_range', description: 'time range only, ~1/7', q: '*', from: iso(dayFrom), to: iso(dayTo),
      matches: (p) => inDay(p.tsMs),
      matchesFields: (f) => inDay(f.tsMs),
    },
    {
      name: 'error_timeout_two_days', description: 'level AND word AND time range, ~1 %',
      q: `level:error AND ${TIMEOUT_WORD}`, from: iso(twoDaysFrom), to: iso(endMs),
      matches: (p) => p.template.level === 'error' && inTwoDays(p.tsMs) && containsText(p.message, TIMEOUT_WORD),
      matchesFields: (f) => f.level === 'error' && inTwoDays(f.tsMs) && containsText(f.message, TIMEOUT_WORD),
    },
    {
      name: 'message_regex', description: 'regex on message, 3.7 %', q: `message:/${MESSAGE_REGEX}/`,
      matches: (p) => MESSAGE_RE.test(p.message),
      matchesFields: (f) => f.message !== null && MESSAGE_RE.test(f.message),
    },
  ];
}
