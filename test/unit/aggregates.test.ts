// The window step's aggregates: each function against a brute-force answer computed here, empty
// windows, merge equal to one accumulator fed everything, checkpoint round trips through JSON,
// skipped values, quantile keys, and the error bounds of DDSketch and HyperLogLog.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Ajv } from 'ajv';
import {
  AGGREGATE_FNS,
  AGGREGATE_SPEC_SCHEMA,
  createAccumulator,
  restoreAccumulator,
  type Accumulator,
  type AggregateSpec,
} from '../../src/pipelines/steps/window/aggregates.ts';
import { ApproximateDistinctAccumulator } from '../../src/pipelines/steps/window/distinct.ts';

const WINDOW_SECONDS = 60;

function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function lognormal(next: () => number, count: number): number[] {
  return Array.from({ length: count }, () => Math.exp(1 + 1.5 * Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next())));
}

function fed(spec: AggregateSpec, values: readonly unknown[]): Accumulator {
  const accumulator = createAccumulator(spec);
  for (const value of values) accumulator.add(value);
  return accumulator;
}

function roundTrip(accumulator: Accumulator, spec: AggregateSpec): Accumulator {
  return restoreAccumulator(spec, JSON.parse(JSON.stringify(accumulator.toState())));
}

function numbersOf(values: readonly unknown[]): number[] {
  return values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
}

/** Sorted ascending, then linear interpolation between ranks floor and ceil of (n-1)*q. */
function bruteQuantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const h = (sorted.length - 1) * q;
  const i = Math.floor(h);
  return i + 1 < sorted.length ? sorted[i]! + (h - i) * (sorted[i + 1]! - sorted[i]!) : sorted[i]!;
}

