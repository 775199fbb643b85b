// The write path of the typed layout. A batch's lines go to DuckDB as ONE text parameter; DuckDB
// splits, parses (json_transform) and types them with the stream's template, and keeps a row as
// columns only when the template rebuilds its line byte for byte and SQL derives its ts, level
// and message for certain. The rest is retried with the stream's other templates, then with a
// template learned from them, and what is still left keeps its original text (`raw`) with the
// fields derived in JavaScript by toRecord. No value crosses into JavaScript on the common path.
import type { DuckDBAppender, DuckDBConnection } from '@duckdb/node-api';
import type { WriteBatch, LogEntry } from '../store.ts';
import { toRecord } from '../../record/normalize.ts';
import { messageBody } from '../../record/message-body.ts';
import { learnShape, sameShape, type Shape, type Template } from './template.ts';
import { derivedSql, extractColumnsSql, rebuildSql, transformSpec, UNSURE_LEVEL, UNSURE_MESSAGE, UNSURE_TS } from './template-sql.ts';
import type { ShapeRegistry } from './shape-registry.ts';

/** New templates learned from one batch at most; a stream of ever-new shapes keeps raw text instead. */
const MAX_LEARNED_PER_BATCH = 3;
/** Leftover lines sampled to find the commonest shape to learn. */
const LEARN_SAMPLE = 64;

interface Pass {
  table: string;
  template: Template;
  stream: string;
  partition: number;
}

/** Typed rows waiting in temp tables, and the entries left for the raw path. */
export interface PreparedBatch {
  passes: Pass[];
  raw: Array<{ stream: string; partition: number; entry: LogEntry }>;
}

function isOneLine(value: Buffer): boolean {
  return value.length > 0 && value.indexOf(10) === -1 && value.indexOf(13) === -1;
}

export class TypedWriter {
  private readonly connection: DuckDBConnection;
  private readonly registry: ShapeRegistry;
  private passCount = 0;

  constructor(connection: DuckDBConnection, registry: ShapeRegistry) {
    this.connection = connection;
    this.registry = registry;
  }

  /** Outside the write transaction: types the batches into temp tables and learns new shapes. */
  async prepare(batches: WriteBatch[]): Promise<PreparedBatch> {
    const prepared: PreparedBatch = { passes: [], raw: [] };
    for (const batch of batches) {
      const lines: LogEntry[] = [];
      for (const entry of batch.entries) {
        if (isOneLine(entry.value)) lines.push(entry);
        else prepared.raw.push({ stream: batch.stream, partition: batch.partition, entry });
      }
      const left = await this.typeLines(batch.stream, batch.partition, lines, prepared.passes);
      for (const entry of left) prepared.raw.push({ stream: batch.stream, partition: batch.partition, entry });
    }
    return prepared;
  }

  private async typeLines(stream: string, partition: number, entries: LogEntry[], passes: Pass[]): Promise<LogEntry[]> {
    let left = entries;
    for (const template of [...this.registry.forStream(stream)]) {
      if (left.length === 0) return left;
      left = await this.pass(template, stream, partition, left, passes);
    }
    for (let learned = 0; left.length > 0 && learned < MAX_LEARNED_PER_BATCH; learned++) {
      const shape = commonestShape(left);
      if (!shape || !this.registry.canLearn(stream, shape)) break;
      const template = await this.registry.learn(this.connection, stream, shape);
      const before = left.length;
      left = await this.pass(template, stream, partition, left, passes);
      if (left.length === before) break;
    }
    return left;
  }

