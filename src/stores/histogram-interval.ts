// The interval of a histogram nobody gave one: about TARGET_BUCKETS buckets over the span, each a
// "nice" width. Every width divides every wider one, so counts kept at a fine width add up exactly
// into any wider bucket (the embedded store picks the width after one pass at a fine one).

export const NICE_INTERVALS = [1, 5, 10, 30, 60, 300, 600, 1800, 3600, 10800, 21600, 43200, 86400, 604800].map((s) => s * 1000);
export const TARGET_BUCKETS = 120;
/** The interval of a histogram over nothing. */
export const EMPTY_HISTOGRAM_INTERVAL = 3_600_000;

/** The narrowest nice interval giving at most `buckets` buckets over a span of `spanMs`. */
export function autoInterval(spanMs: number, buckets = TARGET_BUCKETS): number {
  return NICE_INTERVALS.find((interval) => spanMs / interval <= buckets) ?? NICE_INTERVALS.at(-1)!;
}

export const MAX_FILLED_BUCKETS = 10_000;

/** Buckets from the first to the last (the request's bounds when given), empty ones as 0, unless there would be too many. */
export function fillBuckets(counts: Map<number, number>, interval: number, fromMs?: number, toMs?: number): Array<{ ts: number; count: number }> {
  const present = [...counts.keys()];
  if (present.length === 0 && (fromMs === undefined || toMs === undefined)) return [];
  const first = fromMs !== undefined ? Math.floor(fromMs / interval) * interval : Math.min(...present);
  const last = toMs !== undefined ? Math.floor(toMs / interval) * interval : Math.max(...present);
  if ((last - first) / interval > MAX_FILLED_BUCKETS) {
    return present.map((ts) => ({ ts, count: counts.get(ts)! }));
  }
  const buckets: Array<{ ts: number; count: number }> = [];
  for (let ts = first; ts <= last; ts += interval) buckets.push({ ts, count: counts.get(ts) ?? 0 });
  return buckets;
}
