// The write path of the typed layout. A batch's lines go to DuckDB as ONE blob parameter; DuckDB
// splits, parses (json_transform) and types them with the stream's template, and inserts a row as
// columns only when the template rebuilds its line byte for byte and SQL derives its ts, level
// and message for certain. The rest is retried with the stream's other templates, and what is
// still left keeps its original text (`raw`) with the fields derived in JavaScript by toRecord.
// No value crosses into JavaScript on the common path.
import { isUtf8 } from 'node:buffer';
import { blobValue, listValue, LIST, VARCHAR, BLOB, type DuckDBAppender, type DuckDBIntegerVector, type DuckDBConnection } from '@duckdb/node-api';
import type { WriteBatch } from '../store.ts';
import { toRecord } from '../../record/normalize.ts';
import type { LogRecord } from '../../record/record.ts';
import { messageBody } from '../../record/message-body.ts';
import { fitsShape, flatKeysOfValue, flatShape, hasOptional, holdsManyKeySets, inWriteOrder, keysOfShape, keysOfValue, learnShape, mergedShape, sameShape, type Shape, type Template } from './template.ts';
import { derivedSql, extractColumnsSql, prefixTextSql, rebuildSql, restKeysPattern, transformSpec, UNSURE_LEVEL, UNSURE_MESSAGE, UNSURE_TS } from './template-sql.ts';
import type { ShapeRegistry } from './shape-registry.ts';
import type { StreamSources } from './stream-sources.ts';
import { RECORD_TABLES } from './schema.ts';
import type { OwnIds } from './own-ids.ts';
import type { PreparedStatements } from './prepared-statements.ts';

/** New templates learned before one write at most; a stream of ever-new shapes keeps raw text instead. */
const MAX_LEARNED_PER_WRITE = 3;
/** Beside a write's main shape, groups of one shape smaller than this keep their text, but for the largest few. */
const MIN_TYPED_GROUP = 64;
const TYPED_SMALL_GROUPS = 2;
/** Own shapes of one flat shape among a write's sampled lines past which the flat one is learned. */
const FLAT_AFTER_SHAPES = 3;
/** Lines of a write sampled for shapes no template has yet. */
const LEARN_SAMPLE = 16;
/** Lines of a stream that kept their text, kept to learn from before the next write. */
const LEFTOVER_SAMPLE = 64;

/** One message on its way into the store. */
interface Line {
  stream: string;
  partition: number;
  offset: number;
  ingestedAt: number;
  value: Buffer;
  /** The number of the line's topic among its stream's (stream-sources.ts). */
  src: number;
  /** An id the record carried of its own. */
  id?: string;
}

/** What the lanes' writers share. */
export interface TypedWriterContext {
  registry: ShapeRegistry;
  sources: StreamSources;
  ownIds: OwnIds;
  /** Runs a step when columns may be added: no other write transaction open, no move running. */
  alone: <T>(step: () => Promise<T>) => Promise<T>;
  timeZoneOf: (stream: string) => string;
}

/** A write's lines by stream, and those no template can hold (multi-line, empty). */
interface SortedLines {
  byStream: Map<string, Line[]>;
  raw: Line[];
}

const NEWLINE = Buffer.from('\n');

/** The lines of a write as one blob, newline-separated: its bytes are copied once, never decoded here. */
function joined(lines: Line[]): Buffer {
  const parts: Buffer[] = [];
  for (const line of lines) {
    if (parts.length > 0) parts.push(NEWLINE);
    parts.push(line.value);
  }
  return Buffer.concat(parts);
}

/**
 * Where each line came from, as `first line (1-based),partition,offset,append time,source` per run
 * of lines with consecutive offsets of one partition, append time and topic: a handful per write
 * (one per produce call): a position per line cost ~0.5 µs to write here and more to cut off in SQL.
 */
