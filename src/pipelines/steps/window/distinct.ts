// The window aggregates over value keys (see valueKey): distinct (an exact set, or a HyperLogLog
// when approximate) and distribution (a count per value, bounded by maxValues). undefined and null
// are absent values, neither counted nor skipped.
import type { Accumulator, AggregateSpec } from './aggregates.ts';
import { mismatch, stateCount, stateOf, valueKey } from './common.ts';
import { HyperLogLog } from './hyperloglog.ts';

export const OTHER_KEY = '(other)';
const DEFAULT_MAX_VALUES = 10_000;

export class ExactDistinctAccumulator implements Accumulator {
  skipped = 0;
  readonly #keys = new Set<string>();

  add(value: unknown): void {
    if (value == null) return;
    const key = valueKey(value);
    if (key === undefined) this.skipped++;
    else this.#keys.add(key);
  }

  merge(other: Accumulator): void {
    if (!(other instanceof ExactDistinctAccumulator)) throw mismatch('distinct', other);
    for (const key of other.#keys) this.#keys.add(key);
    this.skipped += other.skipped;
  }

  result(): number {
    return this.#keys.size;
  }

  toState(): unknown {
    return { kind: 'distinct', keys: [...this.#keys], skipped: this.skipped };
  }

  static fromState(state: unknown): ExactDistinctAccumulator {
    const s = stateOf(state, 'distinct');
    if (!Array.isArray(s.keys) || !s.keys.every((key) => typeof key === 'string')) throw new Error('aggregate state: distinct keys are not strings');
    const restored = new ExactDistinctAccumulator();
    for (const key of s.keys as string[]) restored.#keys.add(key);
    restored.skipped = stateCount(s.skipped, 'skipped');
    return restored;
  }
}

export class ApproximateDistinctAccumulator implements Accumulator {
  skipped = 0;
  #hll: HyperLogLog;

  constructor(spec: AggregateSpec) {
    this.#hll = new HyperLogLog(spec.precision);
  }

  add(value: unknown): void {
    if (value == null) return;
    const key = valueKey(value);
    if (key === undefined) this.skipped++;
    else this.#hll.addText(key);
  }

  merge(other: Accumulator): void {
    if (!(other instanceof ApproximateDistinctAccumulator)) throw mismatch('approximate distinct', other);
    this.#hll.merge(other.#hll);
    this.skipped += other.skipped;
  }

  result(): number {
    return Math.round(this.#hll.estimate());
  }

  /** The HyperLogLog's registers (read-only use: tests compare merged and single sketches). */
  get registers(): Uint8Array {
    return this.#hll.registers;
  }

  toState(): unknown {
    return { kind: 'distinct~', precision: this.#hll.precision, registers: this.#hll.toBase64(), skipped: this.skipped };
  }

  static fromState(spec: AggregateSpec, state: unknown): ApproximateDistinctAccumulator {
    const s = stateOf(state, 'distinct~');
    if (typeof s.registers !== 'string' || typeof s.precision !== 'number') throw new Error('aggregate state: HyperLogLog registers missing');
    if (s.precision !== (spec.precision ?? 14)) throw new Error(`aggregate state: HyperLogLog precision ${s.precision}, the spec asks for ${spec.precision ?? 14}`);
    const restored = new ApproximateDistinctAccumulator(spec);
    restored.#hll = HyperLogLog.fromBase64(s.precision, s.registers);
    restored.skipped = stateCount(s.skipped, 'skipped');
    return restored;
  }
}

/**
 * A count per value key. Past maxValues distinct keys, new keys are counted under "(other)"; which
 * keys made it in then depends on arrival (and merge) order.
 */
export class DistributionAccumulator implements Accumulator {
  skipped = 0;
  readonly #counts = new Map<string, number>();
  readonly #maxValues: number;
  #other = 0;

  constructor(spec: AggregateSpec) {
    this.#maxValues = spec.maxValues ?? DEFAULT_MAX_VALUES;
    if (!Number.isInteger(this.#maxValues) || this.#maxValues < 1) throw new RangeError(`distribution maxValues must be a positive integer, not ${spec.maxValues}`);
  }

  add(value: unknown): void {
    if (value == null) return;
    const key = valueKey(value);
    if (key === undefined) this.skipped++;
    else this.#count(key, 1);
  }

  #count(key: string, n: number): void {
    const counted = this.#counts.get(key);
    if (counted !== undefined) this.#counts.set(key, counted + n);
    else if (this.#counts.size < this.#maxValues) this.#counts.set(key, n);
    else this.#other += n;
  }

  merge(other: Accumulator): void {
    if (!(other instanceof DistributionAccumulator)) throw mismatch('distribution', other);
    for (const [key, n] of other.#counts) this.#count(key, n);
    this.#other += other.#other;
    this.skipped += other.skipped;
  }

  result(): Record<string, number> {
    const result = Object.fromEntries(this.#counts);
    if (this.#other > 0) result[OTHER_KEY] = (this.#counts.get(OTHER_KEY) ?? 0) + this.#other;
    return result;
  }

  toState(): unknown {
    return { kind: 'distribution', counts: [...this.#counts], other: this.#other, skipped: this.skipped };
  }

  static fromState(spec: AggregateSpec, state: unknown): DistributionAccumulator {
    const s = stateOf(state, 'distribution');
    if (!Array.isArray(s.counts)) throw new Error('aggregate state: distribution counts missing');
    const restored = new DistributionAccumulator(spec);
    for (const entry of s.counts as unknown[]) {
      if (!Array.isArray(entry) || typeof entry[0] !== 'string') throw new Error('aggregate state: distribution entry is not [value, count]');
      restored.#count(entry[0], stateCount(entry[1], 'distribution count'));
    }
    restored.#other = stateCount(s.other, 'other');
    restored.skipped = stateCount(s.skipped, 'skipped');
    return restored;
  }
}
