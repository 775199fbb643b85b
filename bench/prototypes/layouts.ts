// Table layouts of the prototypes and the SQL that writes/rebuilds them.

export const OFFSETS_DDL = `CREATE TABLE IF NOT EXISTS consumer_offsets (
  consumer VARCHAR NOT NULL, topic VARCHAR NOT NULL, partition INTEGER NOT NULL, next_offset BIGINT NOT NULL,
  PRIMARY KEY (consumer, topic, partition))`;

/** Layout A: today's schema (src/stores/embedded/schema.ts). */
export const BASELINE_DDL = `CREATE TABLE records (
  stream VARCHAR NOT NULL, id VARCHAR NOT NULL, ts BIGINT NOT NULL, ingested_at BIGINT NOT NULL,
  level VARCHAR, message VARCHAR, body VARCHAR NOT NULL)`;

/**
 * Layout B/C: typed columns, no JSON body. `raw` holds the original line only when it is not
 * byte-identical to the rebuild from the columns (so every record comes back exactly).
 * bin=true stores traceId as two UBIGINTs and spanId as one (lowercase 32/16-hex only).
 */
export function typedDdl(bin: boolean): string {
  const trace = bin ? 'trace_hi UBIGINT, trace_lo UBIGINT, span UBIGINT' : 'traceId VARCHAR, spanId VARCHAR';
  return `CREATE TABLE records (
  stream VARCHAR NOT NULL, ts BIGINT NOT NULL, ingested_at BIGINT NOT NULL, part USMALLINT NOT NULL, off BIGINT NOT NULL,
  level VARCHAR, message VARCHAR, resourceId VARCHAR, ${trace}, "commit" VARCHAR,
  metadata_parentResourceId VARCHAR, metadata_region VARCHAR, metadata_env VARCHAR,
  customer_id VARCHAR, latency_ms BIGINT, status INTEGER, raw VARCHAR)`;
}

export const TYPED_COLUMNS = (bin: boolean) => ['stream', 'ts', 'ingested_at', 'part', 'off', 'level', 'message', 'resourceId',
  ...(bin ? ['trace_hi', 'trace_lo', 'span'] : ['traceId', 'spanId']), 'commit',
  'metadata_parentResourceId', 'metadata_region', 'metadata_env', 'customer_id', 'latency_ms', 'status', 'raw'];

const hex = (col: string, w: number) => `lpad(lower(hex(${col})), ${w}, '0')`;

/** SQL text of the canonical record rebuilt from the typed columns (NULL if any part is NULL). */
export function rebuildSql(bin: boolean, p = ''): string {
  const j = (c: string) => `to_json(${p}${c})::VARCHAR`;
  const trace = bin
    ? `'"' || ${hex(p + 'trace_hi', 16)} || ${hex(p + 'trace_lo', 16)} || '","spanId":"' || ${hex(p + 'span', 16)} || '"'`
    : `${j('traceId')} || ',"spanId":' || ${j('spanId')}`;
  return `('{"level":' || ${j('level')} || ',"message":' || ${j('message')} || ',"resourceId":' || ${j('resourceId')} ||
    ',"timestamp":"' || strftime(make_timestamp(${p}ts * 1000), '%Y-%m-%dT%H:%M:%S.%gZ') || '","traceId":' || ${trace} ||
    ',"commit":' || ${j('"commit"')} || ',"metadata":{"parentResourceId":' || ${j('metadata_parentResourceId')} ||
    ',"region":' || ${j('metadata_region')} || ',"env":' || ${j('metadata_env')} || '},"customer_id":' || ${j('customer_id')} ||
    ',"latency_ms":' || ${p}latency_ms::VARCHAR || ',"status":' || ${p}status::VARCHAR || '}')`;
}

/** The original JSON text of a stored typed row, as a view (queries read `body` as before). */
export function bodyViewSql(bin: boolean): string {
  return `CREATE OR REPLACE VIEW records_v AS SELECT *, coalesce(raw, ${rebuildSql(bin)}) AS body FROM records`;
}

const JSON_SHAPE = `{"level":"VARCHAR","message":"VARCHAR","resourceId":"VARCHAR","timestamp":"VARCHAR","traceId":"VARCHAR","spanId":"VARCHAR","commit":"VARCHAR","metadata":{"parentResourceId":"VARCHAR","region":"VARCHAR","env":"VARCHAR"},"customer_id":"VARCHAR","latency_ms":"BIGINT","status":"INTEGER"}`;

/**
 * Layout C: the whole batch goes in as ONE VARCHAR parameter ($batch, lines joined by \n);
 * DuckDB splits, parses (json_transform), types, checks the rebuild and inserts.
 * keepRaw=true stores every line in raw (C-raw variant).
 */
export function bulkInsertSql(bin: boolean, keepRaw: boolean | 'never', source: 'param' | 'file' = 'param'): string {
  const from = source === 'param'
    ? `SELECT unnest(l) AS line, generate_subscripts(l, 1) AS i FROM (SELECT string_split($batch, chr(10)) AS l)`
    : `SELECT unnest(l) AS line, generate_subscripts(l, 1) AS i FROM (SELECT string_split(content, chr(10)) AS l FROM read_text($file))`;
  const trace = bin
    ? `('0x' || substr(j.traceId, 1, 16))::UBIGINT AS trace_hi, ('0x' || substr(j.traceId, 17, 16))::UBIGINT AS trace_lo, ('0x' || j.spanId)::UBIGINT AS span`
    : `j.traceId, j.spanId`;
  const lvl = `CASE lower(trim(j.level)) WHEN 'error' THEN 'error' WHEN 'err' THEN 'error' WHEN 'warn' THEN 'warn' WHEN 'warning' THEN 'warn'
      WHEN 'info' THEN 'info' WHEN 'debug' THEN 'debug' WHEN 'trace' THEN 'trace' WHEN 'fatal' THEN 'fatal' END`;
  return `INSERT INTO records
WITH src AS (${from}),
parsed AS (SELECT i, line, json_transform(line, '${JSON_SHAPE}') AS j FROM src WHERE line <> ''),
typed AS (SELECT i, line, $stream AS stream, coalesce(epoch_ms(try_cast(j.timestamp AS TIMESTAMP)), $ingested) AS ts,
    $ingested AS ingested_at, $part::USMALLINT AS part, $base + i - 1 AS off, ${lvl} AS level, j.message, j.resourceId, ${trace},
    j.commit AS "commit", j.metadata.parentResourceId AS metadata_parentResourceId, j.metadata.region AS metadata_region,
    j.metadata.env AS metadata_env, j.customer_id, j.latency_ms, j.status FROM parsed)
SELECT stream, ts, ingested_at, part, off, level, message, resourceId, ${bin ? 'trace_hi, trace_lo, span' : 'traceId, spanId'}, "commit",
  metadata_parentResourceId, metadata_region, metadata_env, customer_id, latency_ms, status,
  ${keepRaw === 'never' ? 'NULL' : keepRaw ? 'line' : `CASE WHEN ${rebuildSql(bin)} IS NOT DISTINCT FROM line THEN NULL ELSE line END`} AS raw
FROM typed`;
}
