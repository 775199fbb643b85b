// Level values in queries are normalized the same way as records are at ingest (src/record/level.ts),
// so level:ERROR, level:err and level:50 all mean "error".

import { normalizeLevel } from '../record/level.ts';

/** From least to most severe. */
export const LEVEL_ORDER = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;

/** The normalized level name, or the lowercased text when it names no known level. */
export function queryLevelValue(value: string): string {
  return normalizeLevel(value) ?? value.trim().toLowerCase();
}

/** 0 (trace) … 5 (fatal), or undefined when the value names no level. */
export function levelRank(value: string): number | undefined {
  const rank = (LEVEL_ORDER as readonly string[]).indexOf(queryLevelValue(value));
  return rank < 0 ? undefined : rank;
}
