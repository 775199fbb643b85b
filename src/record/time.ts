// Event time from the fields services commonly use, as ms since the epoch.

export const TIME_FIELDS = ['timestamp', '@timestamp', 'ts', 'ets', 'log_timestamp', 'time'] as const;

/** Epoch numbers are told apart by size: seconds, milliseconds, microseconds, nanoseconds. */
export function epochToMs(n: number): number | null {
  if (!Number.isFinite(n) || n < 0) return null;
  if (n < 1e11) return Math.round(n * 1000);
  if (n < 1e14) return Math.round(n);
  if (n < 1e17) return Math.round(n / 1e3);
  return Math.round(n / 1e6);
}

const NUMERIC = /^\d+(\.\d+)?$/;

export function parseTimeValue(value: unknown): number | null {
  if (typeof value === 'number') return epochToMs(value);
  if (typeof value !== 'string' || value.length === 0) return null;
  if (NUMERIC.test(value)) return epochToMs(Number(value));
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : ms;
}

export function eventTime(body: Record<string, unknown>): number | null {
  for (const field of TIME_FIELDS) {
    const value = body[field];
    if (value === undefined) continue;
    const ms = parseTimeValue(value);
    if (ms !== null) return ms;
  }
  return null;
}
