// from/to of a search, as given to the API (?from=&to=) or the CLI (--since 15m).

import { parseTimePoint } from './time-point.ts';

export interface TimeRange {
  /** Inclusive lower bound, ms since the epoch. */
  fromMs?: number;
  /** Inclusive upper bound, ms since the epoch (a date-only `to` means the end of that day). */
  toMs?: number;
}

export function parseTimeRange(from?: string, to?: string, now: number = Date.now()): TimeRange {
  const range: TimeRange = {};
  if (from !== undefined && from.trim() !== '') range.fromMs = parseBound('from', from, now, false);
  if (to !== undefined && to.trim() !== '') range.toMs = parseBound('to', to, now, true);
  if (range.fromMs !== undefined && range.toMs !== undefined && range.fromMs > range.toMs) {
    throw new Error(`invalid time range: from "${from}" is after to "${to}"`);
  }
  return range;
}

function parseBound(name: string, text: string, now: number, roundUp: boolean): number {
  try {
    return parseTimePoint(text, { now, roundUp });
  } catch (error) {
    throw new Error(`'${name}': ${(error as Error).message}`);
  }
}