function positionRuns(lines: Line[]): string {
  const runs: string[] = [];
  let previous: Line | undefined;
  lines.forEach((line, i) => {
    if (!previous || line.partition !== previous.partition || line.offset !== previous.offset + 1 || line.ingestedAt !== previous.ingestedAt || line.src !== previous.src) {
      runs.push(`${i + 1},${line.partition},${line.offset},${line.ingestedAt},${line.src}`);
    }
    previous = line;
  });
  return runs.join(';');
}

const VARCHAR_LIST = LIST(VARCHAR);

/**
 * The lines' own ids as one JSON array of strings (null for a line without one), or null when no
 * line has one (the common case): one value bound per write, where a list parameter converted
 * every id into a DuckDB value on the main thread.
 */
function ownIds(lines: Line[]): string | null {
  if (!lines.some((line) => line.id !== undefined)) return null;
  return JSON.stringify(lines.map((line) => line.id ?? null));
}

/** Lines by the keys of their shape, nested ones too (undefined: not a JSON object); parsed here, as they are few. */
/**
 * The lines grouped by their keys (keysOfValue), each group with its flat keys (flatKeysOfValue).
 * Lines whose flat keys a template may have (`hasTemplate`) are grouped by those: their objects
 * vary, and one statement of the flat template can hold them all.
 */
function linesByKeys(lines: Line[], hasTemplate: (keys: string) => boolean): Map<string | undefined, { lines: Line[]; flatKeys?: string }> {
  const groups = new Map<string | undefined, { lines: Line[]; flatKeys?: string }>();
  for (const line of lines) {
    let keys: string | undefined;
    let flatKeys: string | undefined;
    try {
      const parsed: unknown = JSON.parse(line.value.toString('utf8'));
      if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) {
        keys = keysOfValue(parsed as Record<string, unknown>);
        flatKeys = flatKeysOfValue(parsed as Record<string, unknown>);
        if (hasTemplate(flatKeys)) keys = flatKeys;
      }
    } catch {
      keys = undefined;
    }
    const group = groups.get(keys);
    if (group) group.lines.push(line);
    else groups.set(keys, { lines: [line], ...(flatKeys === undefined ? {} : { flatKeys }) });
  }
  return groups;
}

/** One line of valid UTF-8: decode() in SQL fails on anything else, and the lines are split on newlines. */
function isTypable(value: Buffer): boolean {
  return value.length > 0 && value.indexOf(10) === -1 && value.indexOf(13) === -1 && isUtf8(value);
}

export class TypedWriter {
  private readonly connection: DuckDBConnection;
  private readonly registry: ShapeRegistry;
  private readonly context: TypedWriterContext;
  /** Per stream, lines that recently kept their text: candidates for the next template. */
  private readonly leftovers = new Map<string, Line[]>();
  /** records_recent's column names in table order, as the appender fills them. */
  private recentColumns: string[] = [];
  /** The connection's prepared statements (a template's insert is planned once). */
  private readonly prepared: PreparedStatements;

  constructor(connection: DuckDBConnection, context: TypedWriterContext, prepared: PreparedStatements) {
    this.connection = connection;
    this.prepared = prepared;
    this.registry = context.registry;
    this.context = context;
  }

  /** Outside the write transaction: numbers the topics the store has not seen yet. */
  async addSources(batches: WriteBatch[]): Promise<void> {
    const { sources } = this.context;
    for (const { stream, topic = stream } of batches) {
      if (sources.codeOf(stream, topic) === undefined) await this.context.alone(() => sources.add(this.connection, stream, topic));
    }
  }

  sort(batches: WriteBatch[]): SortedLines {
    const sorted: SortedLines = { byStream: new Map(), raw: [] };
    for (const batch of batches) {
      const lines = sorted.byStream.get(batch.stream) ?? [];
      sorted.byStream.set(batch.stream, lines);
      const src = this.context.sources.codeOf(batch.stream, batch.topic ?? batch.stream)!;
      for (const entry of batch.entries) {
        const line: Line = { stream: batch.stream, partition: batch.partition, src, ...entry };
        if (isTypable(entry.value)) lines.push(line); else sorted.raw.push(line);
      }
    }
    return sorted;
  }

