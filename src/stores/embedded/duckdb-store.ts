// The embedded store: one DuckDB file in the data dir, records as typed columns per learned shape
// (typed-writer.ts), moved into time-ordered runs in the background (sorted-runs.ts). Writes go
// through a few writer connections (lanes, one per partition), each group of batches in one
// transaction that also records the consumer's offsets; reads use a small pool of connections so
// queries run on DuckDB's threads beside the writers. Counts and histograms of time ranges read
// per-minute counts (minute-counts.ts).
import { AsyncLocalStorage } from 'node:async_hooks';
import { mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { BIGINT, DuckDBInstance, INTEGER, LIST, listValue, VARCHAR, type DuckDBConnection, type DuckDBValue } from '@duckdb/node-api';
import {
  StoreBusyError, StoreCancelledError, StoreQueryError, UnstorableRecordError, aggregationName,
  type Store, type WriteBatch, type OffsetCommit, type SearchRequest, type SearchResult, type Hit,
  type HistogramRequest, type Filter, TIME_KEY, type FacetsRequest, type FacetsResult, type FacetField, type ContextRequest, type ContextResult, type TailRequest, type TailPage, type HistogramResult, type StatsRequest, type StatsResult, type StreamInfo, type Aggregation,
  type OrderStatisticsRequest, type OrderStatisticsResult,
} from '../store.ts';
import { partitionKey } from '../../log/log.ts';
import { recordId } from '../../record/id.ts';
import type { FieldResolverOptions } from './query-field.ts';
import { SORTED_TABLE, RECENT_TABLE, RECORDS_VIEW, OFFSETS_TABLE, REGISTRY_TABLES, POSITION_ID_MACROS, OLD_LAYOUT_COLUMN, ADDED_COLUMNS, RECORD_TABLES, SOURCES_TABLE, RECORD_ID_SQL, RECENT_DEFAULTS } from './schema.ts';
import { StreamSources } from './stream-sources.ts';
import { OwnIds } from './own-ids.ts';
import { DEFAULT_RUN_ROWS, SortedRuns } from './sorted-runs.ts';
import { isOutOfMemory } from './out-of-memory.ts';
import { encodeCursor, decodeCursor, afterCursorSql, afterArrivalSql, beforeCursorSql, rowKey, ARRIVAL_ORDER, NEWEST_FIRST, OLDEST_FIRST } from './cursor.ts';
import { facetSql, recordSql } from './explore-sql.ts';
import { filterConditions, filterSql, whereSql, withCheap, type Conditions, type SqlFragment } from './filter-sql.ts';
import { fieldText, fieldNumber } from './field-sql.ts';
import { ConnectionPool, PoolWaitError } from './connection-pool.ts';
import { autoCountsSql, countsSql, splitCountsSql } from './histogram-sql.ts';
import { autoInterval, EMPTY_HISTOGRAM_INTERVAL, fillBuckets, TARGET_BUCKETS } from '../histogram-interval.ts';
import { oldestShown, tsWindow, type Span } from './newest-first.ts';
import { ShapeRegistry } from './shape-registry.ts';
import { TypedWriter } from './typed-writer.ts';
import { PreparedStatements } from './prepared-statements.ts';
import { ExclusiveGate } from './exclusive-gate.ts';
import { byteSize } from './byte-size.ts';
import { quantileSql } from './quantile-sql.ts';
import { orderStatisticsSql } from './order-statistics-sql.ts';
import { MINUTE_COUNTS_TABLE, MINUTE_MS, bucketSql, countMinutesSql, countSql, histogramSql, isTimeOnly, tsBoundsSql } from './minute-counts.ts';

export interface DuckDbStoreOptions {
  /** DuckDB memory limit, e.g. '1GB'. */
  memoryLimit?: string;
  threads?: number;
  readConnections?: number;
  /** WAL size that triggers a checkpoint (default 64MB). */
  checkpointThreshold?: string;
  /** Recent rows that move into time order together (sorted-runs.ts). */
  runRows?: number;
  /** Writer connections; a partition always writes through the same one (default 2). */
  writers?: number;
  /** The zone a stream's times without a zone are read in (default UTC). */
  timeZoneOf?: (stream: string) => string;
  /** Typed columns one stream's templates may use (default 2000; shape-registry.ts). */
  maxColumnsPerStream?: number;
  /** A read (all its statements, waits included) running longer is stopped (default 30 s; config search.timeoutMs). */
  queryTimeoutMs?: number;
  /**
   * Tests only (test/integration/move-visibility.test.ts): `true` commits a move beside running
   * reads, bypassing the read gate, to show the duplicates it prevents. Never set it otherwise.
   */
  unsafeMoveCommitBesideReads?: boolean;
  /** Tests only: called after each move of recent rows into a sorted run has committed. */
  onMoveCommitted?: () => void;
}

type QuantileFn = 'median' | 'p50' | 'p90' | 'p95' | 'p99';
const QUANTILES: Record<QuantileFn, number> = { median: 0.5, p50: 0.5, p90: 0.9, p95: 0.95, p99: 0.99 };

function quantileOf(fn: Aggregation['fn']): number | undefined {
  return (QUANTILES as Partial<Record<Aggregation['fn'], number>>)[fn];
}

/** Quantiles are computed apart, in bounded memory (quantile-sql.ts); these are the rest. */
const AGGREGATE_SQL: Record<Exclude<Aggregation['fn'], QuantileFn>, (field: string) => string> = {
  count: (f) => `count(${f})`,
  sum: (f) => `sum(${f})`,
  avg: (f) => `avg(${f})`,
  min: (f) => `min(${f})`,
  max: (f) => `max(${f})`,
  distinct: (f) => `count(DISTINCT ${f})`,
};

/** What open() prepares for the store. */
interface StoreParts {
  file: string;
  instance: DuckDBInstance;
  writers: DuckDBConnection[];
  readers: ConnectionPool;
  readGate: ExclusiveGate;
  registry: ShapeRegistry;
  sources: StreamSources;
  ownIds: OwnIds;
  runs: SortedRuns;
  threads: number;
  queryTimeoutMs: number;
  checkpointBytes: number;
  timeZoneOf: (stream: string) => string;
}

/** One writer connection and the writes waiting for it: the writes of its partitions, in order. */
interface Lane {
  connection: DuckDBConnection;
  prepared: PreparedStatements;
  typedWriter: TypedWriter;
  pending: PendingWrite[];
  draining: boolean;
  chain: Promise<void>;
}

interface PendingWrite {
  batches: WriteBatch[];
  rows: number;
  offsets: OffsetCommit[];
  resolve: () => void;
  reject: (error: Error) => void;
}

/** Upper bound of one group commit: keeps a transaction's memory and its commit latency bounded. */
const MAX_ROWS_PER_COMMIT = 50_000;
const OFFSET_TYPES = [LIST(VARCHAR), LIST(VARCHAR), LIST(INTEGER), LIST(BIGINT)];
const OFFSETS_UPSERT = 'INSERT OR REPLACE INTO consumer_offsets SELECT unnest($1::VARCHAR[]), unnest($2::VARCHAR[]), unnest($3::INTEGER[]), unnest($4::BIGINT[])';
const DEFAULT_THREADS = 2;
const DEFAULT_WRITERS = 2;
/** Time without writes after which the store leaves its write mode (writeModeWhileWriting). */
const IDLE_MS = 1000;
/**
 * Time without writes after which recent rows move into a run: longer than a consumer group's
 * usual rebalance pause, so a pause inside a load does not cut a short run (every run adds row
 * groups that searches read) nor hold back a new shape's columns (they wait for the move).
 */
const IDLE_BEFORE_MOVE_MS = 5000;

function toNumber(value: unknown): number | null {
  if (value === null || value === undefined) return null;
  return Number(value);
}

export class DuckDbStore implements Store {
  readonly engine = 'embedded';
  private readonly file: string;
  private readonly instance: DuckDBInstance;
  private readonly lanes: Lane[];
  /**
   * Write transactions run together; DDL and the lanes' catch-up CHECKPOINT run alone, as DuckDB
   * refuses DDL on a table another transaction has appended to and skips a checkpoint while
   * another transaction holds writes.
   */
  private readonly writeGate = new ExclusiveGate();
  /** Read statements run together; a move's COMMIT runs alone (sorted-runs.ts says why). */
  private readonly readGate: ExclusiveGate;
  private readonly walFile: string;
  private readonly checkpointBytes: number;
  private readonly readers: ConnectionPool;
  private readonly registry: ShapeRegistry;
  private readonly runs: SortedRuns;
  private readonly fields: FieldResolverOptions;
  private activeLanes = 0;
  private readonly threads: number;
  private readonly queryTimeoutMs: number;
  /** Whether the settings of writeModeWhileWriting are on. */
  private writeMode = false;
  private idleTimer: NodeJS.Timeout | undefined;
  private moveTimer: NodeJS.Timeout | undefined;
  private idleModeRestored: Promise<void> = Promise.resolve();
  private closed = false;

  private constructor(parts: StoreParts) {
    const { registry, runs } = parts;
    this.threads = parts.threads;
    this.queryTimeoutMs = parts.queryTimeoutMs;
    // each public read runs with its request's signal and deadline in reach of query(), which
    // stops its statements when the asker leaves or the time is up, without every helper between
    // them passing it along; the deadline covers the whole read (facets run one query per field)
    for (const name of READS_WITH_SIGNAL) {
      const read = this[name].bind(this) as (request: { signal?: AbortSignal }) => Promise<unknown>;
      (this as Record<string, unknown>)[name] = (request: { signal?: AbortSignal }) =>
        asker.run({ signal: request.signal, deadline: performance.now() + this.queryTimeoutMs }, () => read(request));
    }
    this.file = parts.file;
    this.walFile = `${parts.file}.wal`;
    this.checkpointBytes = parts.checkpointBytes;
    this.instance = parts.instance;
    this.readers = parts.readers;
    this.readGate = parts.readGate;
    this.registry = registry;
    this.runs = runs;
    // DDL waits until no lane has a transaction open and no move runs
    const alone = <T>(step: () => Promise<T>): Promise<T> => this.writeGate.alone(async () => { await runs.settled(); return step(); });
    const shared = { registry, sources: parts.sources, ownIds: parts.ownIds, alone, timeZoneOf: parts.timeZoneOf };
    this.lanes = parts.writers.map((connection) => {
      const prepared = new PreparedStatements(connection, () => registry.schemaChanges);
      return { connection, prepared, typedWriter: new TypedWriter(connection, shared, prepared), pending: [], draining: false, chain: Promise.resolve() };
    });
    this.fields = { bodyField: (path) => registry.field(path), idSql: RECORD_ID_SQL };
    // no writes yet: a store opened with recent rows moves them too
    this.moveTimer = setTimeout(() => this.runs.idle(), IDLE_BEFORE_MOVE_MS).unref();
  }

  static async open(dir: string, options: DuckDbStoreOptions = {}): Promise<DuckDbStore> {
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, 'records.duckdb');
    // 'latest' storage enables DICT_FSST string compression (~7 B/record smaller). DuckDB runs a
    // checkpoint inside the COMMIT that takes the WAL past the threshold, and a CHECKPOINT of our
    // own on another connection holds the writer just the same, so the threshold sets how long
    // the writer stalls: ~0.4 s at 64 MB against 1.5–2.5 s at 256 MB, with less RSS and the same
    // store size; at 32 MB the store grew 24 % (docs/performance.md, step 4).
    const checkpointThreshold = options.checkpointThreshold ?? '64MB';
    const config: Record<string, string> = {
      threads: String(options.threads ?? DEFAULT_THREADS),
      storage_compatibility_version: 'latest',
      checkpoint_threshold: checkpointThreshold,
    };
    if (options.memoryLimit) config.memory_limit = options.memoryLimit;
    const instance = await DuckDBInstance.create(file, config);
    const writer = await instance.connect();
    const oldLayout = await writer.runAndReadAll(
      "SELECT 1 FROM duckdb_columns() WHERE table_name = 'records' AND column_name = ?", [OLD_LAYOUT_COLUMN]);
    if (oldLayout.currentRowCount > 0) {
      instance.closeSync();
      throw new Error(`${file} was written by an older Tributary (one JSON body column per record); this version stores typed columns. Move it away (or start with a new --data-dir) and ingest again.`);
    }
    const oneTable = await writer.runAndReadAll("SELECT 1 FROM duckdb_tables() WHERE table_name = 'records'");
    if (oneTable.currentRowCount > 0) await writer.run('ALTER TABLE records RENAME TO records_sorted');
    for (const ddl of [SORTED_TABLE, RECENT_TABLE, OFFSETS_TABLE, SOURCES_TABLE, ...REGISTRY_TABLES, ...POSITION_ID_MACROS]) await writer.run(ddl);
    await addMissingColumns(writer);
    await writer.run(RECENT_DEFAULTS);
    await writer.run(RECORDS_VIEW);
    await countMinutesOnce(writer);
    const registry = await ShapeRegistry.load(writer, options.maxColumnsPerStream);
    const sources = await StreamSources.load(writer);
    const ownIds = await OwnIds.load(writer);
    const readers = await ConnectionPool.open(instance, options.readConnections ?? 3);
    const readGate = new ExclusiveGate();
    const commitMove = async (commit: () => Promise<unknown>): Promise<void> => {
      await (options.unsafeMoveCommitBesideReads ? commit() : readGate.alone(commit));
      options.onMoveCommitted?.();
    };
    const runs = await SortedRuns.open(await instance.connect(), options.runRows ?? DEFAULT_RUN_ROWS, commitMove);
    const writers = [writer];
    while (writers.length < Math.max(1, options.writers ?? DEFAULT_WRITERS)) writers.push(await instance.connect());
    return new DuckDbStore({
      file, instance, writers, readers, readGate, registry, sources, ownIds, runs, threads: options.threads ?? DEFAULT_THREADS, queryTimeoutMs: options.queryTimeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS,
      checkpointBytes: byteSize(checkpointThreshold), timeZoneOf: options.timeZoneOf ?? (() => 'UTC'),
    });
  }

  /**
   * Writes that arrive while a lane's transaction runs are committed together by its next one
   * (group commit). A write's partition picks its lane, so a partition's writes (and its offsets
   * row) stay in order on one connection while other partitions commit beside it.
   */
  write(batches: WriteBatch[], offsets: OffsetCommit[] = []): Promise<void> {
    if (this.closed) return Promise.reject(new Error('store is closed'));
    const rows = batches.reduce((sum, batch) => sum + batch.entries.length, 0);
    const lane = this.lanes[(batches[0]?.partition ?? 0) % this.lanes.length]!;
    return new Promise((resolve, reject) => {
      lane.pending.push({ batches, rows, offsets, resolve, reject });
      if (!lane.draining) lane.chain = this.drain(lane);
    });
  }

  private async drain(lane: Lane): Promise<void> {
    lane.draining = true;
    this.activeLanes++;
    clearTimeout(this.idleTimer);
    clearTimeout(this.moveTimer);
    try {
      await this.writeModeWhileWriting();
      while (lane.pending.length > 0) {
        const group: PendingWrite[] = [];
        let rows = 0;
        while (lane.pending.length > 0 && (group.length === 0 || rows + lane.pending[0]!.rows <= MAX_ROWS_PER_COMMIT)) {
          const next = lane.pending.shift()!;
          rows += next.rows;
          group.push(next);
        }
        try {
          await this.writeNow(lane, group);
          for (const write of group) write.resolve();
        } catch (error) {
          const refused = asWriteError(error);
          for (const write of group) write.reject(refused);
        }
        await this.checkpointIfSkipped(lane);
      }
    } finally {
      lane.draining = false;
      this.activeLanes--;
      if (!this.closed && this.activeLanes === 0) {
        this.idleTimer = setTimeout(() => { if (!this.closed) this.idleModeRestored = this.restoreIdleMode(); }, IDLE_MS).unref();
        this.moveTimer = setTimeout(() => { if (!this.closed) this.runs.idle(); }, IDLE_BEFORE_MOVE_MS).unref();
      }
    }
  }

  /**
   * Settings while writes flow, given back once they pause:
   * - One thread per statement: a write statement gains ~10 % wall time from a second thread for
   *   ~25 % more CPU (docs/performance.md), and the cores are busy with ingest anyway; the lanes
   *   write side by side instead. Queries still run beside them on their own connections; once
   *   writes pause, each query gets every thread again.
   * - No vacuum in checkpoints: each checkpoint leaves the recent table a new row group, and a
   *   vacuum merged them again at every one, rewriting up to a run of rows each time (a third of
   *   the CPU of wide records; docs/performance.md, step 23). Row groups whose rows all moved are
   *   dropped without it; the checkpoint after an idle move merges what is left.
   */
  private async writeModeWhileWriting(): Promise<void> {
    await this.idleModeRestored;
    if (this.writeMode) return;
    const connection = this.lanes[0]!.connection;
    // only a cost saving: a failure leaves the settings as they were
    this.writeMode = await (async () => {
      if (this.threads > 1) await connection.run('SET threads = 1');
      await connection.run('SET GLOBAL max_vacuum_tasks = 0');
    })().then(() => true, () => false);
  }

  private async restoreIdleMode(): Promise<void> {
    if (this.activeLanes > 0 || this.closed || !this.writeMode) return;
    this.writeMode = false;
    const connection = this.lanes[0]!.connection;
    await connection.run(`SET threads = ${this.threads}`).catch(() => undefined);
    await connection.run('RESET GLOBAL max_vacuum_tasks').catch(() => undefined);
  }

  private async writeNow(lane: Lane, group: PendingWrite[]): Promise<void> {
    const batches = group.flatMap((write) => write.batches);
    await lane.typedWriter.addSources(batches);
    const lines = lane.typedWriter.sort(batches);
    // New shapes are learned before the transaction: their columns are committed DDL of their own.
    await lane.typedWriter.learn(lines);
    const { connection } = lane;
    await this.writeGate.together(async () => {
      await connection.run('BEGIN TRANSACTION');
      try {
        await lane.typedWriter.insert(lines);
        // the last commit of a partition wins: later writes carry later offsets
        const offsets = new Map<string, OffsetCommit>();
        for (const write of group) for (const offset of write.offsets) offsets.set(`${offset.consumer}\u0000${partitionKey(offset.topic, offset.partition)}`, offset);
        if (offsets.size > 0) {
          // one statement for every partition: DuckDB plans an INSERT OR REPLACE again on every run
          // (~2.5 ms), and a write of a dozen topics paid it a dozen times (docs/performance.md, step 22)
          const rows = [...offsets.values()];
          await lane.prepared.runAndReadAll(OFFSETS_UPSERT, [listValue(rows.map((row) => row.consumer)), listValue(rows.map((row) => row.topic)),
            listValue(rows.map((row) => row.partition)), listValue(rows.map((row) => BigInt(row.nextOffset)))], OFFSET_TYPES);
        }
        await connection.run('COMMIT');
      } catch (error) {
        await connection.run('ROLLBACK').catch(() => undefined);
        throw error;
      }
    });
    let bytes = 0;
    for (const write of group) for (const batch of write.batches) for (const entry of batch.entries) bytes += entry.value.length;
    this.runs.added(group.reduce((sum, write) => sum + write.rows, 0), bytes);
  }

  /**
   * DuckDB checkpoints inside the COMMIT that takes the WAL past the threshold, but only when no
   * other transaction holds writes, which another lane's often does. A WAL left past the
   * threshold is checkpointed here, with the lanes held between their transactions.
   */
  private async checkpointIfSkipped(lane: Lane): Promise<void> {
    if (this.lanes.length === 1 || this.walBytes() < this.checkpointBytes) return;
    // a failure (a move holds writes) leaves it to a later commit
    await this.writeGate.alone(() => lane.connection.run('CHECKPOINT')).catch(() => undefined);
  }

  private walBytes(): number {
    try {
      return statSync(this.walFile).size;
    } catch {
      return 0;
    }
  }

  async committedOffsets(consumer: string): Promise<Map<string, number>> {
    const rows = await this.query('SELECT topic, partition, next_offset FROM consumer_offsets WHERE consumer = ?', [consumer]);
    return new Map(rows.map((row) => [partitionKey(String(row.topic), Number(row.partition)), Number(row.next_offset)]));
  }

  async search(request: SearchRequest): Promise<SearchResult> {
    const conditions = filterConditions(request, this.fields);
    const where = whereSql(conditions);
    const cursor = request.cursor ? decodeCursor(request.cursor) : undefined;
    const page = cursor ? withCheap(conditions, afterCursorSql(cursor)) : conditions;
    const [rows, countRows] = await Promise.all([
      request.limit === 0 ? [] : this.newest(page, request.limit, { fromMs: request.fromMs, toMs: Math.min(request.toMs ?? Infinity, cursor?.ts ?? Infinity) }),
      request.total === false ? null : this.count(request, where),
    ]);
    const hits = rows.map(toHit);
    const last = rows.at(-1);
    const next = last && hits.length === request.limit ? encodeCursor(rowKey(last)) : null;
    return { total: countRows ? consistentTotal(Number(countRows[0]?.n ?? 0), hits.length, request.limit, !cursor) : null, hits, cursor: next };
  }

  /** False only when no recent row is committed nor being written: their count can be skipped. */
  private mayHaveRecentRows(): boolean {
    return this.activeLanes > 0 || this.runs.recentRows > 0;
  }

  private count(filter: Filter, where: SqlFragment): Promise<Record<string, unknown>[]> {
    if (isTimeOnly(filter)) {
      const counted = countSql(filter, this.mayHaveRecentRows());
      return this.query(counted.sql, counted.params);
    }
    return this.query(`SELECT count(*) AS n FROM records WHERE ${where.sql}`, where.params);
  }

  /** The newest `limit` rows of the page, newest first; only they have their body rebuilt. */
  private async newest(page: Conditions, limit: number, span: Span): Promise<Record<string, unknown>[]> {
    const oldest = await oldestShown((sql, params) => this.query(sql, params), page, limit, span);
    if (oldest === null) return [];
    const from = tsWindow(oldest.ts);
    const shown = whereSql(withCheap(page, from));
    if (oldest.narrow) {
      return this.query(`SELECT ${this.hitColumns()}
        FROM (SELECT * FROM records WHERE ${shown.sql} ORDER BY ${NEWEST_FIRST} LIMIT ?) ORDER BY ${NEWEST_FIRST}`,
      [...shown.params, limit]);
    }
    // Rare matches: the rows from the oldest shown on are many, and a filter DuckDB cannot push
    // into its scan would have it read all their columns. So per table the matches' positions come
    // first (reading the filter's and the order's columns), then the rows at those positions.
    const picked = RECORD_TABLES.map((table) => `SELECT * FROM ${table}
      WHERE ${from.sql} AND rowid IN (SELECT rowid FROM ${table} WHERE ${shown.sql} ORDER BY ${NEWEST_FIRST} LIMIT ?)`);
    return this.query(`SELECT ${this.hitColumns()}
      FROM (${picked.join(' UNION ALL BY NAME ')}) ORDER BY ${NEWEST_FIRST} LIMIT ?`,
    [...RECORD_TABLES.flatMap(() => [...from.params, ...shown.params, limit]), limit]);
  }

  /** The columns toHit reads; only they have their body rebuilt. */
  private hitColumns(): string {
    return `stream, ts, ingested_at, part, off, src, rid, level, message, ${this.registry.bodySql()} AS body`;
  }

  async facets(request: FacetsRequest): Promise<FacetsResult> {
    const where = filterSql(request, this.fields);
    const [countRows, ...perField] = await Promise.all([
      this.count(request, where),
      ...request.fields.map((field) => {
        const facet = facetSql(fieldText(field, this.fields), where, request.limit);
        return this.query(facet.sql, facet.params);
      }),
    ]);
    const fields: Record<string, FacetField> = {};
    request.fields.forEach((field, i) => {
      const rows = perField[i]!;
      fields[field] = {
        values: rows.filter((row) => row.v !== null).slice(0, request.limit).map((row) => ({ value: String(row.v), count: Number(row.n) })),
        distinct: rows.length > 0 ? Number(rows[0]!.distinct_values) : 0,
        missing: rows.length > 0 ? Number(rows[0]!.missing) : 0,
      };
    });
    return { total: Number(countRows[0]?.n ?? 0), fields };
  }

  async orderStatistics(request: OrderStatisticsRequest): Promise<OrderStatisticsResult> {
    const picked = orderStatisticsSql(fieldNumber(request.field, this.fields), filterSql(request, this.fields), request.ranks);
    const [row] = await this.query(picked.sql, picked.params);
    return { count: Number(row?.n ?? 0), values: request.ranks.map((_, i) => toNumber(row?.[`r${i}`])) };
  }

  async context(request: ContextRequest): Promise<ContextResult> {
    const at = recordSql(request.id, request.stream);
    const [row] = await this.query(`SELECT ${this.hitColumns()} FROM records WHERE ${at.sql}`, at.params);
    if (!row) return { anchor: null, before: [], after: [] };
    const anchor = toHit(row);
    const same = (request.sameFields ?? []).map((field) => {
      const text = fieldText(field, this.fields);
      return { sql: `${text.sql} IS NOT DISTINCT FROM (SELECT ${text.sql} FROM records WHERE ${at.sql})`, params: [...text.params, ...text.params, ...at.params] };
    });
    const around = (side: SqlFragment, order: string, limit: number): Promise<Record<string, unknown>[]> => {
      if (limit <= 0) return Promise.resolve([]);
      const parts = [{ sql: 'stream = ?', params: [request.stream] }, side, ...same];
      return this.query(`SELECT ${this.hitColumns()} FROM records WHERE ${parts.map((part) => part.sql).join(' AND ')} ORDER BY ${order} LIMIT ?`,
        [...parts.flatMap((part) => part.params), limit]);
    };
    const [older, newer] = await Promise.all([
      around(afterCursorSql(rowKey(row)), NEWEST_FIRST, request.before),
      around(beforeCursorSql(rowKey(row)), OLDEST_FIRST, request.after),
    ]);
    return { anchor, before: older.map(toHit).reverse(), after: newer.map(toHit) };
  }

  async tail(request: TailRequest): Promise<TailPage> {
    const since = { sql: 'ingested_at >= ?', params: [BigInt(Math.floor(request.sinceIngestedAt))] };
    const conditions = withCheap(filterConditions(request, this.fields), since, ...(request.after ? [afterArrivalSql(decodeCursor(request.after))] : []));
    const where = whereSql(conditions);
    const rows = await this.query(`SELECT ${this.hitColumns()} FROM records WHERE ${where.sql} ORDER BY ${ARRIVAL_ORDER} LIMIT ?`,
      [...where.params, request.limit]);
    const last = rows.at(-1);
    return { hits: rows.map(toHit), cursor: last ? encodeCursor(rowKey(last)) : null };
  }

  async histogram(request: HistogramRequest): Promise<HistogramResult> {
    const split = request.groupBy !== undefined;
    const key = split ? fieldText(request.groupBy!, this.fields) : { sql: 'NULL', params: [] };
    // open range, a query: the interval comes from the matches' span, found in the same pass
    if (request.intervalMs === undefined && !isTimeOnly(request)) return this.matchSpanHistogram(request, key, split);
    const interval = BigInt(Math.max(1, Math.round(request.intervalMs ?? await this.spanInterval(request))));
    if (split) {
      const counted = splitCountsSql(filterSql(request, this.fields), key, interval);
      return histogramOf(await this.query(counted.sql, counted.params), Number(interval), request, true);
    }
    const counted = isTimeOnly(request) && interval % BigInt(MINUTE_MS) === 0n
      ? histogramSql(request, Number(interval), this.mayHaveRecentRows())
      : countsSql(filterSql(request, this.fields), interval);
    return histogramOf(await this.query(counted.sql, counted.params), Number(interval), request, false);
  }

  /** A histogram at an interval picked from the matches' own span (autoCountsSql). */
  private async matchSpanHistogram(request: HistogramRequest, key: SqlFragment, split: boolean): Promise<HistogramResult> {
    const [table] = await this.query(tsBoundsSql(request.fromMs, request.toMs), []);
    if (table?.hi === null || table?.hi === undefined) return { intervalMs: EMPTY_HISTOGRAM_INTERVAL, buckets: [] };
    const fine = autoInterval(Number(table.hi) - Number(table.lo), TARGET_BUCKETS * FINE_PER_BUCKET);
    const conditions = filterConditions(request, this.fields);
    const counted = autoCountsSql(whereSql(conditions), key, fine);
    const rows = await this.query(counted.sql, counted.params);
    if (rows.length === 0) return { intervalMs: EMPTY_HISTOGRAM_INTERVAL, buckets: [] };
    const { interval, lo, hi } = rows[0]!;
    const wanted = autoInterval(Number(hi) - Number(lo));
    if (wanted >= Number(interval)) return histogramOf(rows, Number(interval), request, split);
    // the matches span less than the fine interval can show: counted again over just their span
    const within = splitCountsSql(whereSql(withCheap(conditions, tsWindow(Number(lo), Number(hi) + 1))), key, BigInt(wanted));
    return histogramOf(await this.query(within.sql, within.params), wanted, request, split);
  }

  /** An interval giving ~120 buckets over the time the matches span. */
  private async spanInterval(filter: Filter): Promise<number> {
    const bounds = await this.timeBounds(filter);
    return bounds ? autoInterval(bounds.newestTs - bounds.oldestTs) : EMPTY_HISTOGRAM_INTERVAL;
  }

  async stats(request: StatsRequest): Promise<StatsResult> {
    let where = filterSql(request, this.fields);
    const bucket = request.bucketMs === undefined ? undefined : BigInt(Math.max(1, Math.round(request.bucketMs)));
    const names = [...(bucket === undefined ? [] : [TIME_KEY]), ...request.groupBy];
    const keys = names.map((field, i) => {
      if (i === 0 && bucket !== undefined) return { sql: `${bucketSql('ts', `${bucket}::BIGINT`)} AS k0`, params: [] };
      const text = fieldText(field, this.fields);
      return { sql: `${text.sql} AS k${i}`, params: text.params };
    });
    if (request.topGroups !== undefined && request.groupBy.length === 1) {
      const key = fieldText(request.groupBy[0]!, this.fields);
      where = combine(where, {
        sql: `${key.sql} IN (SELECT k FROM (SELECT ${key.sql} AS k, count(*) AS n FROM records WHERE ${where.sql} GROUP BY 1 ORDER BY n DESC, k LIMIT ${Math.max(1, Math.floor(request.topGroups))}))`,
        params: [...key.params, ...key.params, ...where.params],
      });
    }
    const ctes: string[] = [];
    const cteParams: unknown[] = [];
    const quantiles: string[] = [];
    const values: string[] = [];
    const valueParams: unknown[] = [];
    request.aggregations.forEach((aggregation, i) => {
      if (aggregation.fn === 'count' && !aggregation.field) return values.push(`count(*) AS v${i}`);
      if (!aggregation.field) throw new StoreQueryError(`${aggregation.fn} needs a field, e.g. ${aggregation.fn}:latency_ms`);
      const quantile = quantileOf(aggregation.fn);
      if (quantile !== undefined) {
        const computed = quantileSql(`q${i}`, keys, fieldNumber(aggregation.field, this.fields), where, quantile);
        ctes.push(...computed.ctes);
        cteParams.push(...computed.params);
        const sameGroup = keys.map((_, k) => `main.k${k} IS NOT DISTINCT FROM q${i}.k${k}`).join(' AND ') || 'TRUE';
        return quantiles.push(`LEFT JOIN q${i} ON ${sameGroup}`);
      }
      const field = aggregation.fn === 'distinct' || aggregation.fn === 'count' ? fieldText(aggregation.field, this.fields) : fieldNumber(aggregation.field, this.fields);
      valueParams.push(...field.params);
      return values.push(`${AGGREGATE_SQL[aggregation.fn as Exclude<Aggregation['fn'], QuantileFn>](field.sql)} AS v${i}`);
    });
    const groupBy = keys.length > 0 ? `GROUP BY ${keys.map((_, i) => i + 1).join(', ')}` : '';
    ctes.push(`main AS (SELECT ${[...keys.map((key) => key.sql), 'count(*) AS _n', ...values].join(', ')} FROM records WHERE ${where.sql} ${groupBy})`);
    const quantileValues = request.aggregations.flatMap((aggregation, i) => (quantileOf(aggregation.fn) === undefined ? [] : [`q${i}.value AS v${i}`]));
    const order = [...(bucket === undefined ? [] : ['main.k0']), '_n DESC', ...keys.map((_, i) => `main.k${i}`)].join(', ');
    const sql = `WITH ${ctes.join(',\n')}
      SELECT ${['main.*', ...quantileValues, 'count(*) OVER () AS _groups'].join(', ')} FROM main ${quantiles.join(' ')} ORDER BY ${order} LIMIT ?`;
    const rows = await this.query(sql, [...cteParams, ...keys.flatMap((key) => key.params), ...valueParams, ...where.params, request.limit]);
    const groups = rows.map((row) => ({
      key: Object.fromEntries(names.map((field, i) => {
        const value = row[`k${i}`];
        if (value === null) return [field, null];
        return [field, i === 0 && bucket !== undefined ? new Date(Number(value)).toISOString() : String(value)];
      })),
      values: Object.fromEntries(request.aggregations.map((aggregation, i) => [aggregationName(aggregation), toNumber(row[`v${i}`])])),
    }));
    return { groups, totalGroups: rows.length > 0 ? Number(rows[0]!._groups) : 0 };
  }

  async timeBounds(filter: Filter): Promise<{ oldestTs: number; newestTs: number } | null> {
    const everything = isTimeOnly(filter) && !filter.streams?.length;
    const where = everything ? null : filterSql(filter, this.fields);
    const [row] = where
      ? await this.query(`SELECT min(ts) AS lo, max(ts) AS hi FROM records WHERE ${where.sql}`, where.params)
      : await this.query(tsBoundsSql(filter.fromMs, filter.toMs), []);
    return row?.lo === null || row?.lo === undefined ? null : { oldestTs: Number(row.lo), newestTs: Number(row.hi) };
  }

  async describe(): Promise<{ streams: StreamInfo[]; bytesOnDisk: number }> {
    const rows = await this.query('SELECT stream, count(*) AS n, min(ts) AS oldest, max(ts) AS newest FROM records GROUP BY stream ORDER BY stream', []);
    const bytesOnDisk = statSync(this.file).size + this.walBytes();
    return {
      streams: rows.map((row) => ({ stream: String(row.stream), records: Number(row.n), oldestTs: toNumber(row.oldest), newestTs: toNumber(row.newest) })),
      bytesOnDisk,
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await Promise.all(this.lanes.map((lane) => lane.chain));
    this.closed = true;
    clearTimeout(this.idleTimer);
    clearTimeout(this.moveTimer);
    await this.runs.close();
    await this.idleModeRestored;
    await this.readers.close();
    for (const lane of this.lanes) lane.connection.closeSync();
    this.instance.closeSync();
  }

  private async query(sql: string, params: unknown[]): Promise<Record<string, unknown>[]> {
    const read = asker.getStore() ?? { deadline: performance.now() + this.queryTimeoutMs };
    const timedOut = (cause?: unknown) => new StoreBusyError(`the query ran longer than search.timeoutMs (${this.queryTimeoutMs} ms) and was stopped: narrow the time range or the query`, { cause });
    if (read.signal?.aborted) throw new StoreCancelledError();
    return this.readers.use(async (connection) => {
      // without parameters the statement is not prepared first
      const run = () => this.interruptible(connection, read, timedOut,
        () => this.readGate.together(() => connection.runAndReadAll(sql, params.length > 0 ? params as DuckDBValue[] : undefined)));
      try {
        return (await run()).getRowObjects() as Record<string, unknown>[];
      } catch (error) {
        if (!isOutOfMemory(error)) throw asQueryError(error);
      }
      // the buffer pool is shared with the writers and background moves: once more after they had a moment
      await new Promise((resolve) => setTimeout(resolve, OUT_OF_MEMORY_RETRY_MS));
      try {
        return (await run()).getRowObjects() as Record<string, unknown>[];
      } catch (error) {
        if (!isOutOfMemory(error)) throw asQueryError(error);
        throw new StoreBusyError('the query needs more memory than the store may use now (store.memoryLimit): ' +
          'retry, narrow the time range or the query, or raise store.memoryLimit', { cause: error });
      }
    }, { signal: read.signal, maxWaitMs: read.deadline - performance.now() }).catch((error: unknown) => {
      if (!(error instanceof PoolWaitError)) throw error;
      if (error.why === 'cancelled') throw new StoreCancelledError();
      if (error.why === 'timeout') throw timedOut();
      if (error.why === 'queue_full') throw new StoreBusyError('too many queries are waiting for the store: retry in a moment');
      throw error;
    });
  }

  /**
   * Runs a statement that is interrupted at its read's deadline or when its asker leaves (also
   * when that happened before it began); the interrupt is sent only while it runs, never to the
   * connection's next statement.
   */
  private async interruptible<T>(connection: DuckDBConnection, read: Asker, timedOut: (cause?: unknown) => Error, statement: () => Promise<T>): Promise<T> {
    if (read.signal?.aborted) throw new StoreCancelledError();
    const left = read.deadline - performance.now();
    if (left <= 0) throw timedOut();
    let why: 'timeout' | 'cancelled' | undefined;
    let running = true;
    const interrupt = (reason: 'timeout' | 'cancelled') => {
      if (!running || why) return;
      why = reason;
      connection.interrupt();
    };
    // unref: a statement still running when the store closes (its sibling of a Promise.all failed
    // first) never settles, and its timer must not keep the process alive
    const timer = setTimeout(() => interrupt('timeout'), left).unref();
    const onAbort = () => interrupt('cancelled');
    read.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      return await statement();
    } catch (error) {
      if (why === 'cancelled') throw new StoreCancelledError();
      if (why === 'timeout') throw timedOut(error);
      throw error;
    } finally {
      running = false;
      clearTimeout(timer);
      read.signal?.removeEventListener('abort', onAbort);
    }
  }
}

