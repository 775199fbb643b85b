import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';

/** A fixed set of read connections; callers wait for a free one. */
export class ConnectionPool {
  private readonly idle: DuckDBConnection[];
  private readonly all: DuckDBConnection[];
  private readonly waiting: Array<(connection: DuckDBConnection) => void> = [];

  private constructor(connections: DuckDBConnection[]) {
    this.all = connections;
    this.idle = [...connections];
  }

  static async open(instance: DuckDBInstance, size: number): Promise<ConnectionPool> {
    const connections = await Promise.all(Array.from({ length: size }, () => instance.connect()));
    return new ConnectionPool(connections);
  }

  async use<T>(work: (connection: DuckDBConnection) => Promise<T>): Promise<T> {
    const connection = this.idle.pop() ?? (await new Promise<DuckDBConnection>((resolve) => this.waiting.push(resolve)));
    try {
      return await work(connection);
    } finally {
      const next = this.waiting.shift();
      if (next) next(connection); else this.idle.push(connection);
    }
  }

  async close(): Promise<void> {
    for (const connection of this.all) connection.closeSync();
  }
}