  /**
   * Outside the write transaction (new columns are DDL committed on their own): learns the
   * commonest new shapes among a sample of this write and the lines earlier writes left as text.
   */
  async learn(sorted: SortedLines): Promise<void> {
    for (const [stream, lines] of sorted.byStream) {
      const sampled = sample(lines, LEARN_SAMPLE);
      const leftovers = this.leftovers.get(stream) ?? [];
      this.leftovers.delete(stream);
      // sampled lines a template with optional members fits need nothing new; the leftovers missed every template.
      // A template with a rest is not asked: lines it holds may still get a template typing them whole.
      const merged = this.registry.forStream(stream).filter(hasOptional);
      const unheld = merged.length === 0 ? sampled : sampled.filter((line) => !merged.some((template) => fitsParsed(template, line)));
      const candidates = [...unheld, ...leftovers];
      // a shape a few lines have stays text (MIN_TYPED_GROUP): learning it is DDL for nothing
      const shapes = unknownShapes(candidates, this.registry.forStream(stream), Math.max(2, Math.ceil(candidates.length / 8)));
      // one shape for all the lines, when they differ by optional members or leaf types and it fits
      const union = shapes.length > 0 ? mergedShape([...sampled, ...leftovers].map((line) => line.value.toString('utf8'))) : null;
      // a shape past the column budget types its first members, the rest kept as text
      const fittedUnion = union && this.registry.fitted(stream, union);
      const learnable = fittedUnion ? [fittedUnion]
        : shapes.slice(0, MAX_LEARNED_PER_WRITE).reverse().map((shape) => this.registry.fitted(stream, shape)).filter((shape) => shape !== null);
      // learned commonest last: a learned template goes to the front, where the next write tries it first
      for (const shape of learnable) {
        if (!this.registry.canLearn(stream, shape)) continue;
        // asked again once alone: another writer may have learned it meanwhile
        await this.context.alone(async () => { if (this.registry.canLearn(stream, shape)) await this.registry.learn(this.connection, stream, shape); });
      }
    }
  }

  /** Inside the write transaction: inserts every line, typed where a template holds it exactly. */
  async insert(sorted: SortedLines): Promise<void> {
    await this.replaceOwnIds(sorted);
    const raw = [...sorted.raw];
    for (const [stream, lines] of sorted.byStream) {
      const left = await this.insertTyped(stream, lines);
      if (left.length > 0) this.leftovers.set(stream, sample(left, LEFTOVER_SAMPLE));
      raw.push(...left);
    }
    if (raw.length > 0) await this.appendRaw(raw);
  }

  /**
   * A record carrying its own id replaces the stored record of its stream with that id (a pipeline's
   * output sent again after a restart, a redelivered preset record): the older rows are deleted in
   * the write's transaction, and of one id twice in a write the later line is kept.
   */
  private async replaceOwnIds(sorted: SortedLines): Promise<void> {
    const byStream = new Map<string, Set<string>>();
    const keepLast = (lines: Line[]): Line[] => {
      if (!lines.some((line) => line.id !== undefined)) return lines;
      const seen = new Set<string>();
      const kept = lines.toReversed().filter((line) => {
        if (line.id === undefined) return true;
        const key = `${line.stream}\u0000${line.id}`;
        if (seen.has(key)) return false;
        seen.add(key);
        const ids = byStream.get(line.stream) ?? new Set<string>();
        byStream.set(line.stream, ids.add(line.id));
        return true;
      });
      return kept.reverse();
    };
    for (const [stream, lines] of sorted.byStream) sorted.byStream.set(stream, keepLast(lines));
    sorted.raw = keepLast(sorted.raw);
    for (const [stream, ids] of byStream) {
      const maybe = this.context.ownIds.maybeStored(stream, ids);
      if (maybe.length === 0) continue;
      const list = listValue(maybe);
      for (const table of RECORD_TABLES) {
        await this.prepared.runAndReadAll(`DELETE FROM ${table} WHERE rid IN (SELECT unnest($2::VARCHAR[])) AND stream = $1`, [stream, list], [VARCHAR, VARCHAR_LIST]);
      }
    }
  }

