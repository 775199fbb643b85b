// The embedded store writes partitions side by side on several connections (lanes). Written the
// way the indexer writes (each partition's next batch after its last one committed, all
// partitions at once), every record must land once, each partition keep its last offsets, a shape
// new to several lanes at once be learned once, and the WAL stay near its checkpoint threshold
// although some lane always has a transaction open.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import path from 'node:path';
import { DuckDbStore } from '../../src/stores/embedded/duckdb-store.ts';
import { parseQuery } from '../../src/query/parser.ts';
import { partitionKey } from '../../src/log/log.ts';
import { inStoreFile, withTempDir } from '../support/store-files.ts';

const T0 = Date.UTC(2024, 4, 1);

function line(partition: number, n: number, newShapeFrom: number): Buffer {
  const body: Record<string, unknown> = {
    level: n % 10 === 0 ? 'error' : 'info', message: `request ${n} of partition ${partition} took ${n % 977} ms`,
    resourceId: `server-${n % 50}`, timestamp: new Date(T0 + n * 1000).toISOString(), traceId: `p${partition}-${n}`,
    partition_no: partition, latency_ms: n % 1000,
  };
  // every partition turns to a shape of its own at the same batch: the lanes learn at once
  if (n >= newShapeFrom) body[`extra_${partition}`] = `x${n % 3}`;
  return Buffer.from(JSON.stringify(body));
}

interface Load {
  partitions: number;
  batches: number;
  batchSize: number;
  newShapeFrom?: number;
  afterWrite?: () => void;
}

async function writeLikeTheIndexer(store: DuckDbStore, load: Load): Promise<void> {
  const newShapeFrom = load.newShapeFrom ?? Infinity;
  await Promise.all(Array.from({ length: load.partitions }, async (_, partition) => {
    for (let b = 0; b < load.batches; b++) {
      const first = b * load.batchSize;
      const entries = Array.from({ length: load.batchSize }, (_, i) => ({ offset: first + i, ingestedAt: T0 + b, value: line(partition, first + i, newShapeFrom) }));
      await store.write([{ stream: 'app', partition, entries }], [{ consumer: 'indexer', topic: 'logs', partition, nextOffset: first + load.batchSize }]);
      load.afterWrite?.();
    }
  }));
}

describe('writer lanes', () => {
  test('four partitions over two lanes: every record once, each partition its last offset, new shapes learned once', withTempDir('lanes-', async (dir) => {
    const load = { partitions: 4, batches: 12, batchSize: 300, newShapeFrom: 1500 };
    // small runs: moves into time order run beside the lanes too
    const store = await DuckDbStore.open(dir, { writers: 2, runRows: 2000 });
    try {
      await writeLikeTheIndexer(store, load);
      const perPartition = load.batches * load.batchSize;
      const all = await store.search({ query: null, limit: 0 });
      assert.equal(all.total, load.partitions * perPartition);
      const stats = await store.stats({ query: null, groupBy: ['partition_no'], aggregations: [{ fn: 'distinct', field: 'traceId' }], limit: 10 });
      assert.equal(stats.totalGroups, load.partitions);
      for (const group of stats.groups) assert.equal(group.values['distinct(traceId)'], perPartition, `partition ${group.key.partition_no}`);
      for (let partition = 0; partition < load.partitions; partition++) {
        const extra = await store.search({ query: parseQuery(`extra_${partition}:x1`), limit: 0 });
        assert.equal(extra.total, Math.ceil((perPartition - load.newShapeFrom - 1) / 3), `extra_${partition} is searchable`);
      }
      const offsets = await store.committedOffsets('indexer');
      for (let partition = 0; partition < load.partitions; partition++) assert.equal(offsets.get(partitionKey('logs', partition)), perPartition);
    } finally {
      await store.close();
    }
    const [templates] = await inStoreFile(dir, (run) => run('SELECT count(*), count(DISTINCT shape) FROM store_templates'));
    // the first shape, then one per partition's new field, or fewer where a merged shape (optional members) holds several
    assert.ok(Number(templates![0]) >= 2 && Number(templates![0]) <= 1 + load.partitions, `${templates![0]} templates`);
    assert.equal(Number(templates![1]), Number(templates![0]), 'no shape learned twice');
    const [typed] = await inStoreFile(dir, (run) => run('SELECT count(*) FILTER (WHERE tpl IS NULL), count(*) FROM records'));
    assert.equal(Number(typed![0]), 0, 'every record stored as columns');
  }));

  test('the WAL stays near its checkpoint threshold while both lanes write all the time', withTempDir('lanes-wal-', async (dir) => {
    const threshold = 1e6;
    const store = await DuckDbStore.open(dir, { writers: 2, checkpointThreshold: '1MB' });
    const wal = path.join(dir, 'records.duckdb.wal');
    let largest = 0;
    // DuckDB checkpoints in the commit that would take the WAL past the threshold unless another
    // lane's transaction holds writes (its offsets row: without offsets it never skipped). A WAL
    // seen past the threshold right after a write is such a skip, the case the store's own
    // checkpoint is for (seen after ~25 of the 80 writes)
    let skipped = 0;
    try {
      // ~19 MB of WAL in all: without checkpoints between the lanes' transactions it grows to that
      await writeLikeTheIndexer(store, {
        partitions: 2, batches: 40, batchSize: 2000,
        afterWrite: () => {
          const size = statSync(wal, { throwIfNoEntry: false })?.size ?? 0;
          largest = Math.max(largest, size);
          if (size > threshold) skipped++;
        },
      });
      const all = await store.search({ query: null, limit: 0 });
      assert.equal(all.total, 2 * 40 * 2000);
    } finally {
      await store.close();
    }
    assert.ok(skipped >= 3, `the WAL was past its threshold after ${skipped} writes (largest ${largest} bytes): DuckDB hardly skipped a checkpoint, so this load tests nothing`);
    assert.ok(largest < 4 * threshold, `the WAL reached ${(largest / 1e6).toFixed(1)} MB with a 1 MB threshold`);
  }));
});
