// The keys dedup has seen, with when: a Map kept in first-seen order, so the oldest key is always
// first (expiry and eviction take from the front) and memory stays bounded by maxKeys.

export class SeenKeys {
  readonly #seenAt = new Map<string, number>();
  readonly #ttlMs: number;
  readonly #maxKeys: number;

  constructor(ttlMs: number, maxKeys: number) {
    this.#ttlMs = ttlMs;
    this.#maxKeys = maxKeys;
  }

  get size(): number {
    return this.#seenAt.size;
  }

  /**
   * True when the key was seen within the TTL before `now`; otherwise remembers it as seen at
   * `now`. A duplicate does not extend the TTL (as Sunbird's Redis SETEX on first sight).
   */
  seen(key: string, now: number): boolean {
    const at = this.#seenAt.get(key);
    if (at !== undefined && now - at < this.#ttlMs) return true;
    // Re-inserted at the end, so an expired key seen again becomes the newest.
    if (at !== undefined) this.#seenAt.delete(key);
    this.#seenAt.set(key, now);
    if (this.#seenAt.size > this.#maxKeys) this.#seenAt.delete(this.#seenAt.keys().next().value!);
    return false;
  }

  /** Forgets keys seen a TTL or more before `now`, oldest first. */
  expire(now: number): void {
    for (const [key, at] of this.#seenAt) {
      if (now - at < this.#ttlMs) break;
      this.#seenAt.delete(key);
    }
  }

  entries(): IterableIterator<[string, number]> {
    return this.#seenAt.entries();
  }
}
