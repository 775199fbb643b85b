// The query rows of the benchmark: each in the project's query language (Lucene-like) plus
// its time range, and the predicate that brute force (bench/expected.ts) uses to count it.
//
// Time ranges are half-open [from, to). The generator never emits a timestamp on a whole
// minute, so a store that treats `to` as inclusive returns the same counts.
// Text matching as the query language defines it: bare words and phrases are case-insensitive
// on whole words of message; field:/regex/ is matched against the whole value (Lucene anchors
// regexes), so the pattern starts and ends with .* and then means the same anchored or not.

import type { GeneratorOptions, RecordParts } from './generator.ts';
import { DAY_MS, resolveTimeSpan } from './generator.ts';
import { SERVER_COUNT, serverName } from './vocabulary.ts';

export interface BenchQuery {
  name: string;
  description: string;
  /** Query string in the project's query language. */
  q: string;
  /** Time range (ISO), half-open; absent = all time. */
  from?: string;
  to?: string;
  matches(p: RecordParts): boolean;
}

export interface BenchQueryChoices {
  /** Index of the server for the resourceId query (default 1234 → "server-1234"). */
  serverIndex?: number;
  /** Which day of the span for the one-day range (0-based; default 3 = the middle day of 7). */
  oneDayIndex?: number;
}

export const FAILED_TO_CONNECT_PHRASE = 'Failed to connect';
export const TIMEOUT_WORD = 'timeout';
/** Matches "timeout after <n> ms" (upstream_timeout + slow_query_timeout templates, 3.7 %). */
export const MESSAGE_REGEX = '.*timeout after [0-9]+ ms.*';

const PHRASE_RE = /\bfailed to connect\b/i;
const TIMEOUT_RE = /\btimeout\b/i;
const MESSAGE_RE = new RegExp(`^${MESSAGE_REGEX}$`);

export function benchQueries(opts: GeneratorOptions = {}, choices: BenchQueryChoices = {}): BenchQuery[] {
  const { startMs, endMs } = resolveTimeSpan(opts);
  const serverIndex = choices.serverIndex ?? 1234;
  if (serverIndex < 0 || serverIndex >= SERVER_COUNT) throw new Error(`serverIndex out of range: ${serverIndex}`);
  const dayFrom = startMs + (choices.oneDayIndex ?? 3) * DAY_MS;
  const dayTo = Math.min(endMs, dayFrom + DAY_MS);
  const twoDaysFrom = Math.max(startMs, endMs - 2 * DAY_MS);
  const iso = (ms: number): string => new Date(ms).toISOString();
  return [
    {
      name: 'level_error', description: 'field filter, 10 %', q: 'level:error',
      matches: (p) => p.template.level === 'error',
    },
    {
      name: 'one_resource', description: `one of ${SERVER_COUNT} servers, ~0.01 %`,
      q: `resourceId:"${serverName(serverIndex)}"`,
      matches: (p) => p.serverIndex === serverIndex,
    },
    {
      name: 'phrase_failed_to_connect', description: 'full-text phrase, 1 %', q: `"${FAILED_TO_CONNECT_PHRASE}"`,
      matches: (p) => PHRASE_RE.test(p.message),
    },
    {
      name: 'one_day_range', description: 'time range only, ~1/7', q: '*', from: iso(dayFrom), to: iso(dayTo),
      matches: (p) => p.tsMs >= dayFrom && p.tsMs < dayTo,
    },
    {
      name: 'error_timeout_two_days', description: 'level AND word AND time range, ~1 %',
      q: `level:error AND ${TIMEOUT_WORD}`, from: iso(twoDaysFrom), to: iso(endMs),
      matches: (p) => p.template.level === 'error' && p.tsMs >= twoDaysFrom && p.tsMs < endMs && TIMEOUT_RE.test(p.message),
    },
    {
      name: 'message_regex', description: 'regex on message, 3.7 %', q: `message:/${MESSAGE_REGEX}/`,
      matches: (p) => MESSAGE_RE.test(p.message),
    },
  ];
}
