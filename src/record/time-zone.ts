// Wall times of an IANA zone (Europe/Berlin, America/New_York) to UTC, with the zone database
// Node ships (Intl); no library needed for this one conversion.
import { utcFromFields } from './iso-date.ts';

const formats = new Map<string, Intl.DateTimeFormat>();

function formatOf(zone: string): Intl.DateTimeFormat {
  let format = formats.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: zone, hourCycle: 'h23', era: 'short',
      year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric',
    });
    formats.set(zone, format);
  }
  return format;
}

/** Throws a RangeError naming the zone when Intl does not know it. */
export function checkTimeZone(zone: string): void {
  formatOf(zone);
}

function isUtc(zone: string): boolean {
  return zone === 'UTC' || zone === 'Etc/UTC' || zone === 'GMT';
}

/** The zone's offset from UTC at a UTC instant, ms. */
function offsetAt(utcMs: number, zone: string): number {
  const parts: Record<string, string> = {};
  for (const part of formatOf(zone).formatToParts(new Date(utcMs))) parts[part.type] = part.value;
  const year = parts.era === 'BC' ? 1 - Number(parts.year) : Number(parts.year);
  const wall = utcFromFields(year, Number(parts.month), Number(parts.day), Number(parts.hour), Number(parts.minute), Number(parts.second), 0);
  return wall - (utcMs - (((utcMs % 1000) + 1000) % 1000));
}

/**
 * `wallMs` is a wall time written as if it were UTC. A wall time a DST change skips or repeats
 * resolves as the offset before the change would place it, as most log libraries do.
 */
export function wallTimeToUtc(wallMs: number, zone: string): number {
  if (isUtc(zone)) return wallMs;
  const first = wallMs - offsetAt(wallMs, zone);
  const second = wallMs - offsetAt(first, zone);
  return second;
}
