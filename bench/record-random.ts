// A tiny, fast, seedable random source for the benchmark data generator.
//
// Each record gets its own stream, derived from (seed, index) alone, so record i is the same
// no matter how many records come before it or which process renders it. The stream is the
// splitmix32 idea: a Weyl sequence (state += golden ratio) passed through a 32-bit finalizer
// ("lowbias32", Chris Wellons' hash-prospector), which mixes well enough for benchmark data.

const GOLDEN_GAMMA = 0x9e3779b9;
const TWO_POW_32 = 4294967296;

/** 32-bit avalanche finalizer; returns an unsigned 32-bit integer. */
export function mix32(value: number): number {
  let x = value | 0;
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

export class RecordRandom {
  private state = 0;

  /** Positions this source at the start of record `index`'s stream for `seed`. */
  reset(seed: number, index: number): this {
    const low = index % TWO_POW_32;
    const high = Math.floor(index / TWO_POW_32);
    this.state = mix32(mix32(seed ^ 0x5bd1e995) ^ mix32(low + 0x632be5ab) ^ Math.imul(high, 0x27d4eb2f)) | 0;
    return this;
  }

  /** Unsigned 32-bit integer. */
  u32(): number {
    this.state = (this.state + GOLDEN_GAMMA) | 0;
    return mix32(this.state);
  }

  /** Integer in [0, n) for n ≤ 2^32 (modulo bias is negligible for the small n used here). */
  below(n: number): number {
    return this.u32() % n;
  }

  /** Float in [0, 1). */
  float(): number {
    return this.u32() / TWO_POW_32;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.u32() % items.length] as T;
  }
}