  /**
   * Tries the stream's templates, most recently matched first; returns the lines none held. The
   * most recent one takes every line (most writes are one shape); the lines it missed are tried
   * only against the templates of their own keys (nested ones too): each try is a statement DuckDB plans
   * and a parse of the lines, and a stream of 20 shapes (5 % invalid records, each lacking other
   * fields) otherwise paid 40 statements a write (docs/performance.md, step 12). Beyond the two
   * largest groups, a few lines of a rare shape keep their text.
   */
  private async insertTyped(stream: string, lines: Line[]): Promise<Line[]> {
    const zone = this.context.timeZoneOf(stream);
    const [first, ...rest] = inWriteOrder(this.registry.forStream(stream));
    // a write whose lines of this stream all keep their text (multi-line ones) has none to type
    if (!first || lines.length === 0) return lines;
    let missed = await this.tryTemplate(first, stream, lines, zone, lines.length);
    // templates with optional members hold lines of many keys: each tries all the misses
    for (const template of rest.filter(holdsManyKeySets)) {
      if (missed.length === 0) break;
      missed = await this.tryTemplate(template, stream, missed, zone, lines.length);
    }
    if (missed.length === 0 || rest.length === 0) return missed;
    const restByKeys = new Map<string, Template[]>();
    for (const template of rest.filter((candidate) => !holdsManyKeySets(candidate))) {
      const keys = keysOfShape(template);
      restByKeys.set(keys, [...(restByKeys.get(keys) ?? []), template]);
    }
    const left: Line[] = [];
    const groups = [...linesByKeys(missed, (keys) => restByKeys.has(keys))].sort((a, b) => b[1].lines.length - a[1].lines.length);
    for (const [rank, [keys, { lines: group, flatKeys }]] of groups.entries()) {
      let remaining = group;
      // beyond the largest few, a handful of lines is cheaper kept as text (~10 µs each in
      // JavaScript) than the statements of a try (a few ms each to plan)
      if (rank >= TYPED_SMALL_GROUPS && group.length < MIN_TYPED_GROUP) {
        left.push(...group);
        continue;
      }
      // the templates of the lines' own keys, then a flat one (objects whole) that holds them too
      const candidates = [...(keys === undefined ? [] : restByKeys.get(keys) ?? []),
        ...(flatKeys === undefined || flatKeys === keys ? [] : restByKeys.get(flatKeys) ?? [])];
      for (const template of candidates) {
        if (remaining.length === 0) break;
        remaining = await this.tryTemplate(template, stream, remaining, zone, lines.length);
      }
      left.push(...remaining);
    }
    return left;
  }

  /** Inserts the lines the template holds exactly; returns the others. `written`: the lines of the stream in this write. */
  private async tryTemplate(template: Template, stream: string, lines: Line[], zone: string, written: number): Promise<Line[]> {
    const { inserted, missed } = await this.insertHeld(template, stream, lines, zone);
    if (inserted === 0) return lines;
    // tried first next time only when it holds most of a write: a rare shape last would push the common one back
    if (inserted * 2 >= written) this.registry.matched(template);
    return inserted === lines.length ? [] : missed();
  }

