// Where the Kafka engine reports the errors it rides out (a fetch, a commit, a broker gone).
// Such errors repeat for as long as their cause lasts (a down broker fails every fetch), so each
// kind is written at most once per interval, with a count of the ones held back.
import { describeError } from './errors.ts';

export interface KafkaLogger {
  warn(message: string): void;
  error(message: string, error?: unknown): void;
}

export const consoleLogger: KafkaLogger = {
  warn: (message) => console.warn(message),
  error: (message, error) => console.error(error === undefined ? message : `${message}: ${describeError(error)}`),
};

const DEFAULT_INTERVAL_MS = 30_000;

export class RateLimitedLogger {
  readonly #logger: KafkaLogger;
  readonly #intervalMs: number;
  readonly #now: () => number;
  readonly #kinds = new Map<string, { writtenAt: number; heldBack: number }>();

  constructor(logger: KafkaLogger, intervalMs = DEFAULT_INTERVAL_MS, now: () => number = Date.now) {
    this.#logger = logger;
    this.#intervalMs = intervalMs;
    this.#now = now;
  }

  /** kind: what failed, without the error text (e.g. 'fetch group g'); messages of one kind share the limit. */
  error(kind: string, message: string, error?: unknown): void {
    const heldBack = this.#admit(kind);
    if (heldBack !== null) this.#logger.error(message + heldBack, error);
  }

  warn(kind: string, message: string): void {
    const heldBack = this.#admit(kind);
    if (heldBack !== null) this.#logger.warn(message + heldBack);
  }

  /** null: hold this one back; else the note on the ones held back since the last ('' for none). */
  #admit(kind: string): string | null {
    const now = this.#now();
    const seen = this.#kinds.get(kind);
    if (seen && now - seen.writtenAt < this.#intervalMs) {
      seen.heldBack += 1;
      return null;
    }
    this.#kinds.set(kind, { writtenAt: now, heldBack: 0 });
    if (!seen || seen.heldBack === 0) return '';
    return ` (${seen.heldBack} more like it since the last report, ${Math.round((now - seen.writtenAt) / 1000)} s ago)`;
  }
}
