// SQL generated from a template: the json_transform structure that types a line, the expression
// that rebuilds the line from the columns (the exactness check at write time and the body of a
// hit at read time, so both sides use one definition), and the record's derived ts, level and
// message with the same rules as src/record/ (toRecord). Keys reach SQL only as escaped literals.
import { LAST_EVENT_MS, TIME_FIELDS } from '../../record/time.ts';
import { LEVEL_FIELDS, LEVEL_NAMES } from '../../record/level.ts';
import { MESSAGE_FIELDS } from '../../record/message.ts';
import { leavesOf, pathKey, type KeptAs, type Template, type TemplateNode, type LeafType, type Separators } from './template.ts';

/** Derived values SQL cannot be sure of (zone-less dates, padded level names…) mark the row for the JavaScript path. */
export const UNSURE_TS = '-9223372036854775807';
export const UNSURE_LEVEL = '?';
/** SQL text cannot hold a NUL, so the message marker is an expression. */
export const UNSURE_MESSAGE = "(chr(0) || '?')";

export function sqlString(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

function transformType(node: TemplateNode): unknown {
  if (node.children) return Object.fromEntries(node.children.map((child) => [child.key, transformType(child)]));
  return node.type === 'NUMBER' ? 'DOUBLE' : node.type;
}

/**
 * A DOUBLE as JavaScript's JSON.stringify prints it: a whole number without `.0`. Where DuckDB's
 * text differs otherwise (exponents: `1e-07` for `1e-7`) the row is not exact and keeps its text.
 */
export function numberTextSql(column: string): string {
  return `CASE WHEN ${column} = trunc(${column}) AND abs(${column}) < 1e15 THEN ${column}::BIGINT::VARCHAR ELSE ${column}::VARCHAR END`;
}

/** The structure argument of json_transform for the template. */
export function transformSpec(template: Template): string {
  return sqlString(JSON.stringify(Object.fromEntries(template.fields.map((node) => [node.key, transformType(node)]))));
}

/** What a kept leaf is called while a write types it: it has no column of its own. */
function keptAlias(keptAs: KeptAs): string {
  return keptAs === 'message' || keptAs === 'level' ? `kept_${keptAs}` : 'kept_ts';
}

/** A leaf's column, or for a kept leaf its alias in the write statement. */
function leafName(template: Template, node: TemplateNode, path: readonly string[]): string {
  return node.keptAs ? keptAlias(node.keptAs) : template.columns.get(pathKey(path))!;
}

const ISO_FORMAT: Partial<Record<KeptAs, string>> = { 'ts-iso-ms': '%Y-%m-%dT%H:%M:%S.%gZ', 'ts-iso-s': '%Y-%m-%dT%H:%M:%SZ' };

/** A kept leaf's value from the record's columns, as json_extract_string gives it. */
export function keptTextSql(keptAs: KeptAs): string {
  if (keptAs === 'message' || keptAs === 'level') return keptAs;
  if (keptAs === 'ts-epoch-ms') return 'ts::VARCHAR';
  // The guard keeps the conversion from failing on the unsure marker and out-of-range times.
  return `CASE WHEN ts BETWEEN 0 AND ${LAST_EVENT_MS} THEN strftime(epoch_ms(ts), '${ISO_FORMAT[keptAs]}') END`;
}

/** A kept leaf's JSON text. */
function keptJson(keptAs: KeptAs): string {
  if (keptAs === 'message' || keptAs === 'level') return `coalesce(to_json(${keptAs})::VARCHAR, 'null')`;
  if (keptAs === 'ts-epoch-ms') return 'ts::VARCHAR';
  return `'"' || ${keptTextSql(keptAs)} || '"'`;
}

/** `struct_extract` chain from the parsed struct to each leaf, aliased as its column. */
export function extractColumnsSql(template: Template, struct: string): string[] {
  const out: string[] = [];
  const walk = (nodes: TemplateNode[], prefix: string[], base: string): void => {
    for (const node of nodes) {
      const path = [...prefix, node.key];
      const expr = `struct_extract(${base}, ${sqlString(node.key)})`;
      if (node.children) walk(node.children, path, expr);
      else out.push(`${expr} AS ${leafName(template, node, path)}`);
    }
  };
  walk(template.fields, [], struct);
  return out;
}

/** A leaf's JSON text, as JSON.stringify writes it for the values this layout types. */
function valueJson(column: string, type: LeafType): string {
  switch (type) {
    case 'VARCHAR':
      return `coalesce(to_json(${column})::VARCHAR, 'null')`;
    case 'BOOLEAN':
      return `CASE WHEN ${column} THEN 'true' WHEN NOT ${column} THEN 'false' ELSE 'null' END`;
    case 'NUMBER':
      return `coalesce(${numberTextSql(column)}, 'null')`;
    default:
      return `coalesce(${column}::VARCHAR, 'null')`;
  }
}

/**
 * Pieces of the JSON text: literal text and SQL expressions, merged so adjacent literals are one,
 * joined by one concat(): a chain of `||` copies the growing text at every step (~1 µs a record
 * more at write time). concat() skips a NULL piece, which only a kept time outside the years
 * 0000–9999 gives: the text then lacks that value and is not valid JSON, so no line equals it.
 */
class JsonText {
  private readonly parts: string[] = [];
  private literal = '';

  text(value: string): void {
    this.literal += value;
  }

  expr(sql: string): void {
    if (this.literal) this.parts.push(sqlString(this.literal));
    this.literal = '';
    this.parts.push(sql);
  }

  sql(): string {
    if (this.literal) this.parts.push(sqlString(this.literal));
    return this.parts.length === 1 ? this.parts[0]! : `concat(${this.parts.join(', ')})`;
  }
}

function writeObject(out: JsonText, nodes: TemplateNode[], prefix: string[], template: Template, separators: Separators, close = true): void {
  out.text('{');
  nodes.forEach((node, i) => {
    const path = [...prefix, node.key];
    // an optional member is one piece with its separator, NULL (skipped by concat) when absent
    const member = node.optional ? new JsonText() : out;
    if (i > 0) member.text(separators.comma);
    member.text(JSON.stringify(node.key) + separators.colon);
    if (node.children) writeObject(member, node.children, path, template, separators);
    else if (node.keptAs) member.expr(keptJson(node.keptAs));
    else member.expr(valueJson(template.columns.get(pathKey(path))!, node.type!));
    if (member !== out) out.expr(`CASE WHEN ${presentSql(template, node, path)} THEN ${member.sql()} END`);
  });
  if (close) out.text('}');
}

/** An optional member is present when its column, or one of its object's columns, is not NULL. */
function presentSql(template: Template, node: TemplateNode, path: string[]): string {
  if (!node.children) return `${template.columns.get(pathKey(path))!} IS NOT NULL`;
  const leaves = leavesOf(node.children, path).filter((leaf) => !leaf.keptAs);
  return leaves.length === 0 ? 'FALSE' : `(${leaves.map((leaf) => `${template.columns.get(pathKey(leaf.path))!} IS NOT NULL`).join(' OR ')})`;
}

/**
 * The record's line rebuilt from its columns, byte for byte when the row is exact. Kept leaves
 * come from `ts`, `level` and `message`: in the write statement those are the values just derived
 * from the line, so the exactness check also proves the leaf equals its derived column.
 */
export function rebuildSql(template: Template): string {
  const out = new JsonText();
  writeObject(out, template.fields, [], template, template, !template.rest);
  // the rest column holds the members after the typed ones as an object: `{}` or `{` + the text after their comma
  if (template.rest) out.expr("CASE WHEN rest = '{}' THEN '}' ELSE ',' || substr(rest, 2) END");
  return out.sql();
}

/** The typed members' text of a template with a rest: the line up to where its rest begins. */
export function prefixTextSql(template: Template): string {
  const out = new JsonText();
  writeObject(out, template.fields, [], template, template, false);
  return out.sql();
}

/**
 * A line's rest may hold none of the typed members' keys (the key twice: a query would find one
 * value in the column and another in the rest) nor a field ts, level or message come from; in any
 * case, as DuckDB matches keys, and anywhere in the text: a value that looks so keeps the line's
 * text, which is only slower.
 */
export function restKeysPattern(template: Template): string {
  const keys = new Set([...template.fields.map((node) => node.key), ...TIME_FIELDS, ...LEVEL_FIELDS, ...MESSAGE_FIELDS]);
  const escaped = [...keys].map((key) => JSON.stringify(key).slice(1, -1).replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return sqlString(`(?i)"(?:${escaped.join('|')})"`);
}

/** An object inside the record as compact JSON (what json_extract_string gives for an object). */
export function objectTextSql(template: Template, node: TemplateNode, path: string[]): string {
  const out = new JsonText();
  writeObject(out, node.children!, path, template, { colon: ':', comma: ',' });
  // absent when it, or an object around it, is an optional member the row lacks
  const conditions: string[] = [];
  let nodes: TemplateNode[] | undefined = template.fields;
  path.forEach((key, i) => {
    const at = nodes?.find((candidate) => candidate.key === key);
    if (at?.optional) conditions.push(presentSql(template, at, path.slice(0, i + 1)));
    nodes = at?.children;
  });
  return conditions.length === 0 ? out.sql() : `CASE WHEN ${conditions.join(' AND ')} THEN ${out.sql()} END`;
}

const ISO_WITH_ZONE = String.raw`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,3})?(Z|[+-]\d\d:\d\d)`;
/**
 * A date and time without a zone (`2024-09-25 05:42:20`, seed 004's lines), read as UTC: only in a
 * stream whose zone is UTC (else JavaScript places it in the zone). Fields in range by the pattern
 * (DuckDB would take 24:00 or a leap second), impossible dates by TRY_CAST (NULL: JavaScript decides).
 */
const ISO_WITHOUT_ZONE = String.raw`\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])[T ]([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d{1,3})?`;

function epochToMsSql(n: string): string {
  return `CASE WHEN ${n} IS NULL OR ${n} < 0 THEN NULL WHEN isinf(${n}::DOUBLE) THEN ${UNSURE_TS}
    WHEN ${n} < 1e11 THEN round(${n}::DOUBLE * 1000)::BIGINT WHEN ${n} < 1e14 THEN round(${n}::DOUBLE)::BIGINT
    WHEN ${n} < 1e17 THEN round(${n}::DOUBLE / 1e3)::BIGINT WHEN ${n}::DOUBLE / 1e6 > ${LAST_EVENT_MS} THEN ${UNSURE_TS}
    ELSE round(${n}::DOUBLE / 1e6)::BIGINT END`;
}

/**
 * A JSON leaf that holds no string or number (an object, array, boolean or null): parseTimeValue
 * and normalizeLevel skip it for the next field. A string or number is left to JavaScript.
 */
function notScalarSql(column: string): string {
  return `(${column} IS NULL OR json_type(${column}) IN ('OBJECT', 'ARRAY', 'BOOLEAN', 'NULL'))`;
}

/** src/record/time.ts parseTimeValue for one typed leaf; NULL means "try the next field". */
function timeSql(column: string, type: LeafType, zone: string): string | null {
  switch (type) {
    case 'VARCHAR': {
      const zoneless = zone === 'UTC'
        ? `WHEN regexp_full_match(${column}, '${ISO_WITHOUT_ZONE}') THEN coalesce(epoch_ms(TRY_CAST(${column} AS TIMESTAMP)), ${UNSURE_TS})`
        : '';
      return `CASE WHEN ${column} IS NULL OR ${column} = '' THEN NULL
        WHEN regexp_full_match(${column}, '${ISO_WITH_ZONE}') THEN coalesce(epoch_ms(TRY_CAST(${column} AS TIMESTAMPTZ)), ${UNSURE_TS})
        ${zoneless} ELSE ${UNSURE_TS} END`;
    }
    case 'NUMBER':
    case 'BIGINT':
    case 'DOUBLE':
      return epochToMsSql(column);
    case 'JSON':
      return `CASE WHEN ${notScalarSql(column)} THEN NULL ELSE ${UNSURE_TS} END`;
    case 'BOOLEAN':
      return null;
  }
}

const LEVEL_CASES = Object.entries(LEVEL_NAMES).map(([name, level]) => `WHEN ${sqlString(name)} THEN ${sqlString(level)}`).join(' ');
/** JavaScript's trim() also strips these; SQL leaves such values, and numbers written as text, to the JavaScript path. */
const PADDED = String.raw`^[\s\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}\x{feff}]|[\s\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}\x{feff}]$`;

/** src/record/level.ts normalizeLevel for one typed leaf. */
function levelSql(column: string, type: LeafType): string | null {
  switch (type) {
    case 'VARCHAR':
      return `CASE WHEN ${column} IS NULL THEN NULL ELSE CASE lower(${column}) ${LEVEL_CASES}
        ELSE CASE WHEN regexp_matches(${column}, '${PADDED}') OR regexp_full_match(${column}, '[0-9]+') THEN '${UNSURE_LEVEL}' END END END`;
    case 'NUMBER':
    case 'BIGINT':
    case 'DOUBLE':
      return `CASE WHEN ${column} >= 60 THEN 'fatal' WHEN ${column} >= 50 THEN 'error' WHEN ${column} >= 40 THEN 'warn'
        WHEN ${column} >= 30 THEN 'info' WHEN ${column} >= 20 THEN 'debug' WHEN ${column} >= 10 THEN 'trace' END`;
    case 'JSON':
      return `CASE WHEN ${notScalarSql(column)} THEN NULL ELSE '${UNSURE_LEVEL}' END`;
    case 'BOOLEAN':
      return null;
  }
}

function messageSql(column: string, type: LeafType): string | null {
  if (type === 'VARCHAR') return column;
  // only a string is a message (recordMessage): an object, array, number or boolean is skipped
  if (type === 'JSON') return `CASE WHEN ${column} IS NULL OR json_type(${column}) <> 'VARCHAR' THEN NULL ELSE ${UNSURE_MESSAGE} END`;
  return null;
}

function firstOf(template: Template, fields: readonly string[], pick: (column: string, type: LeafType) => string | null): string[] {
  const out: string[] = [];
  for (const field of fields) {
    const node = template.fields.find((candidate) => candidate.key === field);
    if (!node || node.children) continue;
    const sql = pick(leafName(template, node, [field]), node.type!);
    if (sql) out.push(sql);
  }
  return out;
}

function coalesceOf(parts: string[], last: string): string {
  return parts.length === 0 ? last : `coalesce(${[...parts, last].join(', ')})`;
}

/** ts, level and message of a typed row as toRecord derives them; `ingested` is the fallback time. */
export function derivedSql(template: Template, ingested: string, zone = 'UTC'): { ts: string; level: string; message: string } {
  return {
    ts: coalesceOf(firstOf(template, TIME_FIELDS, (column, type) => timeSql(column, type, zone)), ingested),
    level: coalesceOf(firstOf(template, LEVEL_FIELDS, levelSql), 'NULL'),
    message: coalesceOf(firstOf(template, MESSAGE_FIELDS, messageSql), 'NULL'),
  };
}
