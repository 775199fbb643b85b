// Time-ordered storage in two levels. Writes land in `records_recent` in arrival order, which for
// logs is only roughly time order. Once it holds a run's worth of rows, they move to
// `records_sorted` ordered by ts, in one transaction on a connection of their own, so the writer
// keeps committing meanwhile: rows it adds after the move began are not visible to the move, so
// they are neither copied nor deleted. In a sorted run, the rows of any time window are together:
// row-group zone maps skip the rest, and a newest-first page reads a few vectors per run. The move
// also counts the run's rows per minute (minute-counts.ts).
//
// When writes pause, the recent rows move even short of a run (but not fewer than a fifth of one,
// so a trickle of writes does not make a run each): an idle store answers from runs alone.
//
// A move's COMMIT runs with no read statement in progress (`commitAlone`). DuckDB 1.5 does not
// publish it cleanly to statements running beside it: they, and some begun just after it, read
// the moved rows in records_sorted and still in records_recent, and a search listed them twice
// (scripts/duckdb-move-repro.ts; docs/decisions.md, "Moving rows between tables").
import type { DuckDBConnection } from '@duckdb/node-api';
import { countMinutesSql } from './minute-counts.ts';

/** Rows per sorted run: 500k sort in ~1 s of one core and ~125 MB of DuckDB memory. */
export const DEFAULT_RUN_ROWS = 500_000;

type CommitAlone = (commit: () => Promise<unknown>) => Promise<unknown>;

export class SortedRuns {
  private readonly connection: DuckDBConnection;
  private readonly commitAlone: CommitAlone;
  private readonly runRows: number;
  private readonly idleRunRows: number;
  private recent: number;
  /** After a failed move, the next waits until this many rows are recent (a run later). */
  private retryAt = 0;
  private moving: Promise<void> | undefined;

  private constructor(connection: DuckDBConnection, recentRows: number, runRows: number, commitAlone: CommitAlone) {
    this.connection = connection;
    this.commitAlone = commitAlone;
    this.recent = recentRows;
    this.runRows = runRows;
    this.idleRunRows = Math.ceil(runRows / 5);
  }

  static async open(connection: DuckDBConnection, runRows: number, commitAlone: CommitAlone): Promise<SortedRuns> {
    const rows = await connection.runAndReadAll('SELECT count(*) FROM records_recent');
    return new SortedRuns(connection, Number(rows.getRows()[0]![0]), runRows, commitAlone);
  }

  /** Rows in the recent table, once committed writes are counted (`added`). */
  get recentRows(): number {
    return this.recent;
  }

  /** Called after each committed write; starts a move when a run is due and none is running. */
  added(rows: number): void {
    this.recent += rows;
    if (this.recent >= this.runRows) this.startMove();
  }

  /** Called when writes pause: moves what is recent if it is worth a run. */
  idle(): void {
    if (this.recent >= this.idleRunRows) this.startMove(true);
  }

  private startMove(idle = false): void {
    if (this.moving || this.recent < this.retryAt) return;
    this.moving = this.move(idle)
      .catch((error: unknown) => {
        this.retryAt = this.recent + this.runRows;
        console.error(`store: moving recent records into time order failed; they stay searchable where they are, and the move is retried after ${this.runRows} more records. ${(error as Error).message}`);
      })
      .finally(() => { this.moving = undefined; });
  }

  /** Resolves when no move is running: columns are added only then (DDL would conflict with it). */
  async settled(): Promise<void> {
    await this.moving;
  }

  async close(): Promise<void> {
    await this.moving;
    this.connection.closeSync();
  }

  /**
   * An idle move ends with a checkpoint: until one, the moved rows still fill the recent table's
   * row groups, marked deleted, and every query scans them (~0.8 ms for 500k). Under load the
   * next automatic checkpoint comes soon anyway.
   */
  private async move(idle: boolean): Promise<void> {
    await this.connection.run('BEGIN TRANSACTION');
    try {
      const moved = (await this.connection.run('INSERT INTO records_sorted BY NAME SELECT * FROM records_recent ORDER BY ts')).rowsChanged;
      await this.connection.run(countMinutesSql('records_recent'));
      await this.connection.run('DELETE FROM records_recent');
      await this.commitAlone(() => this.connection.run('COMMIT'));
      this.recent -= moved;
    } catch (error) {
      await this.connection.run('ROLLBACK').catch(() => undefined);
      throw error;
    }
    // only a query speed-up: a failure (a write began meanwhile) leaves it to the next automatic one
    if (idle) await this.connection.run('CHECKPOINT').catch(() => undefined);
  }
}