  /**
   * The insert, and how to tell the lines it missed apart: by the inserted rows' positions (a
   * second statement would parse every line again), read only when some line was missed. Lines of
   * one partition and topic, each with an offset of its own, are told apart by their offsets alone,
   * one INTEGER column read as DuckDB's vectors; others by every row's position and id as
   * JavaScript values.
   */
  private async insertHeld(template: Template, stream: string, lines: Line[], zone: string): Promise<{ inserted: number; missed: () => Line[] }> {
    const text = blobValue(joined(lines));
    const positions = positionRuns(lines);
    const ids = ownIds(lines);
    const params = ids === null ? [text, positions, stream] : [text, positions, stream, ids];
    const types = ids === null ? [BLOB, VARCHAR, VARCHAR] : [BLOB, VARCHAR, VARCHAR, VARCHAR];
    const compact = compactPositions(lines);
    if (compact) {
      const result = await this.prepared.runChunks(insertSql(template, { ownIds: ids !== null, offsetsOnly: true }, zone), params, types);
      return {
        inserted: result.rowCount,
        missed: () => {
          const stored = new Uint8Array(compact.span);
          for (let c = 0; c < result.chunkCount; c++) {
            const vector = result.getChunk(c).getColumnVector(0) as DuckDBIntegerVector;
            for (let i = 0; i < vector.itemCount; i++) stored[(vector.getItem(i)! - compact.base % OFFSET_MODULUS + OFFSET_MODULUS) % OFFSET_MODULUS] = 1;
          }
          return lines.filter((line) => stored[line.offset - compact.base] === 0);
        },
      };
    }
    const result = await this.prepared.runAndReadAll(insertSql(template, { ownIds: ids !== null }, zone), params, types);
    return {
      inserted: result.currentRowCount,
      missed: () => {
        const stored = new Set(result.getRows().map(([part, off, src, rid]) => `${String(part)},${String(off)},${String(src)},${rid === null ? '' : String(rid)}`));
        return lines.filter((line) => !stored.has(`${line.partition},${line.offset},${line.src},${line.id ?? ''}`));
      },
    };
  }

  private async appendRaw(rows: Line[]): Promise<void> {
    const appender: DuckDBAppender = await this.connection.createAppender('records_recent');
    // columns are only ever added, so their number tells whether the cached order still holds
    if (this.recentColumns.length !== appender.columnCount) {
      const names = await this.connection.runAndReadAll("SELECT column_name FROM duckdb_columns() WHERE table_name = 'records_recent' ORDER BY column_index");
      this.recentColumns = names.getRows().map((row) => String(row[0]));
    }
    for (const line of rows) {
      const { body, json } = messageBody(line.value);
      const record = toRecord(body, { stream: line.stream, id: '', ingestedAt: line.ingestedAt, timeZone: this.context.timeZoneOf(line.stream) });
      for (const column of this.recentColumns) appendColumn(appender, column, line, record, json);
      appender.endRow();
    }
    appender.flushSync();
    appender.closeSync();
  }
}

/** One value of a row that keeps its text: the record's columns, NULL for every typed one. */
function appendColumn(appender: DuckDBAppender, column: string, line: Line, record: LogRecord, json: string): void {
  const text = (value: string | null | undefined) => (value === null || value === undefined ? appender.appendNull() : appender.appendVarchar(value));
  switch (column) {
    case 'stream': return appender.appendVarchar(line.stream);
    case 'ts': return appender.appendBigInt(BigInt(record.ts));
    case 'ingested_at': return appender.appendBigInt(BigInt(line.ingestedAt));
    case 'part': return appender.appendInteger(line.partition);
    case 'off': return appender.appendBigInt(BigInt(line.offset));
    case 'src': return appender.appendSmallInt(line.src);
    case 'rid': return text(line.id);
    case 'level': return text(record.level);
    case 'message': return text(record.message);
    case 'raw': return appender.appendVarchar(json);
    default: return appender.appendNull(); // tpl and the typed columns
  }
}