  /** Types `entries` with one template into a temp table; returns the entries it could not hold exactly. */
  private async pass(template: Template, stream: string, partition: number, entries: LogEntry[], passes: Pass[]): Promise<LogEntry[]> {
    const table = `pass_${++this.passCount}`;
    const lines = entries.map((entry) => entry.value.toString('utf8')).join('\n');
    const indexes = entries.map((_, i) => i).join(',');
    const offsets = entries.map((entry) => entry.offset).join(',');
    const times = entries.map((entry) => entry.ingestedAt).join(',');
    const derived = derivedSql(template, 'ingested_at');
    await this.connection.run(`CREATE TEMP TABLE ${table} AS
      WITH src AS (SELECT unnest(string_split($lines, chr(10))) AS line, unnest(string_split($indexes, ',')) AS i,
                          unnest(string_split($offsets, ',')) AS o, unnest(string_split($times, ',')) AS t),
      parsed AS (SELECT line, i::INTEGER AS i, o::BIGINT AS off, t::BIGINT AS ingested_at, try(json_transform(line, ${transformSpec(template)})) AS j FROM src),
      typed AS (SELECT line, i, off, ingested_at, ${extractColumnsSql(template, 'j').join(', ')} FROM parsed),
      derived AS (SELECT *, ${derived.ts} AS ts, ${derived.level} AS level, ${derived.message} AS message FROM typed)
      SELECT * EXCLUDE (line), ${rebuildSql(template)} IS NOT DISTINCT FROM line AND ts <> ${UNSURE_TS}
        AND level IS DISTINCT FROM '${UNSURE_LEVEL}' AND message IS DISTINCT FROM ${UNSURE_MESSAGE} AS exact
      FROM derived`, { lines, indexes, offsets, times });
    const misses = (await this.connection.runAndReadAll(`SELECT i FROM ${table} WHERE NOT exact ORDER BY i`)).getRows();
    if (misses.length < entries.length) {
      passes.push({ table, template, stream, partition });
      this.registry.matched(template);
    } else {
      await this.connection.run(`DROP TABLE ${table}`);
    }
    return misses.map((row) => entries[Number(row[0])]!);
  }

  /** Inside the write transaction: moves the typed rows into `records` and appends the raw ones. */
  async insert(prepared: PreparedBatch): Promise<void> {
    for (const pass of prepared.passes) {
      const columns = [...pass.template.columns.values()];
      await this.connection.run(`INSERT INTO records (stream, ts, ingested_at, part, off, level, message, tpl, ${columns.join(', ')})
        SELECT ?, ts, ingested_at, ?, off, level, message, ${pass.template.id}, ${columns.join(', ')}
        FROM ${pass.table} WHERE exact`, [pass.stream, pass.partition]);
    }
    if (prepared.raw.length > 0) await this.appendRaw(prepared.raw);
  }

  async dropPasses(prepared: PreparedBatch): Promise<void> {
    for (const pass of prepared.passes) await this.connection.run(`DROP TABLE IF EXISTS ${pass.table}`);
  }

  private async appendRaw(rows: PreparedBatch['raw']): Promise<void> {
    const appender: DuckDBAppender = await this.connection.createAppender('records');
    const typedColumns = appender.columnCount - BASE_COLUMNS;
    for (const { stream, partition, entry } of rows) {
      const { body, json } = messageBody(entry.value);
      const record = toRecord(body, { stream, id: '', ingestedAt: entry.ingestedAt });
      appender.appendVarchar(stream);
      appender.appendBigInt(BigInt(record.ts));
      appender.appendBigInt(BigInt(entry.ingestedAt));
      appender.appendInteger(partition);
      appender.appendBigInt(BigInt(entry.offset));
      if (record.level === null) appender.appendNull(); else appender.appendVarchar(record.level);
      if (record.message === null) appender.appendNull(); else appender.appendVarchar(record.message);
      appender.appendNull(); // tpl
      appender.appendVarchar(json);
      for (let i = 0; i < typedColumns; i++) appender.appendNull();
      appender.endRow();
    }
    appender.flushSync();
    appender.closeSync();
  }
}

/** stream, ts, ingested_at, part, off, level, message, tpl, raw: the columns before the typed ones. */
const BASE_COLUMNS = 9;

function commonestShape(entries: LogEntry[]): Shape | null {
  const step = Math.max(1, Math.floor(entries.length / LEARN_SAMPLE));
  const seen: Array<{ shape: Shape; count: number }> = [];
  for (let i = 0; i < entries.length; i += step) {
    const shape = learnShape(entries[i]!.value.toString('utf8'));
    if (!shape) continue;
    const known = seen.find((candidate) => sameShape(candidate.shape, shape));
    if (known) known.count++; else seen.push({ shape, count: 1 });
  }
  seen.sort((a, b) => b.count - a.count);
  return seen[0]?.shape ?? null;
}
