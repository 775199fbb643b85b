// The quantiles aggregate. Exact: every value is kept and sorted at result time; the q-quantile
// interpolates linearly between the closest ranks around position (n-1)*q, as numpy's default
// ('linear') and DuckDB's quantile_cont. Approximate: a DDSketch (@datadog/sketches-js) whose
// answers are within relativeAccuracy of the value at rank floor((n-1)*q), clamped to the exact min
// and max (which are p0 and p100).
// The library's own merge drops negative values (DataDog/sketches-js#22) and its store merge can
// overflow its bins, and toProto needs protobufjs at run time, so merge and checkpoints replay
// the sketch's bins through its public store.add() instead.
import { DDSketch } from '@datadog/sketches-js';
import type { Accumulator, AggregateSpec } from './aggregates.ts';
import { decodeFloat, encodeFloat, isNumber, mismatch, roundTo, stateCount, stateOf } from './common.ts';

type Store = DDSketch['store'];

export const DEFAULT_QUANTILES: readonly number[] = [0.5, 0.9, 0.99];
const DEFAULT_RELATIVE_ACCURACY = 0.01;

/** The output key of quantile q: 'p' + q*100, e.g. p50, p99.9 (without float noise: 0.29 is p29). */
export function quantileKey(q: number): string {
  return `p${Number((q * 100).toFixed(10))}`;
}

function quantilesOf(spec: AggregateSpec): readonly number[] {
  const quantiles = spec.quantiles ?? DEFAULT_QUANTILES;
  for (const q of quantiles) if (!(q >= 0 && q <= 1)) throw new RangeError(`quantiles must be between 0 and 1, not ${q}`);
  return quantiles;
}

function output(quantiles: readonly number[], valueAt: ((q: number) => number) | null, decimals: number | undefined): Record<string, number | null> {
  const result: Record<string, number | null> = {};
  for (const q of quantiles) result[quantileKey(q)] = valueAt ? roundTo(valueAt(q), decimals) : null;
  return result;
}

/** The q-quantile of ascending values: linear interpolation at position (n-1)*q. */
export function interpolatedQuantile(sorted: ArrayLike<number>, q: number): number {
  const position = (sorted.length - 1) * q;
  const below = Math.floor(position);
  const above = Math.ceil(position);
  const low = sorted[below]!;
  return low + (sorted[above]! - low) * (position - below);
}

export class ExactQuantilesAccumulator implements Accumulator {
  skipped = 0;
  readonly #quantiles: readonly number[];
  readonly #decimals: number | undefined;
  #values = new Float64Array(64);
  #length = 0;
  #sorted = true;

  constructor(spec: AggregateSpec) {
    this.#quantiles = quantilesOf(spec);
    this.#decimals = spec.decimals;
  }

  add(value: unknown): void {
    if (isNumber(value)) this.#push(value);
    else if (value != null) this.skipped++;
  }

