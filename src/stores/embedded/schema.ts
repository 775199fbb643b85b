export const RECORDS_TABLE = `CREATE TABLE IF NOT EXISTS records (
  stream VARCHAR NOT NULL,
  id VARCHAR NOT NULL,
  ts BIGINT NOT NULL,
  ingested_at BIGINT NOT NULL,
  level VARCHAR,
  message VARCHAR,
  body VARCHAR NOT NULL
)`;

export const OFFSETS_TABLE = `CREATE TABLE IF NOT EXISTS consumer_offsets (
  consumer VARCHAR NOT NULL,
  topic VARCHAR NOT NULL,
  partition INTEGER NOT NULL,
  next_offset BIGINT NOT NULL,
  PRIMARY KEY (consumer, topic, partition)
)`;
