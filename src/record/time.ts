// Event time: the one definition used by ingest, the store (template-sql.ts mirrors it in SQL)
// and queries. A time without a zone is read in the stream's zone, UTC unless configured, so the
// server's own zone never changes a record's time.
import { parseIsoDate } from './iso-date.ts';
import { wallTimeToUtc } from './time-zone.ts';

export const TIME_FIELDS = ['timestamp', '@timestamp', 'ts', 'ets', 'log_timestamp', 'time'] as const;

/** 0000-01-01T00:00:00.000Z and 9999-12-31T23:59:59.999Z: outside them no time is believed. */
export const FIRST_EVENT_MS = -62167219200000;
export const LAST_EVENT_MS = 253402300799999;

function inRange(ms: number): number | null {
  return Number.isFinite(ms) && ms >= FIRST_EVENT_MS && ms <= LAST_EVENT_MS ? ms : null;
}

/** Nanoseconds since the epoch (OTLP's and Loki's times) as ISO 8601 in ms, or null outside the believed years. */
export function nanosToIso(nanos: bigint): string | null {
  const ms = inRange(Number(nanos / 1_000_000n));
  return ms === null ? null : new Date(ms).toISOString();
}

/** Epoch numbers are told apart by size: seconds, milliseconds, microseconds, nanoseconds. */
export function epochToMs(n: number): number | null {
  if (!Number.isFinite(n) || n < 0) return null;
  if (n < 1e11) return Math.round(n * 1000);
  if (n < 1e14) return Math.round(n);
  if (n < 1e17) return Math.round(n / 1e3);
  return inRange(Math.round(n / 1e6));
}

const NUMERIC = /^\d+(\.\d+)?$/;
const ISO_SHAPED = /^\s*\d{4}-\d\d-\d\d(?:[Tt ]|$)/;
/** The zones V8's free-form date parser understands; without one it would read the server's zone. */
const NAMED_ZONE = /(?:\b(?:UTC?|GMT|Z|[ECMP][SD]T)\b|[+-]\d\d:?\d\d\s*$|[+-]\d{4}\b)/i;

export function parseTimeValue(value: unknown, zone = 'UTC'): number | null {
  if (typeof value === 'number') return epochToMs(value);
  if (typeof value !== 'string' || value.length === 0) return null;
  if (NUMERIC.test(value)) return epochToMs(Number(value));
  const iso = parseIsoDate(value);
  if (iso) return inRange(iso.hasZone ? iso.ms : wallTimeToUtc(iso.ms, zone));
  // ISO-shaped but impossible (2024-02-30): V8's free-form parser would roll it into March
  if (ISO_SHAPED.test(value)) return null;
  if (NAMED_ZONE.test(value)) return inRange(Date.parse(value));
  // free-form text without a zone: its wall time read as UTC, then placed in the stream's zone
  const wall = Date.parse(`${value} Z`);
  return Number.isNaN(wall) ? null : inRange(wallTimeToUtc(wall, zone));
}

export function eventTime(body: Record<string, unknown>, zone = 'UTC'): number | null {
  for (const field of TIME_FIELDS) {
    const value = body[field];
    if (value === undefined) continue;
    const ms = parseTimeValue(value, zone);
    if (ms !== null) return ms;
  }
  return null;
}
