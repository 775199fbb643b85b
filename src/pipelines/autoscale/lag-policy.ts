// How many workers a consumer group's backlog calls for, as seed 000 states it (more than 50K
// records waiting → 2 consumers, more than 100K → 3), never more than the group has partitions.
// Up at once, since a backlog only grows while it waits; down only once the backlog stayed low
// for the whole cool-down, so a backlog that drains and refills does not start and stop workers
// on every check.

export interface ScalingEvent {
  at: number;
  from: number;
  to: number;
  /** Records waiting when it was decided. */
  backlog: number;
  reason: string;
}

/** 1, plus one per threshold the backlog is over, capped at `max`. */
export function wantedWorkers(backlog: number, thresholds: readonly number[], max: number): number {
  const wanted = 1 + thresholds.filter((threshold) => backlog > threshold).length;
  return Math.max(1, Math.min(wanted, max));
}

export class LagPolicy {
  readonly #thresholds: readonly number[];
  readonly #cooldownMs: number;
  #lastChangeAt = -Infinity;
  /** Since when fewer workers would do, while that lasts. */
  #lowSince: number | null = null;

  constructor(thresholds: readonly number[], cooldownMs: number) {
    this.#thresholds = [...thresholds].sort((a, b) => a - b);
    this.#cooldownMs = cooldownMs;
  }

  /** The change the backlog calls for now, or null to keep `current` workers. */
  decide(backlog: number, current: number, max: number, now: number): ScalingEvent | null {
    const wanted = wantedWorkers(backlog, this.#thresholds, max);
    if (wanted >= current) this.#lowSince = null;
    if (wanted > current) return this.#change(now, current, wanted, backlog, `backlog ${backlog} is over ${this.#thresholds[wanted - 2] ?? 0}`);
    if (wanted === current) return null;
    this.#lowSince ??= now;
    if (now - this.#lowSince < this.#cooldownMs || now - this.#lastChangeAt < this.#cooldownMs) return null;
    const limit = this.#thresholds[wanted - 1];
    return this.#change(now, current, wanted, backlog, `backlog ${backlog} stayed at or under ${limit} for the cool-down of ${this.#cooldownMs / 1000} s`);
  }

  #change(now: number, from: number, to: number, backlog: number, reason: string): ScalingEvent {
    this.#lastChangeAt = now;
    this.#lowSince = null;
    return { at: now, from, to, backlog, reason };
  }
}
