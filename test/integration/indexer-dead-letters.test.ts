// The indexer on a real embedded log and store, whose writes refuse the records that carry a
// marker as DuckDB refuses a value it cannot convert: the other records of the batch are stored,
// each refused one is in the dead-letter stream with its reason and origin, the partition moves on,
// and a store that is down (refusing every write) loses nothing: the batch waits.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { openEmbeddedLog } from '../../src/log/embedded/embedded-log.ts';
import { streamTopics } from '../../src/log/stream-topics.ts';
import { DuckDbStore } from '../../src/stores/embedded/duckdb-store.ts';
import { UnstorableRecordError, type Store, type WriteBatch, type OffsetCommit } from '../../src/stores/store.ts';
import { IndexingRunner } from '../../src/pipelines/indexing-runner.ts';
import { DEAD_LETTER_STREAM } from '../../src/pipelines/store-dead-letters.ts';
import { withTempDir } from '../support/store-files.ts';
import { waitFor } from '../e2e/harness.ts';

const REFUSED = Buffer.from('"refuse me"');

/** The real store, refusing writes that hold a marked record, or every write while `down`. */
function refusingStore(store: DuckDbStore, state: { down: boolean }): Store {
  return Object.assign(Object.create(store) as Store, {
    write(batches: WriteBatch[], offsets?: OffsetCommit[]) {
      if (state.down) return Promise.reject(new Error('IO Error: could not write the file'));
      const marked = batches.some((batch) => batch.entries.some((entry) => entry.value.includes(REFUSED)));
      if (marked) return Promise.reject(new UnstorableRecordError('Conversion Error: the value cannot be cast'));
      return store.write(batches, offsets);
    },
  });
}

async function streamRecords(store: Store, stream: string): Promise<Array<Record<string, unknown>>> {
  const result = await store.search({ query: null, streams: [stream], limit: 1000 });
  return result.hits.map((hit) => JSON.parse(hit.bodyJson) as Record<string, unknown>).sort((a, b) => Number(a.n) - Number(b.n));
}

describe('indexer: records the store refuses', () => {
  it('stores the rest of the batch, dead-letters the refused ones with the reason, and moves on', withTempDir('dead-letters', async (dir) => {
    const log = await openEmbeddedLog(path.join(dir, 'log'));
    const real = await DuckDbStore.open(path.join(dir, 'store'));
    const state = { down: false };
    const store = refusingStore(real, state);
    const indexer = new IndexingRunner('indexer', { log, topics: streamTopics(''), indexerGroup: 'indexer' }, store, { batchSize: 100, maxWaitMs: 20 });
    try {
      await log.createTopic('app', { partitions: 1 });
      const values = Array.from({ length: 10 }, (_, n) => (n === 3 || n === 7 ? `{"n":${n},"v":"refuse me"}` : `{"n":${n}}`));
      await log.produce('app', values.map((value) => ({ value: Buffer.from(value) })));
      await indexer.start();
      await waitFor(async () => ((await streamRecords(real, DEAD_LETTER_STREAM)).length === 2 ? true : undefined), 10_000, 'two dead letters');
      assert.deepEqual((await streamRecords(real, 'app')).map((record) => record.n), [0, 1, 2, 4, 5, 6, 8, 9]);
      const letters = (await streamRecords(real, DEAD_LETTER_STREAM)).sort((a, b) => Number(a.offset) - Number(b.offset));
      assert.deepEqual(letters.map((letter) => JSON.parse(String(letter.record)).n), [3, 7]);
      for (const letter of letters) {
        assert.equal(letter.stream, 'app');
        assert.equal(letter.topic, 'app');
        assert.equal(letter.partition, 0);
        assert.match(String(letter.reason), /cannot be cast/);
      }
      assert.deepEqual(letters.map((letter) => letter.offset), [3, 7]);

      state.down = true;
      await log.produce('app', [{ value: Buffer.from('{"n":10}') }, { value: Buffer.from('{"n":11}') }]);
      await new Promise((resolve) => setTimeout(resolve, 1500));
      assert.equal((await streamRecords(real, DEAD_LETTER_STREAM)).length, 2, 'a store that is down dead-letters nothing');
      state.down = false;
      await waitFor(async () => ((await streamRecords(real, 'app')).length === 10 ? true : undefined), 10_000, 'the waiting batch to be stored');
      assert.equal((await streamRecords(real, DEAD_LETTER_STREAM)).length, 2);
      const stats = indexer.stats();
      assert.deepEqual([stats.recordsIn, stats.out, stats.deadLetters, stats.inputTopics], [12, { default: 10 }, { store: 2 }, ['app']]);
    } finally {
      await indexer.stop();
      await real.close();
      await log.close();
    }
  }));
});
