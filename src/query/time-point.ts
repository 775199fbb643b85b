// One point in time as users write it: ISO 8601, epoch seconds or ms, now, now-15m, now/d, or "15m" (= now-15m).

import { epochToMs } from '../record/time.ts';
import { tryParseDuration, unitMs } from './duration.ts';
import { parseIsoDate } from '../record/iso-date.ts';

export interface TimePointOptions {
  /** The current time in ms; defaults to Date.now(). */
  now?: number;
  /** Round a date-only value or a `now/unit` rounding up to the last ms of that day/unit (for inclusive upper bounds). */
  roundUp?: boolean;
}

const NUMBER_PATTERN = /^(?:\d+\.?\d*|\.\d+)$/;
const NOW_PATTERN = /^now((?:[+-]\d+(?:\.\d+)?(?:ms|s|m|h|d|w))*)(?:\/([smhdw]))?$/;
const NOW_STEP = /([+-])(\d+(?:\.\d+)?(?:ms|s|m|h|d|w))/g;

export function tryParseTimePoint(text: string, options: TimePointOptions = {}): number | undefined {
  const value = text.trim();
  const now = options.now ?? Date.now();
  if (value === '') return undefined;
  // Epoch numbers are told apart by size (seconds, ms, µs, ns) exactly as at ingest.
  if (NUMBER_PATTERN.test(value)) return epochToMs(Number(value)) ?? undefined;
  const iso = parseIsoDate(value);
  if (iso) return iso.dateOnly && options.roundUp ? iso.ms + unitMs('d')! - 1 : iso.ms;
  const nowMatch = NOW_PATTERN.exec(value.toLowerCase());
  if (nowMatch) return applyNowMath(now, nowMatch[1]!, nowMatch[2], options.roundUp ?? false);
  const duration = tryParseDuration(value);
  if (duration !== undefined) return now - duration;
  return undefined;
}

/** Like tryParseTimePoint but throws an Error explaining the accepted forms. */
export function parseTimePoint(text: string, options: TimePointOptions = {}): number {
  const ms = tryParseTimePoint(text, options);
  if (ms === undefined) {
    throw new Error(
      `invalid time "${text}": expected ISO 8601 (2024-05-01, 2024-05-01T10:00:00Z), epoch seconds or ms, ` +
        `now, now-15m, now+1h, now/d, or a duration such as 15m meaning 15 minutes ago`,
    );
  }
  return ms;
}

function applyNowMath(now: number, steps: string, roundUnit: string | undefined, roundUp: boolean): number {
  let ms = now;
  for (const step of steps.matchAll(NOW_STEP)) {
    const amount = tryParseDuration(step[2]!)!;
    ms += step[1] === '-' ? -amount : amount;
  }
  return roundUnit === undefined ? ms : roundToUnit(ms, roundUnit, roundUp);
}

/** Rounds down (or up to the last ms) to the start of the UTC second/minute/hour/day/ISO week. */
function roundToUnit(ms: number, unit: string, roundUp: boolean): number {
  const size = unitMs(unit)!;
  // 1970-01-01 was a Thursday; ISO weeks start on Monday, the 5th, 4 days later.
  const origin = unit === 'w' ? 4 * unitMs('d')! : 0;
  const start = Math.floor((ms - origin) / size) * size + origin;
  return roundUp ? start + size - 1 : start;
}
