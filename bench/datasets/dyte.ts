// The original workload: Dyte-format logs from bench/generator.ts (random time order, a fixed
// record shape, 35 message templates).

import { probeRecord } from '../freshness.ts';
import { generateRecordParts, renderNdjsonLine } from '../generator.ts';
import type { Dataset } from './dataset.ts';
import { writeLines } from './write-lines.ts';

export const dyte: Dataset = {
  name: 'dyte',
  description: 'Dyte-format logs from the project\'s own generator: one record shape, times in random order',
  defaultRecords: { full: 10_000_000, quick: 200_000 },
  queries: {
    timeField: 'timestamp',
    hasLevels: true,
    exact: [{ name: 'one_resource', field: 'resourceId', value: 'server-1234' }],
    phrase: 'Failed to connect',
    word: 'timeout',
    regex: 'timeout after [0-9]+ ms',
    stats: { by: 'customer_id', numeric: 'latency_ms' },
    distinct: 'resourceId',
  },
  async write(path, records, seed) {
    writeLines(path, records, (i) => renderNdjsonLine(generateRecordParts(seed, i)));
  },
  probe: probeRecord,
};
