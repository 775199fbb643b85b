// The write path of the typed layout. A batch's lines go to DuckDB as ONE text parameter; DuckDB
// splits, parses (json_transform) and types them with the stream's template, and keeps a row as
// columns only when the template rebuilds its line byte for byte and SQL derives its ts, level
// and message for certain. The rest is retried with the stream's other templates, then with a
// template learned from them, and what is still left keeps its original text (`raw`) with the
// fields derived in JavaScript by toRecord. No value crosses into JavaScript on the common path.
import type { DuckDBAppender, DuckDBConnection } from '@duckdb/node-api';
import type { WriteBatch } from '../store.ts';
import { toRecord } from '../../record/normalize.ts';
import { messageBody } from '../../record/message-body.ts';
import { learnShape, sameShape, type Shape, type Template } from './template.ts';
import { derivedSql, extractColumnsSql, rebuildSql, transformSpec, UNSURE_LEVEL, UNSURE_MESSAGE, UNSURE_TS } from './template-sql.ts';
import type { ShapeRegistry } from './shape-registry.ts';

/** New templates learned from one write at most; a stream of ever-new shapes keeps raw text instead. */
const MAX_LEARNED_PER_WRITE = 3;
/** Leftover lines sampled to find the commonest shape to learn. */
const LEARN_SAMPLE = 64;

/** One message on its way into the store. */
interface Line {
  stream: string;
  partition: number;
  offset: number;
  ingestedAt: number;
  value: Buffer;
}

/** Typed rows of one template, waiting in a temp table until the commit. */
interface Pass {
  table: string;
  template: Template;
  stream: string;
}

/** Typed rows waiting in temp tables, and the lines left for the raw path. */
interface PreparedWrite {
  passes: Pass[];
  raw: Line[];
}

/** Partition (5 digits), offset and append time (16 each) before each line. */
const PREFIX = 37;

function withPosition(line: Line): string {
  return String(line.partition).padStart(5, '0') + String(line.offset).padStart(16, '0') + String(line.ingestedAt).padStart(16, '0')
    + line.value.toString('utf8');
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

  /** Outside the write transaction: types every stream's lines into temp tables and learns new shapes. */
  async prepare(batches: WriteBatch[]): Promise<PreparedWrite> {
    const prepared: PreparedWrite = { passes: [], raw: [] };
    const byStream = new Map<string, Line[]>();
    for (const batch of batches) {
      const lines = byStream.get(batch.stream) ?? [];
      byStream.set(batch.stream, lines);
      for (const entry of batch.entries) {
        const line = { stream: batch.stream, partition: batch.partition, ...entry };
        if (isOneLine(entry.value)) lines.push(line); else prepared.raw.push(line);
      }
    }
    try {
      for (const [stream, lines] of byStream) prepared.raw.push(...(await this.typeLines(stream, lines, prepared)));
    } catch (error) {
      await this.dropPasses(prepared);
      throw error;
    }
    return prepared;
  }

  private async typeLines(stream: string, lines: Line[], prepared: PreparedWrite): Promise<Line[]> {
    let left = lines;
    for (const template of [...this.registry.forStream(stream)]) {
      if (left.length === 0) return left;
      left = await this.pass(template, stream, left, prepared);
    }
    for (let learned = 0; left.length > 0 && learned < MAX_LEARNED_PER_WRITE; learned++) {
      const shape = commonestShape(left);
      if (!shape || !this.registry.canLearn(stream, shape)) break;
      const template = await this.registry.learn(this.connection, stream, shape);
      const before = left.length;
      left = await this.pass(template, stream, left, prepared);
      if (left.length === before) break;
    }
    return left;
  }

  /** Types `lines` with one template into a temp table; returns the lines it could not hold exactly. */
  private async pass(template: Template, stream: string, lines: Line[], prepared: PreparedWrite): Promise<Line[]> {
    const table = `pass_${++this.passCount}`;
    const derived = derivedSql(template, 'ingested_at');
    const columns = [...template.columns.values()];
    // The lines arrive as ONE text parameter (one call per write, not per value), each behind a
    // fixed-width prefix with its position: cheaper to cut than parallel lists. The statement is
    // planned per write, not prepared: a few ms per write group, and no plan outlives its temp table.
    await this.connection.run(`CREATE TEMP TABLE ${table} AS
      WITH src AS (SELECT unnest(l) AS r, generate_subscripts(l, 1) AS i FROM (SELECT string_split($1, chr(10)) AS l)),
      positioned AS (SELECT substr(r, ${PREFIX + 1}) AS line, i, substr(r, 1, 5)::INTEGER AS part,
                            substr(r, 6, 16)::BIGINT AS off, substr(r, 22, 16)::BIGINT AS ingested_at FROM src),
      parsed AS (SELECT *, try(json_transform(line, ${transformSpec(template)})) AS j FROM positioned),
      typed AS (SELECT line, i, part, off, ingested_at, ${extractColumnsSql(template, 'j').join(', ')} FROM parsed),
      derived AS (SELECT *, ${derived.ts} AS ts, ${derived.level} AS level, ${derived.message} AS message FROM typed)
      SELECT i, part, off, ingested_at, ${columns.join(', ')}, ts, level, message,
        ${rebuildSql(template)} IS NOT DISTINCT FROM line AND ts <> ${UNSURE_TS}
        AND level IS DISTINCT FROM '${UNSURE_LEVEL}' AND message IS DISTINCT FROM ${UNSURE_MESSAGE} AS exact
      FROM derived`, [lines.map(withPosition).join('\n')]);
    const misses = (await this.connection.runAndReadAll(`SELECT i FROM ${table} WHERE NOT exact ORDER BY i`)).getRows();
    if (misses.length < lines.length) {
      prepared.passes.push({ table, template, stream });
      this.registry.matched(template);
    } else {
      await this.connection.run(`DROP TABLE ${table}`);
    }
    return misses.map((row) => lines[Number(row[0]) - 1]!);
  }

  /** Inside the write transaction: moves the typed rows into `records` and appends the raw ones. */
  async insert(prepared: PreparedWrite): Promise<void> {
    for (const { table, template, stream } of prepared.passes) {
      const columns = [...template.columns.values()].join(', ');
      await this.connection.run(`INSERT INTO records (stream, ts, ingested_at, part, off, level, message, tpl, ${columns})
        SELECT ?, ts, ingested_at, part, off, level, message, ${template.id}, ${columns} FROM ${table} WHERE exact`, [stream]);
    }
    if (prepared.raw.length > 0) await this.appendRaw(prepared.raw);
  }

  async dropPasses(prepared: PreparedWrite): Promise<void> {
    for (const { table } of prepared.passes) await this.connection.run(`DROP TABLE IF EXISTS ${table}`);
  }

  private async appendRaw(rows: Line[]): Promise<void> {
    const appender: DuckDBAppender = await this.connection.createAppender('records');
    const typedColumns = appender.columnCount - BASE_COLUMNS;
    for (const { stream, partition, ...entry } of rows) {
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

function commonestShape(entries: Line[]): Shape | null {
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