/**
 * The lines of $1 typed by the template, each with `exact`. The lines arrive as ONE blob
 * parameter (one call per write, not per value) and their positions as runs ($2, positionRuns),
 * which an ASOF join spreads over the lines. The statement is planned per write, not
 * prepared: a plan kept across writes is what once returned rows a temp table did not have.
 * The LIMIT stops the optimizer from pushing a filter on `exact` down into the columns, which
 * would inline the parse into every column's expression and parse each line a dozen times.
 */
function typedLinesSql(template: Template, zone: string, ownIds: boolean): string {
  const derived = derivedSql(template, 'ingested_at', zone);
  const sure = `ts <> ${UNSURE_TS} AND level IS DISTINCT FROM '${UNSURE_LEVEL}' AND message IS DISTINCT FROM ${UNSURE_MESSAGE}`;
  // a template with a rest: the line must begin with its typed members, the rest is what follows them
  const checked = template.rest
    ? `prefixed AS (SELECT *, ${prefixTextSql(template)} AS prefix_text FROM derived),
    cut AS (SELECT *, substr(line, length(prefix_text) + 1) AS after FROM prefixed),
    flagged AS (SELECT *, CASE WHEN after = '}' THEN '{}' ELSE '{' || substr(after, 2) END AS rest,
      starts_with(line, prefix_text) AND (after = '}' OR starts_with(after, ',')) AND NOT regexp_matches(after, ${restKeysPattern(template)})
      AND ${sure} AS exact
      FROM cut LIMIT 9223372036854775807)`
    : `flagged AS (SELECT *, ${rebuildSql(template)} IS NOT DISTINCT FROM line AND ${sure} AS exact
      FROM derived LIMIT 9223372036854775807)`;
  // $4, the own ids, parsed once beside the lines and unnested with them (an expression on it per row parsed it per row)
  const rid = ownIds ? `unnest(from_json($4::VARCHAR, '["VARCHAR"]')) AS rid` : 'NULL::VARCHAR AS rid';
  return `WITH lines AS (SELECT unnest(l) AS line, generate_subscripts(l, 1) AS i, ${rid} FROM (SELECT string_split(decode($1), chr(10)) AS l)),
    runs AS (SELECT r[1]::BIGINT AS first_line, r[2]::INTEGER AS part, r[3]::BIGINT AS off, r[4]::BIGINT AS ingested_at, r[5]::SMALLINT AS src
             FROM (SELECT string_split(unnest(string_split($2, ';')), ',') AS r)),
    positioned AS (SELECT line, i, rid, part, off + (i - first_line) AS off, ingested_at, runs.src FROM lines ASOF JOIN runs ON lines.i >= runs.first_line),
    parsed AS (SELECT *, try(json_transform(line, ${transformSpec(template)})) AS j FROM positioned),
    typed AS (SELECT line, i, rid, part, off, ingested_at, src, ${extractColumnsSql(template, 'j').join(', ')} FROM parsed),
    derived AS (SELECT *, ${derived.ts} AS ts, ${derived.level} AS level, ${derived.message} AS message FROM typed),
    ${checked}`;
}

/** Offsets come back modulo this (an INTEGER: no BigInt per row); a write's lines span far less. */
const OFFSET_MODULUS = 2 ** 30;

/**
 * Rows of a write go in sorted by ts, so the rows of one time window sit together in a few
 * vectors of each write instead of spread over all of them: a newest-first search bounded by ts
 * (newest-first.ts) then decodes the other columns of those vectors only. Same CPU and size.
 */
function insertSql(template: Template, { ownIds = false, offsetsOnly = false }: { ownIds?: boolean; offsetsOnly?: boolean }, zone: string): string {
  // A shape whose every leaf is kept (`{"level": …, "message": …}`) has no column of its own.
  // The cast types $3 when the statement is planned: a parameter typed only by its value makes
  // DuckDB bind and optimize the whole statement a second time (9 % of all server CPU: docs/performance.md, step 8).
  const columns = [...template.columns.values(), ...(template.rest ? ['rest'] : [])].map((column) => `, ${column}`).join('');
  // lines of one partition and topic, each with an offset of its own, are told apart by offsets alone (RETURNING takes no parameter)
  const returning = offsetsOnly ? `(off % ${OFFSET_MODULUS})::INTEGER` : 'part, off, src, rid';
  return `INSERT INTO records_recent (stream, ts, ingested_at, part, off, src, rid, level, message, tpl${columns})
    ${typedLinesSql(template, zone, ownIds)}
    SELECT $3::VARCHAR, ts, ingested_at, part, off, src, rid, level, message, ${template.id}${columns} FROM flagged WHERE exact ORDER BY ts
    RETURNING ${returning}`;
}

