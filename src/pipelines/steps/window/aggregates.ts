// The aggregate functions of the window step: one mergeable accumulator per aggregate, window and
// group key, fed one field value per record (50k+ records/s, so add() allocates nothing for
// strings and numbers), merged across hopping windows and restarts, checkpointed as JSON, and
// turned into an output field when the window closes. The accumulators live in numeric.ts,
// distinct.ts (with hyperloglog.ts) and quantiles.ts.
import { ApproximateDistinctAccumulator, DistributionAccumulator, ExactDistinctAccumulator } from './distinct.ts';
import { AvgAccumulator, CountAccumulator, ExtremeAccumulator, RateAccumulator, SumAccumulator } from './numeric.ts';
import { ExactQuantilesAccumulator, SketchQuantilesAccumulator } from './quantiles.ts';

export const AGGREGATE_FNS = ['count', 'sum', 'min', 'max', 'avg', 'rate', 'distinct', 'distribution', 'quantiles'] as const;
export type AggregateFn = (typeof AGGREGATE_FNS)[number];

export interface AggregateSpec {
  fn: AggregateFn;
  /** Output field name. */
  as: string;
  /**
   * The record field read (a dotted path is resolved by the caller; the accumulator receives the
   * value). Not needed for count. 'rate' counts records, or sums the field when given.
   */
  field?: string;
  /** distinct: HyperLogLog instead of an exact set; quantiles: a DDSketch instead of exact values. */
  approximate?: boolean;
  /** quantiles: which (default [0.5, 0.9, 0.99]); output { p50: v, p90: v, p99: v } (key 'p' + q*100, e.g. p99.9 for 0.999). */
  quantiles?: number[];
  /** Approximate quantiles: the DDSketch's relative accuracy (default 0.01). */
  relativeAccuracy?: number;
  /** Approximate distinct: HyperLogLog precision, 2^precision registers (default 14: 16384 registers, ~0.8% standard error). */
  precision?: number;
  /** rate: per this many seconds (default 1). */
  perSeconds?: number;
  /**
   * Decimal places of numeric outputs, as Number(x.toFixed(decimals)): the exact binary value is
   * rounded half away from zero, so 2.5 → 3 but 1.005 → 1 (it is 1.00499…). Unset: not rounded.
   */
  decimals?: number;
  /** distribution: at most this many distinct values are kept (default 10000); past that the rest is counted under "(other)". */
  maxValues?: number;
}

export interface Accumulator {
  /**
   * value: the field's value in one record (undefined when the record lacks it). count counts every
   * record; sum/min/max/avg/quantiles (and rate with a field) take finite numbers only; distinct and
   * distribution take any value, keyed by its JSON text for non-strings (strings as themselves, so
   * 1 and "1" are one value). undefined and null are absent: ignored, not counted in skipped.
   */
  add(value: unknown): void;
  /** Adds another accumulator of the same spec into this one (throws for a different kind). */
  merge(other: Accumulator): void;
  /**
   * The output value. windowSeconds: the window's length (for rate). Empty window: count 0, sum 0,
   * min/max/avg null, rate 0, distinct 0, distribution {}, quantiles with null values.
   */
  result(windowSeconds: number): unknown;
  /** JSON-safe state; restoreAccumulator(spec, toState()) gives identical result() and further behaviour. */
  toState(): unknown;
  /** Values ignored because they had the wrong type (e.g. a string for sum). */
  readonly skipped: number;
}

export function createAccumulator(spec: AggregateSpec): Accumulator {
  switch (spec.fn) {
    case 'count':
      return new CountAccumulator();
    case 'sum':
      return new SumAccumulator(spec);
    case 'min':
    case 'max':
      return new ExtremeAccumulator(spec, spec.fn);
    case 'avg':
      return new AvgAccumulator(spec);
    case 'rate':
      return new RateAccumulator(spec);
    case 'distinct':
      return spec.approximate ? new ApproximateDistinctAccumulator(spec) : new ExactDistinctAccumulator();
    case 'distribution':
      return new DistributionAccumulator(spec);
    case 'quantiles':
      return spec.approximate ? new SketchQuantilesAccumulator(spec) : new ExactQuantilesAccumulator(spec);
    default:
      throw new Error(`unknown aggregate function: ${String((spec as { fn: unknown }).fn)}`);
  }
}

/** The accumulator checkpointed as `state`; throws when the state is not one of this spec's kind. */
export function restoreAccumulator(spec: AggregateSpec, state: unknown): Accumulator {
  switch (spec.fn) {
    case 'count':
      return CountAccumulator.fromState(state);
    case 'sum':
      return SumAccumulator.fromState(spec, state);
    case 'min':
    case 'max':
      return ExtremeAccumulator.fromState(spec, spec.fn, state);
    case 'avg':
      return AvgAccumulator.fromState(spec, state);
    case 'rate':
      return RateAccumulator.fromState(spec, state);
    case 'distinct':
      return spec.approximate ? ApproximateDistinctAccumulator.fromState(spec, state) : ExactDistinctAccumulator.fromState(state);
    case 'distribution':
      return DistributionAccumulator.fromState(spec, state);
    case 'quantiles':
      return spec.approximate ? SketchQuantilesAccumulator.fromState(spec, state) : ExactQuantilesAccumulator.fromState(spec, state);
    default:
      throw new Error(`unknown aggregate function: ${String((spec as { fn: unknown }).fn)}`);
  }
}

/** JSON Schema of one AggregateSpec, for config validation. */
export const AGGREGATE_SPEC_SCHEMA: Record<string, unknown> = {
  type: 'object',
  description: 'One aggregate computed per window and group: its function, the field it reads and the output field it writes.',
  properties: {
    fn: { enum: [...AGGREGATE_FNS], description: 'The aggregate function.' },
    as: { type: 'string', minLength: 1, description: 'Output field name.' },
    field: { type: 'string', minLength: 1, description: 'The record field read (dotted path). Not needed for count; rate counts records without it, or sums it.' },
    approximate: {
      type: 'boolean',
      default: false,
      description: 'distinct: a HyperLogLog (~0.8% error, 16 KiB) instead of an exact set; quantiles: a DDSketch (1% relative error) instead of keeping every value.',
    },
    quantiles: {
      type: 'array',
      minItems: 1,
      items: { type: 'number', minimum: 0, maximum: 1 },
      default: [0.5, 0.9, 0.99],
      description: 'quantiles: which ones; output { p50, p90, p99 } (key p + q*100).',
    },
    relativeAccuracy: { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1, default: 0.01, description: 'Approximate quantiles: the DDSketch relative accuracy.' },
    precision: { type: 'integer', minimum: 4, maximum: 18, default: 14, description: 'Approximate distinct: HyperLogLog precision (2^precision registers).' },
    perSeconds: { type: 'number', exclusiveMinimum: 0, default: 1, description: 'rate: per this many seconds.' },
    decimals: { type: 'integer', minimum: 0, maximum: 20, description: 'Decimal places of numeric outputs: Number(x.toFixed(decimals)).' },
    maxValues: { type: 'integer', minimum: 1, default: 10000, description: 'distribution: distinct values kept at most; the rest are counted under "(other)".' },
  },
  required: ['fn', 'as'],
  additionalProperties: false,
  if: { properties: { fn: { not: { enum: ['count', 'rate'] } } } },
  then: { required: ['field'] },
};
