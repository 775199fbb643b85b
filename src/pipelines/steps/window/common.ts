// Helpers shared by the window aggregates: output rounding, the key of a value for distinct and
// distribution, JSON-safe floats for checkpoints, and checks on restored state.

/** Number(x.toFixed(decimals)): rounds the exact binary value, half away from zero (1.005 → 1.00). */
export function roundTo(x: number, decimals: number | undefined): number {
  return decimals === undefined || !Number.isFinite(x) ? x : Number(x.toFixed(decimals));
}

/**
 * A value's key: strings as themselves, anything else as its JSON text (so 1 and "1" are the same
 * key). undefined for values without one (non-finite numbers, functions, unserializable objects).
 */
export function valueKey(value: unknown): string | undefined {
  switch (typeof value) {
    case 'string':
      return value;
    case 'number':
      return Number.isFinite(value) ? String(value) : undefined;
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      try {
        return JSON.stringify(value);
      } catch {
        return undefined;
      }
    default:
      return undefined;
  }
}

export function isNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

/** A float as JSON: finite numbers as they are, ±Infinity and NaN (a sum that overflowed) as text. */
export function encodeFloat(x: number): number | string {
  return Number.isFinite(x) ? x : String(x);
}

export function decodeFloat(x: unknown, what: string): number {
  if (typeof x === 'number') return x;
  if (x === 'Infinity' || x === '-Infinity' || x === 'NaN') return Number(x);
  throw new Error(`aggregate state: ${what} is not a number`);
}

export function stateCount(x: unknown, what: string): number {
  if (typeof x === 'number' && Number.isInteger(x) && x >= 0) return x;
  throw new Error(`aggregate state: ${what} is not a count`);
}

export type StateObject = Record<string, unknown>;

/** The state as an object tagged with the kind of accumulator expected, or an error. */
export function stateOf(state: unknown, kind: string): StateObject {
  if (typeof state !== 'object' || state === null || Array.isArray(state)) throw new Error(`aggregate state for ${kind} is not an object`);
  const tagged = state as StateObject;
  if (tagged.kind !== kind) throw new Error(`aggregate state is for ${String(tagged.kind)}, not ${kind} (the aggregate's spec changed?)`);
  return tagged;
}

export function mismatch(kind: string, other: object): Error {
  return new Error(`cannot merge a ${other.constructor.name} into a ${kind} accumulator`);
}

/** Sum with Neumaier compensation, so long runs of small floats (and merges) lose no precision. */
export class CompensatedSum {
  sum = 0;
  compensation = 0;

  add(x: number): void {
    const t = this.sum + x;
    if (Math.abs(this.sum) >= Math.abs(x)) this.compensation += this.sum - t + x;
    else this.compensation += x - t + this.sum;
    this.sum = t;
  }

  merge(other: CompensatedSum): void {
    this.add(other.sum);
    this.compensation += other.compensation;
  }

  value(): number {
    return Number.isFinite(this.sum) ? this.sum + this.compensation : this.sum;
  }

  toState(): [number | string, number | string] {
    return [encodeFloat(this.sum), encodeFloat(this.compensation)];
  }

  static fromState(state: unknown): CompensatedSum {
    if (!Array.isArray(state) || state.length !== 2) throw new Error('aggregate state: sum is not [sum, compensation]');
    const restored = new CompensatedSum();
    restored.sum = decodeFloat(state[0], 'sum');
    restored.compensation = decodeFloat(state[1], 'sum compensation');
    return restored;
  }
}
