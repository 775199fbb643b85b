// Which windows a time falls in, and how window times are written out. Windows are aligned to the
// epoch (plus an offset): a 5-minute tumbling window starts at :00, :05, … whatever the first
// record's time, so every restart and every process cuts the same windows.

export interface WindowShape {
  sizeMs: number;
  /** Equal to sizeMs for tumbling windows. */
  slideMs: number;
  offsetMs: number;
}

/** Starts of the windows holding time t, oldest first. */
export function windowStarts(t: number, shape: WindowShape): number[] {
  const { sizeMs, slideMs, offsetMs } = shape;
  const newest = Math.floor((t - offsetMs) / slideMs) * slideMs + offsetMs;
  const starts: number[] = [];
  for (let start = newest; start + sizeMs > t; start -= slideMs) starts.push(start);
  return starts.reverse();
}

export type TimeFormat = 'iso' | 'epoch-ms' | 'epoch-s';

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/**
 * 'iso' is UTC without a zone, as Python's datetime.isoformat() writes a naive UTC time (the seed
 * systems' format): microseconds only when there is a fraction. A reader of Tributary's store
 * takes a time without a zone as UTC.
 */
export function formatTime(ms: number, format: TimeFormat): string | number {
  if (format === 'epoch-ms') return ms;
  if (format === 'epoch-s') return ms / 1000;
  const date = new Date(ms);
  const text = `${pad(date.getUTCFullYear(), 4)}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())}T${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}`;
  const millis = date.getUTCMilliseconds();
  return millis === 0 ? text : `${text}.${pad(millis, 3)}000`;
}
