// Durations such as "15m", "1h", "1h30m", "2.5d", "250ms". Units: ms, s, m, h, d, w.

const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

const DURATION_PATTERN = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h|d|w))+$/;
const DURATION_PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/g;

export function unitMs(unit: string): number | undefined {
  return UNIT_MS[unit];
}

/** Returns the duration in ms, or undefined when the text is not a duration. Zero is allowed. */
export function tryParseDuration(text: string): number | undefined {
  const compact = text.trim();
  if (!DURATION_PATTERN.test(compact)) return undefined;
  let total = 0;
  for (const match of compact.matchAll(DURATION_PART)) {
    total += Number(match[1]) * UNIT_MS[match[2]!]!;
  }
  return Math.round(total);
}

/** Parses a positive duration ("1h", "5m", "30s", "1d", "1w", "1h30m", "250ms") to milliseconds. */
export function parseDuration(text: string): number {
  const ms = tryParseDuration(text);
  if (ms === undefined) {
    throw new Error(
      `invalid duration "${text}": expected a number followed by a unit (ms, s, m, h, d, w), e.g. 30s, 5m, 1h, 1d`,
    );
  }
  if (ms <= 0) throw new Error(`invalid duration "${text}": must be greater than zero`);
  return ms;
}