function keyOf(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** Integers (exact sums in any order), numeric strings, wrong types and absent values. */
function mixedValues(count: number, seed: number): unknown[] {
  const next = random(seed);
  return Array.from({ length: count }, (_, i) => {
    if (i % 17 === 0) return 'oops';
    if (i % 23 === 0) return undefined;
    if (i % 29 === 0) return null;
    if (i % 31 === 0) return { code: i % 3 };
    return Math.floor(next() * 2000) - 500;
  });
}

const SPECS: AggregateSpec[] = [
  { fn: 'count', as: 'n' },
  { fn: 'sum', as: 'total', field: 'x' },
  { fn: 'min', as: 'lo', field: 'x' },
  { fn: 'max', as: 'hi', field: 'x' },
  { fn: 'avg', as: 'mean', field: 'x' },
  { fn: 'rate', as: 'per_s' },
  { fn: 'rate', as: 'x_per_min', field: 'x', perSeconds: 60 },
  { fn: 'distinct', as: 'uniq', field: 'x' },
  { fn: 'distinct', as: 'uniq', field: 'x', approximate: true },
  { fn: 'distribution', as: 'dist', field: 'x' },
  { fn: 'quantiles', as: 'q', field: 'x', quantiles: [0, 0.25, 0.5, 0.9, 0.999, 1] },
  { fn: 'quantiles', as: 'q', field: 'x', approximate: true },
];

describe('aggregates on known input', () => {
  const values = mixedValues(5000, 1);
  const numbers = numbersOf(values);

  it('count counts every record, the field present or not', () => {
    assert.equal(fed({ fn: 'count', as: 'n' }, values).result(WINDOW_SECONDS), values.length);
  });

  it('sum, min, max and avg take the numbers only', () => {
    const total = numbers.reduce((a, b) => a + b, 0);
    assert.equal(fed({ fn: 'sum', as: 's', field: 'x' }, values).result(WINDOW_SECONDS), total);
    assert.equal(fed({ fn: 'min', as: 's', field: 'x' }, values).result(WINDOW_SECONDS), Math.min(...numbers));
    assert.equal(fed({ fn: 'max', as: 's', field: 'x' }, values).result(WINDOW_SECONDS), Math.max(...numbers));
    assert.equal(fed({ fn: 'avg', as: 's', field: 'x' }, values).result(WINDOW_SECONDS), total / numbers.length);
  });

  it('sum is compensated: ten times 0.1 is 1', () => {
    assert.notEqual(Array(10).fill(0.1).reduce((a, b) => a + b, 0), 1);
    assert.equal(fed({ fn: 'sum', as: 's', field: 'x' }, Array(10).fill(0.1)).result(WINDOW_SECONDS), 1);
  });

  it('rate counts records, or sums the field, per perSeconds of the window', () => {
    assert.equal(fed({ fn: 'rate', as: 'r' }, values).result(WINDOW_SECONDS), values.length / 60);
    assert.equal(fed({ fn: 'rate', as: 'r', perSeconds: 60 }, values).result(WINDOW_SECONDS), values.length);
    const total = numbers.reduce((a, b) => a + b, 0);
    assert.equal(fed({ fn: 'rate', as: 'r', field: 'x', perSeconds: 10 }, values).result(WINDOW_SECONDS), total / 6);
    assert.throws(() => fed({ fn: 'rate', as: 'r' }, [1]).result(0), RangeError);
  });

  it('distinct counts value keys: strings as themselves, the rest as JSON (1 and "1" are one value)', () => {
    const input = [...values, 1, '1', 'a', 'a', true, 'true', { b: [1, 2] }, { b: [1, 2] }];
    const expected = new Set(input.filter((v) => v != null).map(keyOf)).size;
    assert.equal(fed({ fn: 'distinct', as: 'd', field: 'x' }, input).result(WINDOW_SECONDS), expected);
    assert.equal(fed({ fn: 'distinct', as: 'd', field: 'x' }, ['x', 1, '1', true, 'true']).result(WINDOW_SECONDS), 3);
  });

  it('distribution counts each value key', () => {
    const expected: Record<string, number> = {};
    for (const v of values) if (v != null) expected[keyOf(v)] = (expected[keyOf(v)] ?? 0) + 1;
    assert.deepEqual(fed({ fn: 'distribution', as: 'd', field: 'x' }, values).result(WINDOW_SECONDS), expected);
  });

  it('distribution keeps maxValues values and counts the rest under "(other)"', () => {
    const input = ['a', 'b', 'a', 'c', 'd', 'e', 'd', 'b', 'a'];
    assert.deepEqual(fed({ fn: 'distribution', as: 'd', field: 'x', maxValues: 3 }, input).result(WINDOW_SECONDS), { a: 3, b: 2, c: 1, '(other)': 3 });
    const prototypeKey = fed({ fn: 'distribution', as: 'd', field: 'x' }, ['__proto__']).result(WINDOW_SECONDS) as Record<string, number>;
    assert.deepEqual(Object.keys(prototypeKey), ['__proto__']);
  });

  it('exact quantiles interpolate between closest ranks at (n-1)*q', () => {
    const result = fed({ fn: 'quantiles', as: 'q', field: 'x', quantiles: [0, 0.25, 0.5, 0.9, 1] }, [40, 10, 'x', 50, 30, 20]).result(WINDOW_SECONDS);
    assert.deepEqual(result, { p0: 10, p25: 20, p50: 30, p90: 46, p100: 50 });
    assert.deepEqual(fed({ fn: 'quantiles', as: 'q', field: 'x', quantiles: [0.5, 0.9] }, [1, 2, 3, 4]).result(WINDOW_SECONDS), { p50: 2.5, p90: 3.7 });
    const quantiles = [0.01, 0.33, 0.5, 0.9, 0.99, 0.999];
    const expected = Object.fromEntries(quantiles.map((q) => [`p${+(q * 100).toFixed(6)}`, bruteQuantile(numbers, q)]));
    assert.deepEqual(fed({ fn: 'quantiles', as: 'q', field: 'x', quantiles }, values).result(WINDOW_SECONDS), expected);
  });

  it('names quantile keys p + q*100 without float noise', () => {
    const result = fed({ fn: 'quantiles', as: 'q', field: 'x', quantiles: [0.5, 0.99, 0.999, 0.29, 0.07, 0, 1] }, [1]).result(WINDOW_SECONDS);
    assert.deepEqual(Object.keys(result as object), ['p50', 'p99', 'p99.9', 'p29', 'p7', 'p0', 'p100']);
    assert.deepEqual(Object.keys(fed({ fn: 'quantiles', as: 'q', field: 'x', approximate: true }, [1]).result(WINDOW_SECONDS) as object), ['p50', 'p90', 'p99']);
  });

  it('rounds numeric outputs to decimals as Number(x.toFixed(decimals))', () => {
    assert.equal(fed({ fn: 'avg', as: 'a', field: 'x', decimals: 2 }, [1, 2, 2]).result(WINDOW_SECONDS), 1.67);
    assert.equal(fed({ fn: 'sum', as: 'a', field: 'x', decimals: 0 }, [2.5]).result(WINDOW_SECONDS), 3);
    assert.equal(fed({ fn: 'sum', as: 'a', field: 'x', decimals: 0 }, [-2.5]).result(WINDOW_SECONDS), -3);
    assert.equal(fed({ fn: 'max', as: 'a', field: 'x', decimals: 2 }, [1.005]).result(WINDOW_SECONDS), 1);
    assert.equal(fed({ fn: 'rate', as: 'a', decimals: 3 }, [1, 2]).result(7), 0.286);
    assert.deepEqual(fed({ fn: 'quantiles', as: 'a', field: 'x', quantiles: [0.5], decimals: 1 }, [1, 2.26]).result(WINDOW_SECONDS), { p50: 1.6 });
  });
});

describe('empty window', () => {
  const expected: Record<string, unknown> = {
    count: 0,
    sum: 0,
    min: null,
    max: null,
    avg: null,
    rate: 0,
    distinct: 0,
    distribution: {},
  };
  for (const spec of SPECS) {
    it(`${spec.fn}${spec.approximate ? ' (approximate)' : ''}`, () => {
      const empty = createAccumulator(spec);
      const want = spec.fn === 'quantiles' ? Object.fromEntries((spec.quantiles ?? [0.5, 0.9, 0.99]).map((q) => [`p${+(q * 100).toFixed(6)}`, null])) : expected[spec.fn];
      assert.deepEqual(empty.result(WINDOW_SECONDS), want);
      assert.deepEqual(roundTrip(empty, spec).result(WINDOW_SECONDS), want);
      assert.equal(empty.skipped, 0);
    });
  }
});

describe('skipped', () => {
  const wrong = ['12', 'abc', true, { n: 1 }, [1], NaN, Infinity];
  for (const fn of ['sum', 'min', 'max', 'avg', 'quantiles'] as const) {
    it(`${fn} skips non-numbers (not absent values) and keeps going`, () => {
      for (const approximate of fn === 'quantiles' ? [false, true] : [false]) {
        const spec: AggregateSpec = { fn, as: 'o', field: 'x', approximate, quantiles: [0.5] };
        const accumulator = fed(spec, [5, ...wrong, undefined, null, 5]);
        assert.equal(accumulator.skipped, wrong.length);
        const result = accumulator.result(WINDOW_SECONDS);
        assert.deepEqual(result, { sum: 10, min: 5, max: 5, avg: 5, quantiles: { p50: 5 } }[fn]);
        const merged = fed(spec, ['x']);
        merged.merge(accumulator);
        assert.equal(merged.skipped, wrong.length + 1);
        assert.equal(roundTrip(merged, spec).skipped, wrong.length + 1);
      }
    });
  }

  it('rate skips non-numbers only when summing a field; count never skips', () => {
    assert.equal(fed({ fn: 'rate', as: 'r', field: 'x' }, [1, 'a', null]).skipped, 1);
    assert.equal(fed({ fn: 'rate', as: 'r' }, [1, 'a', null]).skipped, 0);
    assert.equal(fed({ fn: 'count', as: 'r' }, [1, 'a', null]).skipped, 0);
  });

  it('distinct and distribution skip only values without a JSON text', () => {
    for (const spec of [{ fn: 'distinct', approximate: true }, { fn: 'distinct' }, { fn: 'distribution' }] as const) {
      const full: AggregateSpec = { ...spec, as: 'd', field: 'x' };
      const accumulator = fed(full, ['a', 1, NaN, () => 1, Symbol('s'), null, undefined]);
      assert.equal(accumulator.skipped, 3, spec.fn);
      assert.equal(roundTrip(accumulator, full).skipped, 3, spec.fn);
      assert.equal(spec.fn === 'distribution' ? Object.keys(accumulator.result(1) as object).length : accumulator.result(1), 2);
    }
  });
});

describe('merge equals one accumulator fed everything', () => {
  const values = mixedValues(30_000, 2);
  const next = random(3);
  const parts: unknown[][] = [[], [], [], []];
  for (const value of values) parts[Math.floor(next() * 3)]!.push(value);
  for (const spec of SPECS) {
    it(`${spec.fn}${spec.approximate ? ' (approximate)' : ''}${spec.field ? '' : ' without field'}`, () => {
      const single = fed(spec, values);
      const merged = fed(spec, parts[0]!);
      for (const part of parts.slice(1)) merged.merge(fed(spec, part));
      assert.deepEqual(merged.result(WINDOW_SECONDS), single.result(WINDOW_SECONDS));
      assert.equal(merged.skipped, single.skipped);
      const into = createAccumulator(spec);
      into.merge(single);
      assert.deepEqual(into.result(WINDOW_SECONDS), single.result(WINDOW_SECONDS));
    });
  }

  it('merged HyperLogLog registers equal the single one', () => {
    const spec: AggregateSpec = { fn: 'distinct', as: 'd', field: 'x', approximate: true };
    const keys = Array.from({ length: 50_000 }, (_, i) => `host-${i}`);
    const single = fed(spec, keys) as ApproximateDistinctAccumulator;
    const merged = fed(spec, keys.slice(0, 20_000)) as ApproximateDistinctAccumulator;
    merged.merge(fed(spec, keys.slice(15_000)));
    assert.deepEqual(merged.registers, single.registers);
    assert.ok(single.registers.some((r) => r > 0));
  });

  it('DDSketch merge keeps negative values (the library merge drops them, sketches-js#22)', () => {
    const spec: AggregateSpec = { fn: 'quantiles', as: 'q', field: 'x', approximate: true, quantiles: [0, 0.25, 0.5, 0.75, 1] };
    const a = fed(spec, [-100, -50, 1, 2]);
    a.merge(fed(spec, [-200, -150, 0, 300]));
    assert.deepEqual(a.result(1), fed(spec, [-100, -50, 1, 2, -200, -150, 0, 300]).result(1));
    const result = a.result(1) as Record<string, number>;
    assert.equal(result.p0, -200);
    assert.equal(result.p100, 300);
    assert.ok(Math.abs(result.p25! + 150) <= 1.5, String(result.p25));
  });

  it('DDSketch merge across stores whose highest key is 0 (values near 1)', () => {
    const spec: AggregateSpec = { fn: 'quantiles', as: 'q', field: 'x', approximate: true, quantiles: [0.5, 1] };
    const small = fed(spec, [0.001, 0.002, 0.5]);
    small.merge(fed(spec, [0.01, 1, 1]));
    assert.deepEqual(small.result(1), fed(spec, [0.001, 0.002, 0.5, 0.01, 1, 1]).result(1));
  });

  it('refuses to merge a different kind of accumulator', () => {
    assert.throws(() => createAccumulator({ fn: 'sum', as: 's', field: 'x' }).merge(createAccumulator({ fn: 'avg', as: 's', field: 'x' })));
    assert.throws(() => createAccumulator({ fn: 'min', as: 's', field: 'x' }).merge(createAccumulator({ fn: 'max', as: 's', field: 'x' })));
    assert.throws(() =>
      createAccumulator({ fn: 'quantiles', as: 'q', field: 'x', approximate: true }).merge(createAccumulator({ fn: 'quantiles', as: 'q', field: 'x', approximate: true, relativeAccuracy: 0.02 })),
    );
  });
});

describe('toState / restoreAccumulator through JSON', () => {
  const values = mixedValues(10_000, 4);
  const more = mixedValues(3000, 5);
  for (const spec of SPECS) {
    it(`${spec.fn}${spec.approximate ? ' (approximate)' : ''}: same result, and keeps accumulating`, () => {
      const original = fed(spec, values);
      const restored = roundTrip(original, spec);
      assert.deepEqual(restored.result(WINDOW_SECONDS), original.result(WINDOW_SECONDS));
      assert.equal(restored.skipped, original.skipped);
      for (const value of more) {
        original.add(value);
        restored.add(value);
      }
      assert.deepEqual(restored.result(WINDOW_SECONDS), original.result(WINDOW_SECONDS));
      assert.deepEqual(restored.result(WINDOW_SECONDS), fed(spec, [...values, ...more]).result(WINDOW_SECONDS));
      assert.deepEqual(roundTrip(restored, spec).toState(), original.toState());
    });
  }

  it('keeps an overflowed sum and the empty DDSketch min/max', () => {
    const spec: AggregateSpec = { fn: 'sum', as: 's', field: 'x' };
    assert.equal(roundTrip(fed(spec, [Number.MAX_VALUE, Number.MAX_VALUE]), spec).result(1), Infinity);
    const sketch: AggregateSpec = { fn: 'quantiles', as: 'q', field: 'x', approximate: true, quantiles: [0, 1] };
    const restored = roundTrip(createAccumulator(sketch), sketch);
    restored.add(7);
    assert.deepEqual(restored.result(1), { p0: 7, p100: 7 });
  });

  it('refuses state of another kind or configuration', () => {
    const sum = createAccumulator({ fn: 'sum', as: 's', field: 'x' }).toState();
    assert.throws(() => restoreAccumulator({ fn: 'avg', as: 's', field: 'x' }, sum), /sum, not avg/);
    const exact = createAccumulator({ fn: 'distinct', as: 'd', field: 'x' }).toState();
    assert.throws(() => restoreAccumulator({ fn: 'distinct', as: 'd', field: 'x', approximate: true }, exact));
    const hll = createAccumulator({ fn: 'distinct', as: 'd', field: 'x', approximate: true }).toState();
    assert.throws(() => restoreAccumulator({ fn: 'distinct', as: 'd', field: 'x', approximate: true, precision: 12 }, hll), /precision/);
    assert.throws(() => restoreAccumulator({ fn: 'count', as: 'n' }, null));
    assert.throws(() => restoreAccumulator({ fn: 'count', as: 'n' }, { kind: 'count', count: -1 }));
  });
});

describe('DDSketch accuracy', () => {
  const values = lognormal(random(6), 100_000);
  const sorted = [...values].sort((a, b) => a - b);
  const quantiles = [0.001, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 0.999];

  for (const relativeAccuracy of [undefined, 0.05]) {
    it(`within relativeAccuracy ${relativeAccuracy ?? 0.01} of the value at rank (n-1)*q on 100k lognormal values`, () => {
      const alpha = relativeAccuracy ?? 0.01;
      const spec: AggregateSpec = { fn: 'quantiles', as: 'q', field: 'x', approximate: true, quantiles, relativeAccuracy };
      const result = roundTrip(fed(spec, values), spec).result(WINDOW_SECONDS) as Record<string, number>;
      let worst = 0;
      for (const q of quantiles) {
        const exact = sorted[Math.floor(q * (values.length - 1))]!;
        const error = Math.abs(result[`p${+(q * 100).toFixed(6)}`]! - exact) / exact;
        assert.ok(error <= alpha * (1 + 1e-9), `p${q * 100}: ${result[`p${q * 100}`]} vs ${exact}`);
        worst = Math.max(worst, error);
      }
      assert.ok(worst > alpha / 100, 'a sketch, not exact values');
    });
  }

  it('negative and zero values too', () => {
    const next = random(7);
    const mixed = values.slice(0, 20_000).map((v, i) => (i % 10 === 0 ? 0 : next() < 0.4 ? -v : v));
    const spec: AggregateSpec = { fn: 'quantiles', as: 'q', field: 'x', approximate: true, quantiles };
    const merged = fed(spec, mixed.slice(0, 7000));
    merged.merge(fed(spec, mixed.slice(7000)));
    const result = merged.result(WINDOW_SECONDS) as Record<string, number>;
    const ascending = [...mixed].sort((a, b) => a - b);
    for (const q of quantiles) {
      const exact = ascending[Math.floor(q * (mixed.length - 1))]!;
      const got = result[`p${+(q * 100).toFixed(6)}`]!;
      assert.ok(Math.abs(got - exact) <= 0.01 * Math.abs(exact) + 1e-12, `p${q * 100}: ${got} vs ${exact}`);
    }
  });
});

describe('HyperLogLog error', () => {
  const spec: AggregateSpec = { fn: 'distinct', as: 'd', field: 'x', approximate: true };

  function relativeError(count: number, prefix: string): number {
    const accumulator = createAccumulator(spec);
    for (let i = 0; i < count; i++) {
      accumulator.add(`${prefix}-${i}`);
      if (i % 3 === 0) accumulator.add(`${prefix}-${i >> 1}`);
    }
    return Math.abs((accumulator.result(1) as number) - count) / count;
  }

  // The standard error at precision 14 is 1.04/128 ≈ 0.8%, so single runs are bounded at about
  // 2.5σ and the mean over several inputs at 1%.
  function errors(count: number): number[] {
    return ['user', 'session', 'ip', 'a', 'b', 'c', 'd', 'e'].map((prefix) => relativeError(count, prefix));
  }

  function mean(values: number[]): number {
    return values.reduce((a, b) => a + b, 0) / values.length;
  }

  it('within 2% on 100k distinct values', () => {
    const found = errors(100_000);
    assert.ok(Math.max(...found) <= 0.02, String(found));
    assert.ok(mean(found) <= 0.01, String(found));
  });

  it("within 2% in the raw estimator's weak range (about 2.5 × 16384)", () => {
    const found = errors(40_000);
    assert.ok(Math.max(...found) <= 0.02, String(found));
    assert.ok(mean(found) <= 0.01, String(found));
  });

  it('within 1% at 1000 on average, and exact on small counts', () => {
    const found = errors(1000);
    assert.ok(mean(found) <= 0.01, String(found));
    assert.ok(Math.max(...found) <= 0.02, String(found));
    for (const count of [0, 1, 2, 10, 50]) assert.equal(fed(spec, Array.from({ length: count }, (_, i) => i)).result(1), count);
  });

  it('counts numbers and their JSON text as one value, like the exact set', () => {
    assert.equal(fed(spec, [1, '1', 2, '2', { a: 1 }, '{"a":1}']).result(1), 3);
  });
});

describe('AGGREGATE_SPEC_SCHEMA', () => {
  const validate = new Ajv({ allErrors: true, strict: false }).compile(AGGREGATE_SPEC_SCHEMA);

  it('accepts every function with its options', () => {
    for (const spec of SPECS) assert.ok(validate(spec), JSON.stringify(validate.errors));
    assert.ok(validate({ fn: 'distribution', as: 'd', field: 'level', maxValues: 100, decimals: 2 }));
    assert.deepEqual([...(AGGREGATE_SPEC_SCHEMA.properties as { fn: { enum: string[] } }).fn.enum], [...AGGREGATE_FNS]);
  });

  it('rejects bad specs', () => {
    for (const bad of [
      { fn: 'median', as: 'm', field: 'x' },
      { fn: 'sum', as: 's' },
      { fn: 'count' },
      { fn: 'count', as: 'n', colour: 'red' },
      { fn: 'quantiles', as: 'q', field: 'x', quantiles: [1.5] },
      { fn: 'quantiles', as: 'q', field: 'x', quantiles: [] },
      { fn: 'rate', as: 'r', perSeconds: 0 },
      { fn: 'sum', as: 's', field: 'x', decimals: 1.5 },
      { fn: 'distribution', as: 'd', field: 'x', maxValues: 0 },
    ]) {
      assert.equal(validate(bad), false, JSON.stringify(bad));
    }
  });

  it('createAccumulator refuses what the schema would', () => {
    assert.throws(() => createAccumulator({ fn: 'median' } as unknown as AggregateSpec), /unknown aggregate/);
    assert.throws(() => createAccumulator({ fn: 'quantiles', as: 'q', field: 'x', quantiles: [2] }), RangeError);
    assert.throws(() => createAccumulator({ fn: 'distinct', as: 'q', field: 'x', approximate: true, precision: 30 }), RangeError);
  });
});
