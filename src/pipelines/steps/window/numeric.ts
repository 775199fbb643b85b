// The numeric window aggregates: count, sum, min, max, avg and rate. Each keeps O(1) state;
// sums use Neumaier compensation so merged and restored windows add up like a single pass.
import type { Accumulator, AggregateSpec } from './aggregates.ts';
import { CompensatedSum, isNumber, mismatch, roundTo, stateCount, stateOf } from './common.ts';

export class CountAccumulator implements Accumulator {
  readonly skipped = 0;
  #count = 0;

  add(): void {
    this.#count++;
  }

  merge(other: Accumulator): void {
    if (!(other instanceof CountAccumulator)) throw mismatch('count', other);
    this.#count += other.#count;
  }

  result(): number {
    return this.#count;
  }

  toState(): unknown {
    return { kind: 'count', count: this.#count };
  }

  static fromState(state: unknown): CountAccumulator {
    const restored = new CountAccumulator();
    restored.#count = stateCount(stateOf(state, 'count').count, 'count');
    return restored;
  }
}

export class SumAccumulator implements Accumulator {
  skipped = 0;
  #sum = new CompensatedSum();
  readonly #decimals: number | undefined;

  constructor(spec: AggregateSpec) {
    this.#decimals = spec.decimals;
  }

  add(value: unknown): void {
    if (isNumber(value)) this.#sum.add(value);
    else if (value != null) this.skipped++;
  }

  merge(other: Accumulator): void {
    if (!(other instanceof SumAccumulator)) throw mismatch('sum', other);
    this.#sum.merge(other.#sum);
    this.skipped += other.skipped;
  }

  result(): number {
    return roundTo(this.#sum.value(), this.#decimals);
  }

  toState(): unknown {
    return { kind: 'sum', sum: this.#sum.toState(), skipped: this.skipped };
  }

  static fromState(spec: AggregateSpec, state: unknown): SumAccumulator {
    const s = stateOf(state, 'sum');
    const restored = new SumAccumulator(spec);
    restored.#sum = CompensatedSum.fromState(s.sum);
    restored.skipped = stateCount(s.skipped, 'skipped');
    return restored;
  }
}

/** min or max: the smallest or largest number seen. */
export class ExtremeAccumulator implements Accumulator {
  skipped = 0;
  readonly #kind: 'min' | 'max';
  readonly #decimals: number | undefined;
  #value: number | null = null;

  constructor(spec: AggregateSpec, kind: 'min' | 'max') {
    this.#kind = kind;
    this.#decimals = spec.decimals;
  }

  add(value: unknown): void {
    if (isNumber(value)) this.#offer(value);
    else if (value != null) this.skipped++;
  }

  #offer(value: number): void {
    const current = this.#value;
    if (current === null || (this.#kind === 'max' ? value > current : value < current)) this.#value = value;
  }

  merge(other: Accumulator): void {
    if (!(other instanceof ExtremeAccumulator) || other.#kind !== this.#kind) throw mismatch(this.#kind, other);
    if (other.#value !== null) this.#offer(other.#value);
    this.skipped += other.skipped;
  }

  result(): number | null {
    return this.#value === null ? null : roundTo(this.#value, this.#decimals);
  }

  toState(): unknown {
    return { kind: this.#kind, value: this.#value, skipped: this.skipped };
  }

  static fromState(spec: AggregateSpec, kind: 'min' | 'max', state: unknown): ExtremeAccumulator {
    const s = stateOf(state, kind);
    if (s.value !== null && !isNumber(s.value)) throw new Error(`aggregate state: ${kind} value is not a number`);
    const restored = new ExtremeAccumulator(spec, kind);
    restored.#value = s.value;
    restored.skipped = stateCount(s.skipped, 'skipped');
    return restored;
  }
}

export class AvgAccumulator implements Accumulator {
  skipped = 0;
  #sum = new CompensatedSum();
  #count = 0;
  readonly #decimals: number | undefined;

  constructor(spec: AggregateSpec) {
    this.#decimals = spec.decimals;
  }

  add(value: unknown): void {
    if (isNumber(value)) {
      this.#sum.add(value);
      this.#count++;
    } else if (value != null) this.skipped++;
  }

  merge(other: Accumulator): void {
    if (!(other instanceof AvgAccumulator)) throw mismatch('avg', other);
    this.#sum.merge(other.#sum);
    this.#count += other.#count;
    this.skipped += other.skipped;
  }

  result(): number | null {
    return this.#count === 0 ? null : roundTo(this.#sum.value() / this.#count, this.#decimals);
  }

  toState(): unknown {
    return { kind: 'avg', sum: this.#sum.toState(), count: this.#count, skipped: this.skipped };
  }

  static fromState(spec: AggregateSpec, state: unknown): AvgAccumulator {
    const s = stateOf(state, 'avg');
    const restored = new AvgAccumulator(spec);
    restored.#sum = CompensatedSum.fromState(s.sum);
    restored.#count = stateCount(s.count, 'count');
    restored.skipped = stateCount(s.skipped, 'skipped');
    return restored;
  }
}

/** Records (or, with a field, the field's sum) per perSeconds seconds of the window. */
export class RateAccumulator implements Accumulator {
  skipped = 0;
  #total = new CompensatedSum();
  readonly #byField: boolean;
  readonly #perSeconds: number;
  readonly #decimals: number | undefined;

  constructor(spec: AggregateSpec) {
    this.#byField = spec.field !== undefined;
    this.#perSeconds = spec.perSeconds ?? 1;
    this.#decimals = spec.decimals;
    if (!(this.#perSeconds > 0)) throw new RangeError(`rate perSeconds must be positive, not ${spec.perSeconds}`);
  }

  add(value: unknown): void {
    if (!this.#byField) this.#total.add(1);
    else if (isNumber(value)) this.#total.add(value);
    else if (value != null) this.skipped++;
  }

  merge(other: Accumulator): void {
    if (!(other instanceof RateAccumulator)) throw mismatch('rate', other);
    this.#total.merge(other.#total);
    this.skipped += other.skipped;
  }

  result(windowSeconds: number): number {
    if (!(windowSeconds > 0)) throw new RangeError(`rate needs a positive window length, not ${windowSeconds}`);
    const total = this.#total.value();
    return total === 0 ? 0 : roundTo(total / (windowSeconds / this.#perSeconds), this.#decimals);
  }

  toState(): unknown {
    return { kind: 'rate', total: this.#total.toState(), skipped: this.skipped };
  }

  static fromState(spec: AggregateSpec, state: unknown): RateAccumulator {
    const s = stateOf(state, 'rate');
    const restored = new RateAccumulator(spec);
    restored.#total = CompensatedSum.fromState(s.total);
    restored.skipped = stateCount(s.skipped, 'skipped');
    return restored;
  }
}
