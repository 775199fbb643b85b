// The store's guess of which record ids a stream may hold (src/stores/embedded/own-ids.ts): a
// wrong "maybe" costs a delete that scans the whole table, so new ids must rarely look stored.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { OwnIds } from '../../src/stores/embedded/own-ids.ts';

describe('own ids', () => {
  it('takes none of a million new ids for stored, and every id written before for maybe stored', () => {
    const ids = new OwnIds();
    const id = (i: number) => `sunbird-telemetry/telemetry.ingest/${i % 2}/${Math.floor(i / 50)}/${i % 50}`;
    let maybe = 0;
    for (let start = 0; start < 1_000_000; start += 1000) {
      maybe += ids.maybeStored('telemetry.denorm', Array.from({ length: 1000 }, (_, i) => id(start + i))).length;
    }
    assert.equal(maybe, 0);
    assert.deepEqual(ids.maybeStored('telemetry.denorm', [id(7), id(999_999), 'new']), [id(7), id(999_999)]);
    assert.deepEqual(ids.maybeStored('telemetry.raw', [id(7)]), [], 'per stream');
  });
});
