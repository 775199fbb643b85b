import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { toRecord } from '../../src/record/normalize.ts';
import { parseTimeValue, epochToMs } from '../../src/record/time.ts';
import { normalizeLevel } from '../../src/record/level.ts';
import { checkShape, DEFAULT_LIMITS } from '../../src/record/limits.ts';
import { positionId } from '../../src/record/id.ts';

const origin = { stream: 'logs', id: 'x', ingestedAt: 1_700_000_000_000 };

describe('record model', () => {
  it('takes event time, level and message from the Dyte sample', () => {
    const record = toRecord({ level: 'error', message: 'Failed to connect to DB', timestamp: '2023-09-15T08:00:00Z' }, origin);
    assert.equal(record.ts, Date.parse('2023-09-15T08:00:00Z'));
    assert.equal(record.level, 'error');
    assert.equal(record.message, 'Failed to connect to DB');
    assert.equal(record.ingestedAt, origin.ingestedAt);
  });

  it('falls back to ingest time when no time field parses', () => {
    assert.equal(toRecord({ timestamp: 'not a date' }, origin).ts, origin.ingestedAt);
    assert.equal(toRecord({}, origin).ts, origin.ingestedAt);
  });

  it('tells epoch seconds, ms, µs and ns apart by size', () => {
    const ms = 1_694_764_800_000;
    assert.equal(epochToMs(ms / 1000), ms);
    assert.equal(epochToMs(ms), ms);
    assert.equal(epochToMs(ms * 1000), ms);
    assert.equal(epochToMs(ms * 1_000_000), ms);
    assert.equal(parseTimeValue(String(ms)), ms);
    assert.equal(toRecord({ ets: ms }, origin).ts, ms);
    assert.equal(toRecord({ '@timestamp': '2023-09-15T08:00:00.123Z' }, origin).ts, Date.parse('2023-09-15T08:00:00.123Z'));
  });

  it('believes no time outside the years 0000-9999: the record keeps its ingest time', () => {
    assert.equal(epochToMs(1e30), null);
    assert.equal(parseTimeValue('10000-01-01T00:00:00Z'), null);
    assert.equal(parseTimeValue('2024-02-30 00:00:00'), null, 'an impossible date is not rolled into March');
    assert.equal(toRecord({ timestamp: 1e30 }, origin).ts, origin.ingestedAt);
    assert.equal(toRecord({ timestamp: 1e30, time: '2024-01-01T00:00:00Z' }, origin).ts, Date.parse('2024-01-01T00:00:00Z'));
    assert.equal(parseTimeValue('0001-02-03T00:00:00Z'), Date.parse('0001-02-03T00:00:00Z'));
  });

  it('reads a time without a zone as UTC, or in the zone given, whatever zone the process runs in', () => {
    assert.equal(parseTimeValue('2024-09-25 05:42:20'), Date.parse('2024-09-25T05:42:20Z'));
    assert.equal(parseTimeValue('2024-09-25T05:42:20'), Date.parse('2024-09-25T05:42:20Z'));
    assert.equal(parseTimeValue('Sep 25 2024 05:42:20'), Date.parse('2024-09-25T05:42:20Z'));
    assert.equal(parseTimeValue('2024-09-25 05:42:20', 'America/New_York'), Date.parse('2024-09-25T05:42:20-04:00'));
    assert.equal(parseTimeValue('2024-01-25 05:42:20', 'America/New_York'), Date.parse('2024-01-25T05:42:20-05:00'));
    assert.equal(parseTimeValue('2024-09-25 05:42:20+02:00', 'America/New_York'), Date.parse('2024-09-25T05:42:20+02:00'));
    assert.equal(parseTimeValue('Sep 25 2024 05:42:20 +0200', 'Asia/Kolkata'), Date.parse('2024-09-25T05:42:20+02:00'));
    assert.equal(toRecord({ timestamp: '2024-09-25 05:42:20' }, { ...origin, timeZone: 'Asia/Kolkata' }).ts, Date.parse('2024-09-25T05:42:20+05:30'));
  });

  it('normalizes level names and numeric levels, keeping the original in the body', () => {
    assert.equal(normalizeLevel('WARNING'), 'warn');
    assert.equal(normalizeLevel('Critical'), 'fatal');
    assert.equal(normalizeLevel(50), 'error');
    assert.equal(normalizeLevel('nonsense'), null);
    assert.equal(normalizeLevel('50'), 'error', 'a numeric level written as text means what the number means, as in queries');
    assert.equal(normalizeLevel(' 30 '), 'info');
    const record = toRecord({ log_type: 'warning', log_message: 'disk' }, origin);
    assert.equal(record.level, 'warn');
    assert.equal(record.message, 'disk');
    assert.equal(record.body.log_type, 'warning');
  });

  it('refuses nesting and field counts over the limits, without recursion', () => {
    let deep: unknown = {};
    for (let i = 0; i < 100_000; i++) deep = { a: deep };
    assert.match(checkShape(deep, DEFAULT_LIMITS)!, /nesting deeper than 64/);
    const wide = Object.fromEntries(Array.from({ length: 2001 }, (_, i) => [`f${i}`, i]));
    assert.match(checkShape(wide, DEFAULT_LIMITS)!, /more than 2000 fields/);
    assert.equal(checkShape({ a: { b: [1, { c: 2 }] } }, DEFAULT_LIMITS), null);
  });

  it('derives ids from the log position: stable, unique, time-sortable', () => {
    assert.equal(positionId(1000, 1, 5), positionId(1000, 1, 5));
    assert.notEqual(positionId(1000, 1, 5), positionId(1000, 1, 6));
    assert.notEqual(positionId(1000, 1, 5), positionId(1000, 2, 5));
    assert.ok(positionId(1000, 9, 999) < positionId(1001, 0, 0));
    assert.equal(positionId(Date.now(), 0, 0).length, 24);
  });
});
