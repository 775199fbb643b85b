import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  BATCH_HEADER_BYTES,
  batchCrcMatches,
  decodeRecords,
  encodeBatch,
  readBatchHeader,
} from '../../src/log/embedded/batch-format.ts';
import type { RecordToEncode } from '../../src/log/embedded/batch-format.ts';

describe('embedded log batch format', () => {
  const records: RecordToEncode[] = [
    { key: Buffer.from('k1'), value: Buffer.from('first'), timestamp: 1_700_000_000_500, headers: { a: '1', 'ünï': 'ç✓' } },
    { key: null, value: Buffer.alloc(0), timestamp: 1_700_000_000_100, headers: undefined },
    { key: Buffer.alloc(0), value: Buffer.from([0, 255]), timestamp: -5, headers: {} },
  ];

  it('round-trips records with their offsets, keys, headers and timestamps', () => {
    const batch = encodeBatch(42, records);
    const header = readBatchHeader(batch, 0)!;
    assert.deepEqual(header, {
      length: batch.length,
      crc: header.crc,
      baseOffset: 42,
      count: 3,
      minTimestamp: -5,
      maxTimestamp: 1_700_000_000_500,
    });
    assert.ok(batchCrcMatches(batch, 0, header));
    const decoded = decodeRecords(batch, 0, header);
    assert.deepEqual(
      decoded.map((r) => ({ ...r, key: r.key && [...r.key], value: [...r.value] })),
      [
        { offset: 42, key: [...Buffer.from('k1')], value: [...Buffer.from('first')], timestamp: 1_700_000_000_500, headers: { a: '1', 'ünï': 'ç✓' } },
        { offset: 43, key: null, value: [], timestamp: 1_700_000_000_100, headers: {} },
        { offset: 44, key: [], value: [0, 255], timestamp: -5, headers: {} },
      ],
    );
  });

  it('reads a batch placed after another in the same buffer', () => {
    const first = encodeBatch(0, records.slice(0, 1));
    const second = encodeBatch(1, records.slice(1));
    const both = Buffer.concat([first, second]);
    const header = readBatchHeader(both, first.length)!;
    assert.equal(header.baseOffset, 1);
    assert.ok(batchCrcMatches(both, first.length, header));
    assert.equal(decodeRecords(both, first.length, header).length, 2);
  });

  it('detects a flipped byte with the CRC', () => {
    const batch = encodeBatch(7, records);
    batch[batch.length - 1]! ^= 0x01;
    assert.equal(batchCrcMatches(batch, 0, readBatchHeader(batch, 0)!), false);
  });

  it('refuses bytes that are not a batch header', () => {
    assert.equal(readBatchHeader(Buffer.alloc(BATCH_HEADER_BYTES), 0), null);
    assert.equal(readBatchHeader(encodeBatch(0, records).subarray(0, BATCH_HEADER_BYTES - 1), 0), null);
  });
});
