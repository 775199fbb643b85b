import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';

/** A fixed set of read connections; callers wait for a free one. */
export class ConnectionPool {
  private readonly idle: DuckDBConnection[];
  private readonly all: DuckDBConnection[];
  private readonly waiting: Array<{ resolve: (connection: DuckDBConnection) => void; reject: (error: Error) => void }> = [];
  private busy = 0;
  private drained: (() => void) | undefined;
  private closing = false;

  private constructor(connections: DuckDBConnection[]) {
    this.all = connections;
    this.idle = [...connections];
  }

  static async open(instance: DuckDBInstance, size: number): Promise<ConnectionPool> {
    const connections = await Promise.all(Array.from({ length: size }, () => instance.connect()));
    return new ConnectionPool(connections);
  }

  async use<T>(work: (connection: DuckDBConnection) => Promise<T>): Promise<T> {
    if (this.closing) throw new Error('the store is closing');
    const connection = this.idle.pop() ?? (await new Promise<DuckDBConnection>((resolve, reject) => this.waiting.push({ resolve, reject })));
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

  /**
   * Stops the statements still running (a query whose sibling in a Promise.all failed keeps going)
   * and waits for them before closing: a statement on a closed connection never settles, and its
   * native work kept the process from exiting.
   */
  async close(): Promise<void> {
    this.closing = true;
    // callers still waiting for a connection are told, not left waiting forever
    for (const waiter of this.waiting.splice(0)) waiter.reject(new Error('the store is closing'));
    if (this.busy > 0) {
      const done = new Promise<void>((resolve) => { this.drained = resolve; });
      for (const connection of this.all) if (!this.idle.includes(connection)) connection.interrupt();
      await done;
    }
    for (const connection of this.all) connection.closeSync();
  }
}
