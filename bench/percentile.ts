// Percentiles by the nearest-rank definition: the p-th percentile of n values is the value at
// rank ceil(p/100 · n) (1-based) in ascending order; always one of the observed values.

export function nearestRank(p: number, n: number): number {
  if (n <= 0) throw new Error('no values');
  return Math.min(n, Math.max(1, Math.ceil((p / 100) * n)));
}

/** Nearest-rank percentile of an array (sorted copy; the input is left alone). NaN when empty. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[nearestRank(p, sorted.length) - 1]!;
}

/** Nearest-rank percentile from a value → count histogram. NaN when empty. */
export function percentileFromCounts(counts: ReadonlyMap<number, number>, p: number): number {
  let total = 0;
  for (const c of counts.values()) total += c;
  if (total === 0) return Number.NaN;
  const rank = nearestRank(p, total);
  const values = [...counts.keys()].sort((a, b) => a - b);
  let seen = 0;
  for (const v of values) {
    seen += counts.get(v)!;
    if (seen >= rank) return v;
  }
  return values[values.length - 1]!;
}

/**
 * Continuous (linearly interpolated) quantile, q in [0, 1], from a value → count histogram, the
 * way DuckDB's quantile_cont computes it: RN = (n − 1)·q, lo/hi = the values at 0-based ranks
 * floor(RN) and ceil(RN) in ascending order, result lo + (hi − lo)·(RN − floor(RN)), in doubles.
 * NaN when empty.
 */
export function quantileContFromCounts(counts: ReadonlyMap<number, number>, q: number): number {
  let total = 0;
  for (const c of counts.values()) total += c;
  if (total === 0) return Number.NaN;
  const rn = (total - 1) * q;
  const floorRank = Math.floor(rn);
  const ceilRank = Math.ceil(rn);
  const values = [...counts.keys()].sort((a, b) => a - b);
  let lo = Number.NaN;
  let hi = Number.NaN;
  let seen = 0; // values at 0-based ranks [seen, seen + count) equal v
  for (const v of values) {
    const next = seen + counts.get(v)!;
    if (Number.isNaN(lo) && floorRank < next) lo = v;
    if (ceilRank < next) {
      hi = v;
      break;
    }
    seen = next;
  }
  if (floorRank === ceilRank) return lo;
  return lo + (hi - lo) * (rn - floorRank);
}
