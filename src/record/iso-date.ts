// Strict ISO 8601 date / date-time parsing. A date-time without a zone is taken as UTC unless
// the caller reads it in a zone of its own (`hasZone` tells).

const ISO_PATTERN =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?\s*([Zz]|[+-]\d{2}(?::?\d{2})?)?)?$/;

export interface IsoDate {
  ms: number;
  /** True for "2024-05-01" (no time of day): callers may round it up to the end of the day. */
  dateOnly: boolean;
  /** False when the text names no zone (`ms` is then its wall time read as UTC). */
  hasZone: boolean;
}

export function parseIsoDate(text: string): IsoDate | undefined {
  const m = ISO_PATTERN.exec(text.trim());
  if (!m) return undefined;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const [hour, minute, second] = [Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0)];
  const millis = m[7] ? Number(m[7].slice(0, 3).padEnd(3, '0')) : 0;
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  const offsetMs = parseOffset(m[8]);
  if (offsetMs === undefined) return undefined;
  const utc = utcFromFields(year, month, day, hour, minute, second, millis);
  return { ms: utc - offsetMs, dateOnly: m[4] === undefined, hasZone: m[8] !== undefined };
}

/** Date.UTC without its quirk of reading years 0–99 as 1900–1999. */
export function utcFromFields(year: number, month: number, day: number, hour: number, minute: number, second: number, millis: number): number {
  const date = new Date(Date.UTC(2000, month - 1, day, hour, minute, second, millis));
  date.setUTCFullYear(year, month - 1, day);
  return date.getTime();
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function parseOffset(zone: string | undefined): number | undefined {
  if (zone === undefined || zone === 'Z' || zone === 'z') return 0;
  const sign = zone.startsWith('-') ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  const hours = Number(digits.slice(0, 2));
  const minutes = digits.length > 2 ? Number(digits.slice(2)) : 0;
  if (hours > 23 || minutes > 59 || (digits.length !== 2 && digits.length !== 4)) return undefined;
  return sign * (hours * 60 + minutes) * 60_000;
}
