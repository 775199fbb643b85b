// Statements a writer runs again and again (a template's insert, the offsets row), prepared once
// per connection: preparing parses and plans the SQL, a few ms for a template's insert, which
// was a large share of a small write. A statement prepared before a column was added is prepared
// afresh: DuckDB would bind it again by itself, but on every run from then on, as it keeps the
// plan it made at prepare time (docs/performance.md, step 22).
import type { DuckDBConnection, DuckDBMaterializedResult, DuckDBPreparedStatement, DuckDBResultReader, DuckDBType, DuckDBValue } from '@duckdb/node-api';

/** Past this many, the least recently used statement is released. */
const MAX_PREPARED = 64;

export class PreparedStatements {
  private readonly connection: DuckDBConnection;
  private readonly statements = new Map<string, { prepared: Promise<DuckDBPreparedStatement>; schema: number }>();
  /** Changes the schema has had so far (ShapeRegistry.schemaChanges). */
  private readonly schemaChanges: () => number;

  constructor(connection: DuckDBConnection, schemaChanges: () => number) {
    this.connection = connection;
    this.schemaChanges = schemaChanges;
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
    const schema = this.schemaChanges();
    let entry = this.statements.get(sql);
    if (entry && entry.schema !== schema) {
      this.release(sql);
      entry = undefined;
    }
    if (entry) {
      // most recently used last
      this.statements.delete(sql);
    } else {
      const preparing = this.connection.prepare(sql);
      // a statement that does not prepare is tried afresh next time
      preparing.catch(() => { if (this.statements.get(sql)?.prepared === preparing) this.statements.delete(sql); });
      entry = { prepared: preparing, schema };
    }
    this.statements.set(sql, entry);
    if (this.statements.size > MAX_PREPARED) this.release(this.statements.keys().next().value!);
    return entry.prepared;
  }

  private release(sql: string): void {
    const entry = this.statements.get(sql);
    this.statements.delete(sql);
    entry?.prepared.then((statement) => statement.destroySync(), () => undefined);
  }
}