/**
 * Lines of one partition and topic, each with an offset of its own, within a span an array can
 * mark: each line's offset from the lowest names it. Records of one message share its offset
 * (they carry ids of their own): those are told apart by every row's position and id.
 */
function compactPositions(lines: Line[]): { base: number; span: number } | null {
  const { partition, src } = lines[0]!;
  let low = Infinity;
  let high = -Infinity;
  for (const line of lines) {
    if (line.partition !== partition || line.src !== src) return null;
    if (line.offset < low) low = line.offset;
    if (line.offset > high) high = line.offset;
  }
  const span = high - low + 1;
  if (span > Math.min(lines.length * 4 + 1024, OFFSET_MODULUS)) return null;
  const seen = new Uint8Array(span);
  for (const line of lines) {
    if (seen[line.offset - low] === 1) return null;
    seen[line.offset - low] = 1;
  }
  return { base: low, span };
}

function fitsParsed(template: Template, line: Line): boolean {
  try {
    return fitsShape(template, JSON.parse(line.value.toString('utf8')));
  } catch {
    return false;
  }
}

function sample(lines: Line[], size: number): Line[] {
  if (lines.length <= size) return lines;
  const step = lines.length / size;
  return Array.from({ length: size }, (_, i) => lines[Math.floor(i * step)]!);
}

/**
 * Shapes of the lines that no template has, commonest first. Lines whose objects vary (their own
 * shapes differ only inside objects, FLAT_AFTER_SHAPES of them or more) share one flat shape with
 * the objects kept whole: one template, one statement a write, where their own shapes would each
 * be a statement. Other lines are learned by their own shape.
 */
function unknownShapes(lines: Line[], templates: readonly Template[], minCount: number): Shape[] {
  const unknown = (shape: Shape | null): shape is Shape => shape !== null && !templates.some((template) => sameShape(template, shape));
  const byFlat: Array<{ flat: Shape; own: Shape[]; count: number }> = [];
  const own: Shape[] = [];
  for (const line of lines) {
    const text = line.value.toString('utf8');
    const shape = learnShape(text);
    if (!unknown(shape)) continue;
    const flat = flatShape(text);
    // a flat template holds the line already
    if (flat && !sameShape(flat, shape) && !unknown(flat)) continue;
    own.push(shape);
    if (!flat || sameShape(flat, shape)) continue;
    let group = byFlat.find((candidate) => sameShape(candidate.flat, flat));
    if (!group) byFlat.push(group = { flat, own: [], count: 0 });
    group.count++;
    if (!group.own.some((other) => sameShape(other, shape))) group.own.push(shape);
  }
  const flatGroups = byFlat.filter((group) => group.own.length >= FLAT_AFTER_SHAPES && group.count >= minCount && unknown(group.flat));
  const counted: Array<{ shape: Shape; count: number }> = flatGroups.map((group) => ({ shape: group.flat, count: group.count }));
  for (const shape of own) {
    if (flatGroups.some((group) => group.own.some((other) => sameShape(other, shape)))) continue;
    const known = counted.find((candidate) => sameShape(candidate.shape, shape));
    if (known) known.count++; else counted.push({ shape, count: 1 });
  }
  return counted.filter((entry) => entry.count >= minCount).sort((a, b) => b.count - a.count).map((entry) => entry.shape);
}
