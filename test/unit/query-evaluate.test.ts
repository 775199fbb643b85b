import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseQuery } from '../../src/query/parser.ts';
import { compilePredicate, matches, type EvalRecord } from '../../src/query/evaluate.ts';

const NOW = Date.UTC(2024, 4, 1, 12, 0, 0);
const is = (query: string, record: EvalRecord): boolean => matches(parseQuery(query), record, { now: () => NOW });
const body = (b: Record<string, unknown>): EvalRecord => ({ body: b });

describe('query evaluator', () => {
  test('bare words and phrases: case-insensitive contains on the message', () => {
    const r = body({ message: 'DB Timeout after retry 7' });
    assert.equal(is('timeout', r), true);
    assert.equal(is('db timeout', r), true);
    assert.equal(is('"after retry"', r), true);
    assert.equal(is('"retry after"', r), false);
    assert.equal(is('retry*7', r), true);
    assert.equal(is('/Timeout/', r), true);
    assert.equal(is('/timeout/', r), false, 'regular expressions are case-sensitive');
    assert.equal(is('timeout', body({ other: 'timeout' })), false, 'words search the message only');
  });

  test('the message comes from the first string of message, log_message, msg, log, text', () => {
    assert.equal(is('hello', body({ message: 5, msg: 'hello' })), true);
    assert.equal(is('hello', { body: { msg: 'hello' }, message: 'bye' }), false, 'a given message wins over the body');
  });

  test('field:value is exact on the text form; numbers match as number or string', () => {
    assert.equal(is('status:500', body({ status: 500 })), true);
    assert.equal(is('status:500', body({ status: '500' })), true);
    assert.equal(is('status:500', body({ status: '500 ' })), false);
    assert.equal(is('ok:true', body({ ok: true })), true);
    assert.equal(is('user:ada', body({ user: 'Ada' })), false, 'case-sensitive');
    assert.equal(is('metadata.parentResourceId:server-0987', body({ metadata: { parentResourceId: 'server-0987' } })), true);
    assert.equal(is('tags:"[\\"a\\",1]"', body({ tags: ['a', 1] })), true, 'arrays as compact JSON');
  });

  test('levels are normalized on both sides and compare by severity', () => {
    assert.equal(is('level:error', body({ level: 'ERR' })), true);
    assert.equal(is('level:err', body({ severity: 'error' })), true);
    assert.equal(is('level:50', body({ level: 55 })), true);
    assert.equal(is('level:>=warn', body({ level: 'warning' })), true);
    assert.equal(is('level:>=warn', body({ level: 'info' })), false);
    assert.equal(is('level:{debug TO error}', body({ log_type: 'warn' })), true);
    assert.equal(is('level:w*', body({ level: 'WARNING' })), true);
  });

  test('wildcards match the whole value; regular expressions anywhere', () => {
    const r = body({ resourceId: 'server-1234', path: '/api/v2/users' });
    assert.equal(is('resourceId:server-12*', r), true);
    assert.equal(is('resourceId:erver-12*', r), false);
    assert.equal(is('resourceId:server-123?', r), true);
    assert.equal(is('path:/v2/', r), true);
    assert.equal(is('path:/^\\/api\\/v[13]\\//', r), false);
  });

  test('comparisons: numeric when the bounds are numbers, text otherwise', () => {
    assert.equal(is('latency_ms:>100', body({ latency_ms: 150 })), true);
    assert.equal(is('latency_ms:>100', body({ latency_ms: '150' })), true);
    assert.equal(is('latency_ms:>100', body({ latency_ms: 'slow' })), false);
    assert.equal(is('latency_ms:[100 TO 150}', body({ latency_ms: 150 })), false);
    assert.equal(is('latency_ms:[100 TO *]', body({ latency_ms: 1e6 })), true);
    assert.equal(is('count:>9', body({ count: 10 })), true, 'numbers, not text, order 10 after 9');
    assert.equal(is('resourceId:[server-5 TO server-6]', body({ resourceId: 'server-55' })), true);
    assert.equal(is('resourceId:[server-5 TO server-6]', body({ resourceId: 'server-7' })), false);
  });

  test('time fields: ts against the event time, other fields when the bounds are dates', () => {
    const r = body({ timestamp: '2024-05-01T11:30:00Z' });
    assert.equal(is('ts:>now-1h', r), true);
    assert.equal(is('ts:>now-15m', r), false);
    assert.equal(is('ts:2024-05-01', r), true, 'a date is its whole day');
    assert.equal(is('@timestamp:<1714557600', r), false);
    assert.equal(is('ts:>2024-05-01T11:00:00Z', { body: {}, ts: Date.UTC(2024, 4, 1, 11, 30) }), true);
    assert.equal(is('timestamp:[2024-05-01T11:00:00Z TO now]', body({ timestamp: 1714563000 })), true, 'epoch seconds');
    assert.equal(is('timestamp:>=2024-05-01T11:30:00Z', body({ timestamp: '2024-05-01 11:30:00' })), true, 'zone-less is UTC');
    assert.equal(is('ts:>now-1h', body({})), false, 'no time: the field is missing');
  });

  test('relative times follow the clock at each evaluation', () => {
    let now = NOW;
    const recent = compilePredicate(parseQuery('ts:>now-1h'), { now: () => now });
    const record = { body: {}, ts: NOW - 30 * 60_000 };
    assert.equal(recent(record), true);
    now += 3_600_000;
    assert.equal(recent(record), false);
  });

  test('_exists_, and NOT matching records without the field', () => {
    assert.equal(is('_exists_:traceId', body({ traceId: '' })), true);
    assert.equal(is('traceId:*', body({ traceId: null })), false, 'null is missing');
    assert.equal(is('NOT level:error', body({ message: 'no level' })), true);
    assert.equal(is('NOT latency_ms:>100', body({})), true);
    assert.equal(is('-commit:5e5342f', body({ commit: '5e5342f' })), false);
  });

  test('AND binds tighter than OR; stream is a record field', () => {
    const r: EvalRecord = { body: { level: 'warn', message: 'db slow' }, stream: 'app' };
    assert.equal(is('level:error OR level:warn AND db', r), true);
    assert.equal(is('(level:error OR level:warn) AND timeout', r), false);
    assert.equal(is('stream:app AND NOT stream:web', r), true);
    assert.equal(is('', r), true, 'the empty query matches everything');
  });

  test('what the store would refuse fails at compile time', () => {
    assert.throws(() => compilePredicate(parseQuery('ingestedAt:soon')), /invalid time/);
  });
});
