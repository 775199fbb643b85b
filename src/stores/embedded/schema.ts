import { ID_ALPHABET } from '../../record/id.ts';

/**
 * One row per record. Typed columns c1…cN are added as templates learn fields (shape-registry.ts);
 * `raw` holds the original text only for rows no template rebuilds exactly. The record id is not
 * stored unless the record carried its own (`rid`): it is record_id(ingested_at, part, off, src).
 *
 * Writes go to `records_recent`; runs of them move to `records_sorted` ordered by ts (sorted-runs.ts).
 * Queries read the view `records` over both. Stores written before the split had one table named
 * `records`: it becomes `records_sorted` when opened.
 */
export const SORTED_TABLE = `CREATE TABLE IF NOT EXISTS records_sorted (
  stream VARCHAR NOT NULL,
  ts BIGINT NOT NULL,
  ingested_at BIGINT NOT NULL,
  part INTEGER NOT NULL,
  off BIGINT NOT NULL,
  level VARCHAR,
  message VARCHAR,
  tpl INTEGER,
  raw VARCHAR,
  src SMALLINT NOT NULL DEFAULT 0,
  rid VARCHAR,
  rest VARCHAR
)`;

/**
 * Columns stores written before them lack, added when opened (after any typed columns, so code
 * must not rely on column positions): `src` numbers the topics feeding a stream (store_sources),
 * `rid` holds an id a record carried of its own, `rest` the members past a wide template's typed
 * ones as a JSON object (template.ts, Shape.rest).
 */
export const ADDED_COLUMNS = ['src SMALLINT DEFAULT 0', 'rid VARCHAR', 'rest VARCHAR'] as const;

/** CREATE TABLE AS (RECENT_TABLE) copies no defaults. */
export const RECENT_DEFAULTS = 'ALTER TABLE records_recent ALTER COLUMN src SET DEFAULT 0';

export const SOURCES_TABLE = `CREATE TABLE IF NOT EXISTS store_sources (
  stream VARCHAR NOT NULL,
  topic VARCHAR NOT NULL,
  code SMALLINT NOT NULL,
  PRIMARY KEY (stream, topic)
)`;

export const RECORD_TABLES = ['records_sorted', 'records_recent'] as const;

export const RECENT_TABLE = 'CREATE TABLE IF NOT EXISTS records_recent AS SELECT * FROM records_sorted LIMIT 0';

/** Rebuilt after columns are added, so it never lags the tables. */
export const RECORDS_VIEW = 'CREATE OR REPLACE VIEW records AS SELECT * FROM records_sorted UNION ALL BY NAME SELECT * FROM records_recent';

export const OFFSETS_TABLE = `CREATE TABLE IF NOT EXISTS consumer_offsets (
  consumer VARCHAR NOT NULL,
  topic VARCHAR NOT NULL,
  partition INTEGER NOT NULL,
  next_offset BIGINT NOT NULL,
  PRIMARY KEY (consumer, topic, partition)
)`;

export const REGISTRY_TABLES = [
  'CREATE TABLE IF NOT EXISTS store_columns (name VARCHAR PRIMARY KEY, path VARCHAR NOT NULL, type VARCHAR NOT NULL)',
  'CREATE TABLE IF NOT EXISTS store_templates (id INTEGER PRIMARY KEY, stream VARCHAR NOT NULL, shape VARCHAR NOT NULL)',
];

/** src/record/id.ts recordId in SQL. */
export const POSITION_ID_MACROS = [
  `CREATE OR REPLACE MACRO id_base32(n, width) AS array_to_string(list_transform(range(width - 1, -1, -1),
    k -> substr('${ID_ALPHABET}', ((n // (32::HUGEINT ** k)::HUGEINT) % 32)::INTEGER + 1, 1)), '')`,
  'CREATE OR REPLACE MACRO position_id(ms, part, off) AS id_base32(ms, 10) || id_base32(part, 3) || id_base32(off, 11)',
  `CREATE OR REPLACE MACRO record_id(ms, part, off, src, rid) AS
    coalesce(rid, position_id(ms, part, off) || CASE WHEN src = 0 THEN '' ELSE id_base32(src, 2) END)`,
];

export const RECORD_ID_SQL = 'record_id(ingested_at, part, off, src, rid)';

/** The column a store written by an older Tributary has and this one does not. */
export const OLD_LAYOUT_COLUMN = 'body';
