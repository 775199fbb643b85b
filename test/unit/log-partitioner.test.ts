import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { murmur2, partitionForKey, StickyRoundRobin, toPositive } from '../../src/log/partitioner.ts';

describe('Kafka default partitioner', () => {
  // Apache Kafka's own vectors (clients UtilsTest.testMurmur2) plus ones published by other
  // Kafka-compatible clients; all are signed 32-bit results of the Java Utils.murmur2.
  const vectors: [string, number][] = [
    ['21', -973932308],
    ['foobar', -790332482],
    ['a-little-bit-long-string', -985981536],
    ['a-little-bit-longer-string', -1486304829],
    ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
    ['abc', 479470107],
    ['', 275646681],
    ['1', -1993445489],
    ['12', 126087238],
    ['123', -267702483],
    ['1234', -1614185708],
    ['12345', -1188365604],
  ];

  for (const [input, expected] of vectors) {
    it(`murmur2(${JSON.stringify(input)}) = ${expected}`, () => {
      assert.equal(murmur2(Buffer.from(input)), expected);
    });
  }

  it('hashes bytes >= 0x80 as unsigned, like Java masks them with 0xff', () => {
    // the same key as a string (UTF-8) and as bytes hashes the same
    assert.equal(murmur2(Buffer.from('ü€')), murmur2(Uint8Array.from([0xc3, 0xbc, 0xe2, 0x82, 0xac])));
    assert.ok(Number.isInteger(murmur2(Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0xff]))));
  });

  it('toPositive clears the sign bit instead of taking the absolute value', () => {
    assert.equal(toPositive(-1), 0x7fffffff);
    assert.equal(toPositive(-2147483648), 0);
    assert.equal(toPositive(-973932308), 1173551340);
    assert.equal(toPositive(5), 5);
  });

  it('maps a key to toPositive(murmur2(key)) % partitions', () => {
    assert.equal(partitionForKey('21', 10), 1173551340 % 10);
    assert.equal(partitionForKey('abc', 7), 479470107 % 7);
    assert.equal(partitionForKey(Buffer.from('foobar'), 3), toPositive(-790332482) % 3);
    for (let i = 0; i < 200; i++) {
      const p = partitionForKey(`key-${i}`, 6);
      assert.ok(p >= 0 && p < 6);
      assert.equal(partitionForKey(`key-${i}`, 6), p);
    }
  });

  it('rotates unkeyed produce calls over the partitions', () => {
    const spreader = new StickyRoundRobin();
    assert.deepEqual(Array.from({ length: 7 }, () => spreader.nextPartition(3)), [0, 1, 2, 0, 1, 2, 0]);
  });
});
