// Hostile input from a property-based fuzzer (fast-check): malformed and deeply nested JSON,
// huge numbers, prototype-pollution keys, wrong types, oversize fields, invalid UTF-8, and
// hostile query strings. Every request gets a clear 2xx or 4xx (never a 5xx, never a hang), every
// accepted record is searchable exactly once or in the dead letters, and the server stays
// healthy. CI runs FUZZ_RUNS (default 2,000) inputs; `npm run test:faults` the full 10,000.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { childServerForSuite, waitFor } from '../e2e/harness.ts';

const RUNS = Number(process.env.FUZZ_RUNS ?? 2000);
const STREAM = 'fuzz';

const hostileKey = fc.oneof(
  fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', '', ' ', 'a.b', '$where', '\u0000', 'level', 'message', 'timestamp', 'ts', '@timestamp', 'LEVEL', 'Level'),
  fc.string({ maxLength: 12 }),
  fc.string({ unit: 'grapheme', maxLength: 8 }),
);
const hostileScalar = fc.oneof(
  fc.constantFrom(null, true, false, 0, -0, 1e308, -1e308, 5e-324, 2 ** 53 + 1, Number.MAX_SAFE_INTEGER, 'NaN', 'Infinity', '', '9'.repeat(400), '2024-13-45T99:99:99Z', '0000-00-00', '-1', '1e999'),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.double(),
  fc.integer(),
  fc.bigInt({ min: -(2n ** 80n), max: 2n ** 80n }).map((n) => ({ bigint: n.toString() })),
);
const hostileValue: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, hostileScalar, fc.array(tie('value'), { maxLength: 4 }), fc.dictionary(hostileKey, tie('value'), { maxKeys: 5 })),
})).value;
const hostileRecord = fc.dictionary(hostileKey, hostileValue, { maxKeys: 8 });

/** Text that JSON.stringify would never write: big numbers as digits, deep nesting, broken syntax, bad bytes. */
const hostileBody = fc.oneof(
  hostileRecord.map((r) => ({ bytes: Buffer.from(JSON.stringify(r).replace(/\{"bigint":"(-?\d+)"\}/g, '$1')), type: 'application/json' })),
  fc.array(hostileRecord, { minLength: 1, maxLength: 5 }).map((rs) => ({ bytes: Buffer.from(rs.map((r) => JSON.stringify(r)).join('\n')), type: 'application/x-ndjson' })),
  fc.nat({ max: 5000 }).map((depth) => ({ bytes: Buffer.from(`${'['.repeat(depth)}${']'.repeat(depth)}`), type: 'application/json' })),
  fc.nat({ max: 3000 }).map((depth) => ({ bytes: Buffer.from(`{"message":"deep","x":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}}`), type: 'application/json' })),
  fc.string({ maxLength: 200 }).map((text) => ({ bytes: Buffer.from(text), type: 'application/json' })),
  fc.uint8Array({ maxLength: 200 }).map((raw) => ({ bytes: Buffer.concat([Buffer.from('{"message":"'), Buffer.from(raw), Buffer.from('"}')]), type: 'application/json' })),
  fc.constantFrom(
    { bytes: Buffer.from('{"message": "x", "message": "y"}'), type: 'application/json' },
    { bytes: Buffer.from('{"__proto__": {"polluted": true}, "message": "proto"}'), type: 'application/json' },
    { bytes: Buffer.from('{"message":"big","n":123456789012345678901234567890}'), type: 'application/json' },
    { bytes: Buffer.from('{"message":"x","v":1e400}'), type: 'application/json' },
    { bytes: Buffer.from(`{"message":"${'a'.repeat(300_000)}"}`), type: 'application/json' },
    { bytes: Buffer.from('\ufeff{"message":"bom"}'), type: 'application/json' },
    { bytes: Buffer.from('{"message":"nul\u0000byte"}'), type: 'application/json' },
    { bytes: Buffer.from([0x7b, 0x22, 0x6d, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0x22, 0x7d]), type: 'application/json' },
    { bytes: Buffer.from('{"message":"x"}\n{"message":'), type: 'application/x-ndjson' },
    { bytes: Buffer.from(''), type: 'application/json' },
  ),
);

