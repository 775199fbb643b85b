// Kafka's default partitioner, bit-for-bit: a key lands on the same partition whether the
// embedded engine or a Kafka producer (Java client's Utils.murmur2 + toPositive) wrote it.

const SEED = 0x9747b28c;
const M = 0x5bd1e995;

/** Kafka's `Utils.murmur2`: returns the same signed 32-bit value the Java client does. */
export function murmur2(data: Uint8Array): number {
  const length = data.length;
  let h = (SEED ^ length) | 0;
  const length4 = length >>> 2;
  for (let i = 0; i < length4; i++) {
    const i4 = i * 4;
    let k = data[i4]! | (data[i4 + 1]! << 8) | (data[i4 + 2]! << 16) | (data[i4 + 3]! << 24);
    k = Math.imul(k, M);
    k ^= k >>> 24;
    k = Math.imul(k, M);
    h = Math.imul(h, M);
    h ^= k;
  }
  const tail = length & ~3;
  const remainder = length % 4;
  if (remainder === 3) h ^= data[tail + 2]! << 16;
  if (remainder >= 2) h ^= data[tail + 1]! << 8;
  if (remainder >= 1) {
    h ^= data[tail]!;
    h = Math.imul(h, M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

/** Kafka's `Utils.toPositive`: clears the sign bit (not Math.abs). */
export function toPositive(n: number): number {
  return n & 0x7fffffff;
}

export function keyBytes(key: string | Uint8Array): Uint8Array {
  return typeof key === 'string' ? Buffer.from(key, 'utf8') : key;
}

/** Partition of a keyed message, as Kafka's default partitioner computes it. */
export function partitionForKey(key: string | Uint8Array, numPartitions: number): number {
  return toPositive(murmur2(keyBytes(key))) % numPartitions;
}

/**
 * Spreads unkeyed messages: every produce call sticks to one partition (so it stays one batch)
 * and successive calls rotate over the partitions.
 */
export class StickyRoundRobin {
  #next = 0;

  nextPartition(numPartitions: number): number {
    const partition = this.#next % numPartitions;
    this.#next = (this.#next + 1) % 0x7fffffff;
    return partition;
  }
}
