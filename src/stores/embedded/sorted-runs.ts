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
// A run is sorted in pieces of consecutive ts ranges, each small enough for DuckDB's memory: one
// sort of 200k records of 2 KB ran out of the default 384 MB pool, the move failed again after
// every run's worth of rows, and the recent table grew without end (docs/performance.md, step 23).
// The pieces, written one after another, make the same ts-ordered run as one sort would.
//
// A move's COMMIT runs with no read statement in progress (`commitAlone`). DuckDB 1.5 does not
// publish it cleanly to statements running beside it: they, and some begun just after it, read
// the moved rows in records_sorted and still in records_recent, and a search listed them twice
// (scripts/duckdb-move-repro.ts; docs/decisions.md, "Moving rows between tables").
import type { DuckDBConnection } from '@duckdb/node-api';
import { countMinutesSql } from './minute-counts.ts';
import { byteSize } from './byte-size.ts';
import { isOutOfMemory } from './out-of-memory.ts';

/** Rows per sorted run: 500k sort in ~1 s of one core and ~125 MB of DuckDB memory. */
export const DEFAULT_RUN_ROWS = 500_000;

/**
 * Record text one sort of a move takes, as a share of DuckDB's memory: 500k records of ~250 B
 * sort in ~125 MB, a third of the default 384 MB pool; 100k records of 2.2 KB sorted in it, 200k did not.
 */
const SORT_SHARE_OF_MEMORY = 1 / 3;
/** A piece that still runs out of memory is halved, down to this many rows. */
const MIN_PIECE_ROWS = 2_000;

type CommitAlone = (commit: () => Promise<unknown>) => Promise<unknown>;

export class SortedRuns {
  private readonly connection: DuckDBConnection;
  private readonly commitAlone: CommitAlone;
  private readonly runRows: number;
  private readonly idleRunRows: number;
  private readonly sortBytes: number;
  private recent: number;
  /** Rows and record text of the writes so far: their ratio sizes a move's pieces. */
  private writtenRows = 0;
  private writtenBytes = 0;
  /** Set below the size the text predicts once a piece of that size ran out of memory. */
  private pieceRowsCap = Number.POSITIVE_INFINITY;
  /** After a failed move, the next waits until this many rows are recent (a run later). */
  private retryAt = 0;
  private moving: Promise<void> | undefined;

  private constructor(connection: DuckDBConnection, recentRows: number, runRows: number, memoryBytes: number, commitAlone: CommitAlone) {
    this.connection = connection;
    this.sortBytes = memoryBytes * SORT_SHARE_OF_MEMORY;
    this.commitAlone = commitAlone;
    this.recent = recentRows;
    this.runRows = runRows;
    this.idleRunRows = Math.ceil(runRows / 5);
  }

  static async open(connection: DuckDBConnection, runRows: number, commitAlone: CommitAlone): Promise<SortedRuns> {
    const rows = await connection.runAndReadAll("SELECT count(*), current_setting('memory_limit') FROM records_recent");
    const [recent, memoryLimit] = rows.getRows()[0]!;
    return new SortedRuns(connection, Number(recent), runRows, byteSize(String(memoryLimit)), commitAlone);
  }

  /** Rows in the recent table, once committed writes are counted (`added`). */
  get recentRows(): number {
    return this.recent;
  }

  /** Called after each committed write of `bytes` of record text; starts a move when a run is due and none is running. */
  added(rows: number, bytes = 0): void {
    this.recent += rows;
    if (bytes > 0) {
      this.writtenRows += rows;
      this.writtenBytes += bytes;
    }
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
    for (;;) {
      const rows = this.pieceRows();
      try {
        await this.moveInPieces(rows);
        break;
      } catch (error) {
        if (!isOutOfMemory(error) || rows <= MIN_PIECE_ROWS) throw error;
        this.pieceRowsCap = Math.max(MIN_PIECE_ROWS, Math.floor(rows / 2));
      }
    }
    // only a query speed-up: a failure (a write began meanwhile) leaves it to the next automatic one
    if (idle) await this.connection.run('CHECKPOINT').catch(() => undefined);
  }

  /** Rows one sort takes: a run's, or fewer when the records' text says they are wide. */
  private pieceRows(): number {
    const byText = this.writtenRows === 0 ? this.runRows : Math.floor(this.sortBytes * this.writtenRows / this.writtenBytes);
    return Math.max(MIN_PIECE_ROWS, Math.min(this.runRows, byText, this.pieceRowsCap));
  }

  private async moveInPieces(pieceRows: number): Promise<void> {
    await this.connection.run('BEGIN TRANSACTION');
    try {
      let moved = 0;
      for (const piece of await this.pieces(pieceRows)) {
        moved += (await this.connection.run(`INSERT INTO records_sorted BY NAME SELECT * FROM records_recent${piece} ORDER BY ts`)).rowsChanged;
      }
      await this.connection.run(countMinutesSql('records_recent'));
      await this.connection.run('DELETE FROM records_recent');
      await this.commitAlone(() => this.connection.run('COMMIT'));
      this.recent -= moved;
    } catch (error) {
      await this.connection.run('ROLLBACK').catch(() => undefined);
      throw error;
    }
  }

  /** WHERE clauses splitting the recent rows into consecutive ts ranges of about `pieceRows` rows. */
  private async pieces(pieceRows: number): Promise<string[]> {
    const count = Math.ceil(this.recent / pieceRows);
    if (count <= 1) return [''];
    const fractions = Array.from({ length: count - 1 }, (_, i) => (i + 1) / count);
    const reader = await this.connection.runAndReadAll(`SELECT DISTINCT bound FROM (SELECT unnest(quantile_disc(ts, [${fractions.join(', ')}])) AS bound FROM records_recent) ORDER BY bound`);
    const bounds = reader.getRows().map((row) => String(row[0]));
    // (previous bound, bound]: rows on a bound go to the piece it ends
    return [...bounds, null].map((bound, i) => {
      const above = i === 0 ? [] : [`ts > ${bounds[i - 1]}`];
      const upTo = bound === null ? [] : [`ts <= ${bound}`];
      return ` WHERE ${[...above, ...upTo].join(' AND ')}`;
    });
  }
}