const hostileQuery = fc.oneof(
  fc.string({ maxLength: 60 }),
  fc.string({ unit: 'grapheme', maxLength: 30 }),
  fc.constantFrom('(((((', ')))', '"unterminated', '/[/', '/(a+)+$/', 'a:>', 'ts:[now TO', 'level:(error OR', '*:*', '_exists_:', 'NOT NOT NOT', 'a AND OR b',
    `${'('.repeat(500)}x${')'.repeat(500)}`, 'x'.repeat(5000), 'latency_ms:[a TO b]', 'ts:>99999999999999999999', '\u0000', '\\', 'field\\:with\\:colons:1'),
);
const hostileParams = fc.record({
  q: hostileQuery,
  from: fc.oneof(fc.constant(undefined), fc.string({ maxLength: 20 }), fc.constantFrom('now-1h', '-1', '1e20', 'now/z')),
  limit: fc.oneof(fc.constant(undefined), fc.string({ maxLength: 6 }), fc.constantFrom('-1', '0', '1e9', '10001', 'abc')),
  interval: fc.oneof(fc.constant(undefined), fc.constantFrom('0s', '-1m', '1y', 'abc', '1ms')),
});

describe('fuzzed hostile input', () => {
  const { server } = childServerForSuite('fuzz');

  it(`answers ${RUNS} hostile ingest bodies and queries with 2xx or 4xx only, keeps every accepted record, and stays healthy`, async () => {
    let accepted = 0;
    const statuses = new Map<number, number>();
    const count = (status: number) => statuses.set(status, (statuses.get(status) ?? 0) + 1);
    await fc.assert(fc.asyncProperty(hostileBody, hostileParams, fc.constantFrom('/api/v1/search', '/api/v1/histogram', '/api/v1/stats'), async (body, params, path) => {
      const posted = await fetch(`${server().url}/api/v1/logs?stream=${STREAM}`, { method: 'POST', headers: { 'content-type': body.type }, body: body.bytes, signal: AbortSignal.timeout(30_000) });
      const answer = await posted.json() as { accepted?: number; error?: { message?: string } };
      count(posted.status);
      assert.ok(posted.status === 202 || (posted.status >= 400 && posted.status < 500), `ingest answered ${posted.status}: ${JSON.stringify(answer)}`);
      if (posted.status === 202) accepted += answer.accepted ?? 0;
      else assert.ok(answer.error?.message, `a 4xx names the problem: ${JSON.stringify(answer)}`);
      const query = new URLSearchParams(Object.entries(params).filter(([, v]) => v !== undefined) as Array<[string, string]>);
      if (path === '/api/v1/stats') query.set('by', 'level');
      const searched = await fetch(`${server().url}${path}?${query}`, { signal: AbortSignal.timeout(30_000) });
      const result = await searched.json() as { error?: { message?: string } };
      count(searched.status);
      assert.ok(searched.status === 200 || (searched.status >= 400 && searched.status < 500), `${path}?${query} answered ${searched.status}: ${JSON.stringify(result).slice(0, 300)}`);
    }), { numRuns: RUNS, seed: Number(process.env.FUZZ_SEED ?? 20261203), endOnFailure: true });

    assert.equal((await fetch(`${server().url}/healthz`)).status, 200);
    // every acknowledged record is in the stream or, when the store could not take it, a dead letter
    await waitFor(async () => {
      const stored = await (await fetch(`${server().url}/api/v1/search?q=*&stream=${STREAM}&limit=0`)).json() as { total: number };
      const dead = await (await fetch(`${server().url}/api/v1/search?q=*&stream=_dead_letters&limit=0`)).json() as { total: number };
      return stored.total + dead.total === accepted ? true : undefined;
    }, 60_000, `${accepted} acknowledged records stored or dead-lettered (statuses ${JSON.stringify([...statuses])})`);
  });
});
