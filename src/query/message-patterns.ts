// Messages grouped into patterns: the parts that vary between messages of one kind (ids, numbers,
// durations, hosts, addresses) masked as <*>, so a million lines read as their few dozen kinds.
// Each pattern carries a query (its constant runs as phrases) that finds its messages again.
import type { QueryNode } from './ast.ts';
import { DEFAULT_FIELD } from './fields.ts';
import { formatQuery } from './format-query.ts';

export const WILDCARD = '<*>';

export interface MessagePattern {
  pattern: string;
  count: number;
  /** One message of the pattern, as it was. */
  example: string;
  /** A query in Tributary's language matching the pattern's messages (and possibly a few more). */
  query: string;
}

/** Separators kept inside a token: /v2/sessions/42 masks 42 only. */
const SUB_PARTS = /([/=:,;()[\]{}<>"'@]+)/;
/** Letters and one digit name things (v2, http2, ec2, s3): not a variable. */
const NAME_WITH_DIGIT = /^[a-zA-Z]+\d$/;

function maskPart(part: string): string {
  if (part === '' || SUB_PARTS.test(part)) return part;
  if (!/\d/.test(part) || NAME_WITH_DIGIT.test(part)) return part;
  return WILDCARD;
}

/** One message's pattern: every token holding a digit (bar names like v2) is masked. */
export function patternOf(message: string): string {
  return message.trim().split(/\s+/).map((token) => {
    const masked = token.split(SUB_PARTS).map(maskPart).join('');
    // a token masked in several places is one variable: 10.0.0.1:8080 → <*>
    return masked.includes(WILDCARD) && masked.replaceAll(WILDCARD, '').replace(/[.:\-_]/g, '') === '' ? WILDCARD : masked;
  }).join(' ');
}

/** The pattern's constant runs, each a phrase the message must contain. */
export function patternQuery(pattern: string): string {
  const runs = pattern.split(WILDCARD).map((run) => run.trim()).filter((run) => run.length >= 3);
  if (runs.length === 0) return '*';
  const terms: QueryNode[] = runs.map((value) => ({ type: 'term', field: DEFAULT_FIELD, value, quoted: true }));
  return formatQuery(terms.length === 1 ? terms[0]! : { type: 'and', children: terms });
}

export function messagePatterns(messages: Iterable<string>, limit: number): MessagePattern[] {
  const groups = new Map<string, { count: number; example: string }>();
  for (const message of messages) {
    const pattern = patternOf(message);
    const group = groups.get(pattern);
    if (group) group.count++;
    else groups.set(pattern, { count: 1, example: message });
  }
  return [...groups.entries()]
    .sort((a, b) => b[1].count - a[1].count || a[0].localeCompare(b[0]))
    .slice(0, limit)
    .map(([pattern, { count, example }]) => ({ pattern, count, example, query: patternQuery(pattern) }));
}
