import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';

/** Why a caller did not get a connection. */
export type WaitEnd = 'cancelled' | 'timeout' | 'queue_full' | 'closing';

export class PoolWaitError extends Error {
  readonly why: WaitEnd;

  constructor(why: WaitEnd) {
    super(why === 'closing' ? 'the store is closing' : `no read connection: ${why}`);
    this.name = 'PoolWaitError';
    this.why = why;
  }
}

interface Waiter {
  resolve: (connection: DuckDBConnection) => void;
  reject: (error: Error) => void;
}

export interface WaitLimits {
  /** Stop waiting when it aborts (the asker left). */
  signal?: AbortSignal;
  /** Stop waiting after this many ms. */
  maxWaitMs?: number;
}

/**
 * A fixed set of read connections; callers wait for a free one, in a queue of bounded length.
 * A caller that leaves or runs out of time stops waiting: under a storm of requests whose
 * clients have gone (a browser that searched at every keystroke), the queue would otherwise
 * keep the cores busy long after, answering no one.
 */
export class ConnectionPool {
  private readonly idle: DuckDBConnection[];
  private readonly all: DuckDBConnection[];
  private readonly waiting: Waiter[] = [];
  private busy = 0;
  private drained: (() => void) | undefined;
  private closing = false;
  private readonly maxWaiting: number;

  private constructor(connections: DuckDBConnection[], maxWaiting: number) {
    this.maxWaiting = maxWaiting;
    this.all = connections;
    this.idle = [...connections];
  }

  static async open(instance: DuckDBInstance, size: number, maxWaiting = 64): Promise<ConnectionPool> {
    const connections = await Promise.all(Array.from({ length: size }, () => instance.connect()));
    return new ConnectionPool(connections, maxWaiting);
  }

  /** Callers waiting for a connection now. */
  get queued(): number {
    return this.waiting.length;
  }

  async use<T>(work: (connection: DuckDBConnection) => Promise<T>, limits: WaitLimits = {}): Promise<T> {
    if (this.closing) throw new PoolWaitError('closing');
    if (limits.signal?.aborted) throw new PoolWaitError('cancelled');
    const connection = this.idle.pop() ?? (await this.wait(limits));
    this.busy++;
    try {
      return await work(connection);
    } finally {
      this.busy--;
      const next = this.closing ? undefined : this.waiting.shift();
      if (next) next.resolve(connection); else this.idle.push(connection);
      if (this.busy === 0) this.drained?.();
    }
  }

  private wait({ signal, maxWaitMs }: WaitLimits): Promise<DuckDBConnection> {
    if (this.waiting.length >= this.maxWaiting) return Promise.reject(new PoolWaitError('queue_full'));
    return new Promise<DuckDBConnection>((resolve, reject) => {
      const leave = (why: WaitEnd) => {
        const at = this.waiting.indexOf(waiter);
        if (at < 0) return;
        this.waiting.splice(at, 1);
        settle();
        reject(new PoolWaitError(why));
      };
      const onAbort = () => leave('cancelled');
      const timer = maxWaitMs === undefined ? undefined : setTimeout(() => leave('timeout'), Math.max(0, maxWaitMs)).unref();
      const settle = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      const waiter: Waiter = {
        resolve: (connection) => { settle(); resolve(connection); },
        reject: (error) => { settle(); reject(error); },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(waiter);
    });
  }

  /**
   * Stops the statements still running (a query whose sibling in a Promise.all failed keeps going)
   * and waits for them before closing: a statement on a closed connection never settles, and its
   * native work kept the process from exiting.
   */
  async close(): Promise<void> {
    this.closing = true;
    // callers still waiting for a connection are told, not left waiting forever
    for (const waiter of this.waiting.splice(0)) waiter.reject(new PoolWaitError('closing'));
    if (this.busy > 0) {
      const done = new Promise<void>((resolve) => { this.drained = resolve; });
      for (const connection of this.all) if (!this.idle.includes(connection)) connection.interrupt();
      await done;
    }
    for (const connection of this.all) connection.closeSync();
  }
}
