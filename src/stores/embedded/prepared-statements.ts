// Statements a writer runs again and again (a template's insert, the offsets row), prepared once
// per connection: preparing parses and plans the SQL, a few ms for a template's insert, which
// was a large share of a small write. DuckDB binds a prepared statement again by itself when a
// column was added since.
import type { DuckDBConnection, DuckDBMaterializedResult, DuckDBPreparedStatement, DuckDBResultReader, DuckDBType, DuckDBValue } from '@duckdb/node-api';

/** Past this many, the least recently used statement is released. */
const MAX_PREPARED = 64;

export class PreparedStatements {
  private readonly connection: DuckDBConnection;
  private readonly statements = new Map<string, Promise<DuckDBPreparedStatement>>();

  constructor(connection: DuckDBConnection) {
    this.connection = connection;
  }

  runAndReadAll(sql: string, values: DuckDBValue[], types?: DuckDBType[]): Promise<DuckDBResultReader> {
    return this.execute(sql, values, types, (prepared) => prepared.runAndReadAll());
  }

  /** The result as DuckDB's chunks, for reading a column's vector whole (no value converted one by one). */
  runChunks(sql: string, values: DuckDBValue[], types?: DuckDBType[]): Promise<DuckDBMaterializedResult> {
    return this.execute(sql, values, types, (prepared) => prepared.run());
  }

  private async execute<T>(sql: string, values: DuckDBValue[], types: DuckDBType[] | undefined, run: (prepared: DuckDBPreparedStatement) => Promise<T>): Promise<T> {
    const prepared = await this.get(sql);
    try {
      prepared.bind(values, types);
      return await run(prepared);
    } catch (error) {
      // a statement that failed is prepared afresh next time
      this.release(sql);
      throw error;
    }
  }

  private get(sql: string): Promise<DuckDBPreparedStatement> {
    let prepared = this.statements.get(sql);
    if (prepared) {
      // most recently used last
      this.statements.delete(sql);
    } else {
      const preparing = this.connection.prepare(sql);
      // a statement that does not prepare is tried afresh next time
      preparing.catch(() => { if (this.statements.get(sql) === preparing) this.statements.delete(sql); });
      prepared = preparing;
    }
    this.statements.set(sql, prepared);
    if (this.statements.size > MAX_PREPARED) this.release(this.statements.keys().next().value!);
    return prepared;
  }

  private release(sql: string): void {
    const prepared = this.statements.get(sql);
    this.statements.delete(sql);
    prepared?.then((statement) => statement.destroySync(), () => undefined);
  }
}