function toHit(row: Record<string, unknown>): Hit {
  return {
    id: row.rid === null ? recordId(Number(row.ingested_at), Number(row.part), Number(row.off), Number(row.src)) : String(row.rid),
    stream: String(row.stream),
    ts: Number(row.ts),
    ingestedAt: Number(row.ingested_at),
    level: row.level === null ? null : String(row.level),
    message: row.message === null ? null : String(row.message),
    bodyJson: String(row.body),
  };
}

/** The request a public read method is answering: its signal and when its time is up (performance.now()). */
interface Asker {
  signal?: AbortSignal;
  deadline: number;
}
const asker = new AsyncLocalStorage<Asker>();
const READS_WITH_SIGNAL = ['search', 'facets', 'context', 'tail', 'histogram', 'stats'] as const;

const DEFAULT_QUERY_TIMEOUT_MS = 30_000;
const OUT_OF_MEMORY_RETRY_MS = 250;

/** DuckDB errors caused by the user's query (a bad regex, say) become 400s; the rest stay 500s. */
function asQueryError(error: unknown): unknown {
  const message = (error as Error).message ?? '';
  if (/Invalid Input Error|Conversion Error|regex/i.test(message)) return new StoreQueryError(message.replace(/^[A-Za-z ]+Error: /, ''));
  return error;
}

