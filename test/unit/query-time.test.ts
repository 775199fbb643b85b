import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDuration } from '../../src/query/duration.ts';
import { parseTimePoint } from '../../src/query/time-point.ts';
import { parseTimeRange } from '../../src/query/time-range.ts';

const NOW = Date.UTC(2024, 4, 15, 12, 34, 56, 789); // Wednesday 2024-05-15T12:34:56.789Z
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

describe('parseDuration', () => {
  test('units s, m, h, d, w, ms and compound durations', () => {
    assert.equal(parseDuration('30s'), 30_000);
    assert.equal(parseDuration('5m'), 5 * MIN);
    assert.equal(parseDuration('1h'), HOUR);
    assert.equal(parseDuration('1d'), DAY);
    assert.equal(parseDuration('2w'), 14 * DAY);
    assert.equal(parseDuration('250ms'), 250);
    assert.equal(parseDuration('1h30m'), 90 * MIN);
    assert.equal(parseDuration('1.5h'), 90 * MIN);
  });

  test('rejects bad durations with a clear message', () => {
    for (const bad of ['', '5', 'h', '5 minutes', '-5m', '5y', '0s', '1h 30m']) {
      assert.throws(() => parseDuration(bad), /invalid duration/, bad);
    }
  });
});

describe('parseTimePoint', () => {
  test('ISO 8601 with zone, without zone (UTC) and date-only', () => {
    assert.equal(parseTimePoint('2024-05-01T10:00:00Z'), Date.UTC(2024, 4, 1, 10));
    assert.equal(parseTimePoint('2024-05-01T10:00:00.123Z'), Date.UTC(2024, 4, 1, 10, 0, 0, 123));
    assert.equal(parseTimePoint('2024-05-01T12:00:00+02:00'), Date.UTC(2024, 4, 1, 10));
    assert.equal(parseTimePoint('2024-05-01T05:30:00-0430'), Date.UTC(2024, 4, 1, 10));
    assert.equal(parseTimePoint('2024-05-01T10:00:00'), Date.UTC(2024, 4, 1, 10));
    assert.equal(parseTimePoint('2024-05-01 10:00'), Date.UTC(2024, 4, 1, 10));
    assert.equal(parseTimePoint('2024-05-01'), Date.UTC(2024, 4, 1));
    assert.equal(parseTimePoint('2024-05-01', { roundUp: true }), Date.UTC(2024, 4, 2) - 1);
  });

  test('epoch seconds and milliseconds told apart by size', () => {
    assert.equal(parseTimePoint('1714557600'), 1714557600000);
    assert.equal(parseTimePoint('1714557600.5'), 1714557600500);
    assert.equal(parseTimePoint('1714557600000'), 1714557600000);
  });

  test('now, now-relative, now rounding, and bare durations meaning "ago"', () => {
    assert.equal(parseTimePoint('now', { now: NOW }), NOW);
    assert.equal(parseTimePoint('now-15m', { now: NOW }), NOW - 15 * MIN);
    assert.equal(parseTimePoint('now-1h', { now: NOW }), NOW - HOUR);
    assert.equal(parseTimePoint('now-7d', { now: NOW }), NOW - 7 * DAY);
    assert.equal(parseTimePoint('now+5m', { now: NOW }), NOW + 5 * MIN);
    assert.equal(parseTimePoint('now-1d+2h', { now: NOW }), NOW - DAY + 2 * HOUR);
    assert.equal(parseTimePoint('now/d', { now: NOW }), Date.UTC(2024, 4, 15));
    assert.equal(parseTimePoint('now/d', { now: NOW, roundUp: true }), Date.UTC(2024, 4, 16) - 1);
    assert.equal(parseTimePoint('now-1d/d', { now: NOW }), Date.UTC(2024, 4, 14));
    assert.equal(parseTimePoint('now/w', { now: NOW }), Date.UTC(2024, 4, 13)); // Monday
    assert.equal(parseTimePoint('15m', { now: NOW }), NOW - 15 * MIN);
    assert.equal(parseTimePoint('2d', { now: NOW }), NOW - 2 * DAY);
    assert.equal(parseTimePoint('NOW-1H', { now: NOW }), NOW - HOUR);
  });

  test('rejects what is not a time', () => {
    for (const bad of ['', 'yesterday', '2024-13-01', '2024-02-30', '2024-05-01T25:00:00Z', '2024-05-01T10:00:00+25:00', 'now-', 'now-5', 'now*2', '-15m', '05/01/2024']) {
      assert.throws(() => parseTimePoint(bad, { now: NOW }), /invalid time/, bad);
    }
  });
});

describe('parseTimeRange', () => {
  test('both bounds, one bound, or none', () => {
    assert.deepEqual(parseTimeRange('now-15m', 'now', NOW), { fromMs: NOW - 15 * MIN, toMs: NOW });
    assert.deepEqual(parseTimeRange('1h', undefined, NOW), { fromMs: NOW - HOUR });
    assert.deepEqual(parseTimeRange(undefined, '2024-05-01T00:00:00Z', NOW), { toMs: Date.UTC(2024, 4, 1) });
    assert.deepEqual(parseTimeRange(undefined, undefined, NOW), {});
    assert.deepEqual(parseTimeRange('', '  ', NOW), {});
  });

  test('a date-only "to" includes that whole day', () => {
    assert.deepEqual(parseTimeRange('2024-05-01', '2024-05-01', NOW), {
      fromMs: Date.UTC(2024, 4, 1),
      toMs: Date.UTC(2024, 4, 2) - 1,
    });
  });

  test('epoch and ISO bounds mix', () => {
    assert.deepEqual(parseTimeRange('1714557600', '2024-05-01T11:00:00+01:00', NOW), {
      fromMs: 1714557600000,
      toMs: 1714557600000,
    });
  });

  test('clear errors for bad input and inverted ranges', () => {
    assert.throws(() => parseTimeRange('soon', undefined, NOW), /'from': invalid time "soon"/);
    assert.throws(() => parseTimeRange(undefined, 'later', NOW), /'to': invalid time "later"/);
    assert.throws(() => parseTimeRange('now', 'now-1h', NOW), /from "now" is after to "now-1h"/);
  });
});
