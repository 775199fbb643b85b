// The embedded store as a registered engine: DuckDB in the data dir.
import path from 'node:path';
import type { StoreEngine } from '../../registry.ts';
import { streamTimeZone } from '../../config/config.ts';

export const embeddedStore: StoreEngine = {
  name: 'embedded',
  description: 'DuckDB in the data dir: typed columns per learned shape, time-ordered runs',
  config: {
    section: 'store',
    properties: {
      "memoryLimit": {
        "type": "string",
        "pattern": "^[0-9]+(\\.[0-9]+)?\\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$",
        "default": "384MB",
        "description": "Embedded store: most memory DuckDB's buffer pool uses (queries spill to disk past it), e.g. 384MB or 2GB. The default keeps a 10M-record store under 1 GB of RSS while ingesting (docs/performance.md, step 8)."
      },
      "checkpointThreshold": {
        "type": "string",
        "pattern": "^[0-9]+(\\.[0-9]+)?\\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$",
        "default": "64MB",
        "description": "Embedded store: WAL size at which new rows are compressed into the database file. Larger means fewer, longer pauses of the writer; smaller, a larger store (see docs/performance.md)."
      },
      "writers": {
        "type": "integer",
        "minimum": 1,
        "maximum": 16,
        "default": 2,
        "description": "Embedded store: connections writing side by side, each for its own partitions (so more than the partitions gains nothing). Each uses up to one core under load (docs/performance.md, step 9)."
      },
      "maxColumnsPerStream": {
        "type": "integer",
        "minimum": 0,
        "description": "Embedded store: typed columns one stream's learned shapes may use, columns it shares with other streams included (default 64). Past it, records of the stream's new shapes keep their original text, so one stream of ever-new fields cannot take the columns other streams need. All streams together have at most 128 (src/stores/embedded/shape-registry.ts says why)."
      }
    },
  },
  async open(config) {
    const { DuckDbStore } = await import('./duckdb-store.ts');
    const dir = path.join(config.dataDir, 'store');
    try {
      return await DuckDbStore.open(dir, { ...config.store, queryTimeoutMs: config.search.timeoutMs, timeZoneOf: (stream) => streamTimeZone(config, stream) });
    } catch (error) {
      const message = (error as Error).message;
      if (!/corrupt|checksum|not a valid|invalid (?:database|file)/i.test(message)) throw error;
      throw new Error(`the embedded store in ${dir} is damaged (${message}). Keep a copy of it, then restore it from a backup, or move ${dir} aside and start again: ` +
        'the records the log still holds are indexed again (the log keeps what is not yet indexed unless log.deleteIndexed is off), the others are not', { cause: error });
    }
  },
};