  #push(value: number): void {
    if (this.#length === this.#values.length) {
      const grown = new Float64Array(this.#values.length * 2);
      grown.set(this.#values);
      this.#values = grown;
    }
    this.#values[this.#length++] = value;
    this.#sorted = false;
  }

  merge(other: Accumulator): void {
    if (!(other instanceof ExactQuantilesAccumulator)) throw mismatch('quantiles', other);
    const count = other.#length;
    for (let i = 0; i < count; i++) this.#push(other.#values[i]!);
    this.skipped += other.skipped;
  }

  result(): Record<string, number | null> {
    if (this.#length === 0) return output(this.#quantiles, null, this.#decimals);
    const values = this.#values.subarray(0, this.#length);
    if (!this.#sorted) values.sort();
    this.#sorted = true;
    return output(this.#quantiles, (q) => interpolatedQuantile(values, q), this.#decimals);
  }

  toState(): unknown {
    return { kind: 'quantiles', values: Array.from(this.#values.subarray(0, this.#length)), skipped: this.skipped };
  }

  static fromState(spec: AggregateSpec, state: unknown): ExactQuantilesAccumulator {
    const s = stateOf(state, 'quantiles');
    if (!Array.isArray(s.values) || !s.values.every(isNumber)) throw new Error('aggregate state: quantile values are not numbers');
    const restored = new ExactQuantilesAccumulator(spec);
    for (const value of s.values) restored.#push(value);
    restored.skipped = stateCount(s.skipped, 'skipped');
    return restored;
  }
}

/** The store's non-empty bins as [key, count, key, count, ...]. */
function binsOf(store: Store): number[] {
  const bins: number[] = [];
  if (store.count === 0) return bins;
  for (let key = store.minKey; key <= store.maxKey; key++) {
    const count = store.bins[key - store.offset]!;
    if (count > 0) bins.push(key, count);
  }
  return bins;
}

/** Adds [key, count, ...] bins to the store, widest keys first so its range grows only once. */
function addBins(store: Store, bins: readonly number[]): void {
  if (bins.length === 0) return;
  store.add(bins[0]!, 0);
  store.add(bins[bins.length - 2]!, 0);
  for (let i = 0; i < bins.length; i += 2) store.add(bins[i]!, bins[i + 1]!);
}

function checkBins(bins: unknown, what: string): number[] {
  if (!Array.isArray(bins) || bins.length % 2 !== 0) throw new Error(`aggregate state: ${what} bins are not [key, count, ...]`);
  for (let i = 0; i < bins.length; i += 2) {
    if (!Number.isInteger(bins[i]) || !(bins[i + 1] > 0)) throw new Error(`aggregate state: ${what} bins are not [key, count, ...]`);
  }
  return bins as number[];
}

export class SketchQuantilesAccumulator implements Accumulator {
  skipped = 0;
  readonly #quantiles: readonly number[];
  readonly #decimals: number | undefined;
  readonly #relativeAccuracy: number;
  readonly #sketch: DDSketch;

  constructor(spec: AggregateSpec) {
    this.#quantiles = quantilesOf(spec);
    this.#decimals = spec.decimals;
    this.#relativeAccuracy = spec.relativeAccuracy ?? DEFAULT_RELATIVE_ACCURACY;
    if (!(this.#relativeAccuracy > 0 && this.#relativeAccuracy < 1)) throw new RangeError(`relativeAccuracy must be between 0 and 1, not ${spec.relativeAccuracy}`);
    this.#sketch = new DDSketch({ relativeAccuracy: this.#relativeAccuracy });
  }

  add(value: unknown): void {
    if (isNumber(value)) this.#sketch.accept(value);
    else if (value != null) this.skipped++;
  }

  merge(other: Accumulator): void {
    if (!(other instanceof SketchQuantilesAccumulator) || other.#relativeAccuracy !== this.#relativeAccuracy) throw mismatch('approximate quantiles', other);
    const from = other.#sketch;
    this.#absorb(binsOf(from.store), binsOf(from.negativeStore), from.zeroCount, from.sum, from.min, from.max);
    this.skipped += other.skipped;
  }

  #absorb(positive: readonly number[], negative: readonly number[], zeroCount: number, sum: number, min: number, max: number): void {
    const sketch = this.#sketch;
    addBins(sketch.store, positive);
    addBins(sketch.negativeStore, negative);
    sketch.zeroCount += zeroCount;
    sketch.count = sketch.store.count + sketch.negativeStore.count + sketch.zeroCount;
    sketch.sum += sum;
    sketch.min = Math.min(sketch.min, min);
    sketch.max = Math.max(sketch.max, max);
  }

  result(): Record<string, number | null> {
    const sketch = this.#sketch;
    if (sketch.count === 0) return output(this.#quantiles, null, this.#decimals);
    const valueAt = (q: number): number => {
      if (q === 0) return sketch.min;
      if (q === 1) return sketch.max;
      return Math.min(sketch.max, Math.max(sketch.min, sketch.getValueAtQuantile(q)));
    };
    return output(this.#quantiles, valueAt, this.#decimals);
  }

  toState(): unknown {
    const sketch = this.#sketch;
    return {
      kind: 'quantiles~',
      relativeAccuracy: this.#relativeAccuracy,
      positive: binsOf(sketch.store),
      negative: binsOf(sketch.negativeStore),
      zeroCount: sketch.zeroCount,
      sum: encodeFloat(sketch.sum),
      min: encodeFloat(sketch.min),
      max: encodeFloat(sketch.max),
      skipped: this.skipped,
    };
  }

  static fromState(spec: AggregateSpec, state: unknown): SketchQuantilesAccumulator {
    const s = stateOf(state, 'quantiles~');
    const restored = new SketchQuantilesAccumulator(spec);
    if (s.relativeAccuracy !== restored.#relativeAccuracy) {
      throw new Error(`aggregate state: DDSketch relativeAccuracy ${String(s.relativeAccuracy)}, the spec asks for ${restored.#relativeAccuracy}`);
    }
    restored.#absorb(
      checkBins(s.positive, 'positive'),
      checkBins(s.negative, 'negative'),
      stateCount(s.zeroCount, 'zeroCount'),
      decodeFloat(s.sum, 'sum'),
      decodeFloat(s.min, 'min'),
      decodeFloat(s.max, 'max'),
    );
    restored.skipped = stateCount(s.skipped, 'skipped');
    return restored;
  }
}