/**
 * DuckDB's errors about values (a number out of a column's range, text it cannot convert) and
 * JavaScript's about the same while appending are the records' doing; IO, memory and closed
 * connections are the store's, and the write is retried as it was.
 */
const RECORD_ERRORS = /^(Conversion|Invalid Input|Out of Range|Constraint|Mismatch Type|Type) Error/;

function asWriteError(error: unknown): Error {
  if (!(error instanceof Error)) return new Error(String(error));
  if (RECORD_ERRORS.test(error.message) || error instanceof RangeError || error instanceof TypeError) {
    return new UnstorableRecordError(error.message, { cause: error });
  }
  return error;
}

/** Stores from before a column was added get it (existing rows: its default). */
async function addMissingColumns(writer: DuckDBConnection): Promise<void> {
  for (const table of RECORD_TABLES) {
    const present = new Set((await writer.runAndReadAll('SELECT column_name FROM duckdb_columns() WHERE table_name = ?', [table])).getRows().map((row) => String(row[0])));
    for (const column of ADDED_COLUMNS) {
      if (!present.has(column.split(' ')[0]!)) await writer.run(`ALTER TABLE ${table} ADD COLUMN ${column}`);
    }
  }
}

/** Stores from before the minute counts get them for the rows already in runs, once. */
async function countMinutesOnce(writer: DuckDBConnection): Promise<void> {
  const exists = await writer.runAndReadAll("SELECT 1 FROM duckdb_tables() WHERE table_name = 'records_minutes'");
  if (exists.currentRowCount > 0) return;
  await writer.run('BEGIN TRANSACTION');
  try {
    await writer.run(MINUTE_COUNTS_TABLE);
    await writer.run(countMinutesSql('records_sorted'));
    await writer.run('COMMIT');
  } catch (error) {
    await writer.run('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

function combine(a: SqlFragment, b: SqlFragment): SqlFragment {
  return { sql: `(${a.sql}) AND ${b.sql}`, params: [...a.params, ...b.params] };
}

/** How much finer than the picked interval an auto histogram first counts (autoCountsSql). */
const FINE_PER_BUCKET = 100;

/** Rows of bucket, n (and k when split) as a histogram with every bucket of its span, empty ones too. */
function histogramOf(rows: Record<string, unknown>[], interval: number, filter: Filter, split: boolean): HistogramResult {
  const groups = new Map<number, Record<string, number>>();
  const counts = new Map<number, number>();
  for (const row of rows) {
    const bucket = Number(row.bucket);
    const n = Number(row.n);
    counts.set(bucket, (counts.get(bucket) ?? 0) + n);
    if (!split) continue;
    const groupCounts = groups.get(bucket) ?? {};
    groupCounts[String(row.k)] = n;
    groups.set(bucket, groupCounts);
  }
  const buckets = fillBuckets(counts, interval, filter.fromMs, filter.toMs);
  return { intervalMs: interval, buckets: split ? buckets.map((bucket) => ({ ...bucket, groups: groups.get(bucket.ts) ?? {} })) : buckets };
}

/**
 * The hits and the count run side by side, each in its own snapshot, so a record committed
 * between them would make the total disagree with the page. The page is the answer the user
 * reads: a first page short of the limit holds every match, a full one at least that many.
 */
function consistentTotal(counted: number, shown: number, limit: number, firstPage: boolean): number {
  if (firstPage && shown < limit) return shown;
  return Math.max(counted, shown);
}
