// HyperLogLog distinct counting (Flajolet et al. 2007) over a fast inline 64-bit hash of the
// value's text: 2^precision one-byte registers, mergeable by taking the max per register, with the
// improved estimator of Ertl (2017), which is linear counting for small cardinalities and avoids
// the raw estimate's bias around 2.5 × 2^precision. Written here rather than taken from
// a package because it is ~100 lines and the registers must serialize to our JSON checkpoints.

const MIN_PRECISION = 4;
const MAX_PRECISION = 18;

/** The low 32 bits of the last hash64() result (kept here so hashing allocates nothing). */
let hashLow = 0;

function rotl(x: number, r: number): number {
  return (x << r) | (x >>> (32 - r));
}

function fmix(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/**
 * A 64-bit hash of the string's UTF-16 code units, two per block, in two MurmurHash3-style lanes
 * with different seeds and constants, cross-mixed at the end. Returns the high 32 bits (unsigned);
 * the low 32 are left in `hashLow`.
 */
export function hash64(text: string): number {
  const n = text.length;
  let h1 = 0x9747b28c ^ n;
  let h2 = 0x5bd1e995 ^ n;
  let i = 0;
  for (; i + 1 < n; i += 2) {
    const block = text.charCodeAt(i) | (text.charCodeAt(i + 1) << 16);
    h1 ^= Math.imul(rotl(Math.imul(block, 0xcc9e2d51), 15), 0x1b873593);
    h1 = (Math.imul(rotl(h1, 13), 5) + 0xe6546b64) | 0;
    h2 ^= Math.imul(rotl(Math.imul(block, 0x9e3779b1), 17), 0x85ebca77);
    h2 = (Math.imul(rotl(h2, 15), 5) + 0x38495ab5) | 0;
  }
  if (i < n) {
    const block = text.charCodeAt(i);
    h1 ^= Math.imul(rotl(Math.imul(block, 0xcc9e2d51), 15), 0x1b873593);
    h2 ^= Math.imul(rotl(Math.imul(block, 0x9e3779b1), 17), 0x85ebca77);
  }
  h1 = (h1 + h2) | 0;
  h2 = (h2 + h1) | 0;
  h1 = fmix(h1);
  h2 = fmix(h2);
  h1 = (h1 + h2) | 0;
  h2 = (h2 + h1) | 0;
  hashLow = h2 >>> 0;
  return h1 >>> 0;
}

/** 1 / (2 ln 2): the bias constant of the estimator for large register counts. */
const ALPHA_INF = 0.5 / Math.LN2;

function sigma(x: number): number {
  if (x === 1) return Infinity;
  let y = 1;
  let z = x;
  for (let previous = NaN; previous !== z; y += y) {
    x *= x;
    previous = z;
    z += x * y;
  }
  return z;
}

function tau(x: number): number {
  if (x === 0 || x === 1) return 0;
  let y = 1;
  let z = 1 - x;
  for (let previous = NaN; previous !== z; ) {
    x = Math.sqrt(x);
    previous = z;
    y *= 0.5;
    z -= (1 - x) ** 2 * y;
  }
  return z / 3;
}

export class HyperLogLog {
  readonly precision: number;
  readonly registers: Uint8Array;

  constructor(precision = 14, registers?: Uint8Array) {
    if (!Number.isInteger(precision) || precision < MIN_PRECISION || precision > MAX_PRECISION) {
      throw new RangeError(`HyperLogLog precision must be an integer from ${MIN_PRECISION} to ${MAX_PRECISION}, not ${precision}`);
    }
    this.precision = precision;
    const m = 1 << precision;
    if (registers && registers.length !== m) throw new RangeError(`HyperLogLog of precision ${precision} needs ${m} registers, not ${registers.length}`);
    if (registers?.some((r) => r > 65 - precision)) throw new RangeError(`HyperLogLog register above ${65 - precision}`);
    this.registers = registers ?? new Uint8Array(m);
  }

  addText(text: string): void {
    const hi = hash64(text);
    const p = this.precision;
    const index = hi >>> (32 - p);
    const rest = hi << p;
    const rank = rest !== 0 ? Math.clz32(rest) + 1 : 32 - p + Math.clz32(hashLow) + 1;
    if (rank > this.registers[index]!) this.registers[index] = rank;
  }

  merge(other: HyperLogLog): void {
    if (other.precision !== this.precision) {
      throw new Error(`cannot merge HyperLogLogs of precision ${this.precision} and ${other.precision}`);
    }
    const mine = this.registers;
    const theirs = other.registers;
    for (let i = 0; i < mine.length; i++) if (theirs[i]! > mine[i]!) mine[i] = theirs[i]!;
  }

  /**
   * The estimated number of distinct texts added (not rounded): Ertl's improved estimator (as in
   * Redis), which needs no bias tables and reduces to linear counting when few registers are set.
   */
  estimate(): number {
    const m = this.registers.length;
    const q = 64 - this.precision;
    const histogram = new Float64Array(q + 2);
    for (const r of this.registers) histogram[r]!++;
    let z = m * tau((m - histogram[q + 1]!) / m);
    for (let k = q; k >= 1; k--) z = (z + histogram[k]!) * 0.5;
    z += m * sigma(histogram[0]! / m);
    return (ALPHA_INF * m * m) / z;
  }

  toBase64(): string {
    return Buffer.from(this.registers.buffer, this.registers.byteOffset, this.registers.byteLength).toString('base64');
  }

  static fromBase64(precision: number, text: string): HyperLogLog {
    const bytes = Buffer.from(text, 'base64');
    return new HyperLogLog(precision, new Uint8Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)));
  }
}
