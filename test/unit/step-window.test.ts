// The window step: tumbling, hopping and sliding windows over event or processing time, closed by
// the watermark (the lowest newest event time over the partitions active within the idle timeout,
// minus the lateness) or by the idle timeout on tick(); late records rejected; upstream rejections
// counted per window; state carried across a restart through the JSON snapshot.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { windowStep, type WindowOptions, type WindowStep } from '../../src/pipelines/steps/window/window.ts';
import type { PipelineRecord, Rejection } from '../../src/pipelines/step.ts';

const SECOND = 1000;
const MINUTE = 60_000;
/** Event times are minutes after this: 2025-01-21T00:00:00Z, a multiple of every window size used. */
const T0 = Date.UTC(2025, 0, 21, 0, 0, 0);
const at = (minutes: number, ms = 0): number => T0 + minutes * MINUTE + ms;

class Clock {
  // processing time: 2025-01-21T01:00:00.250Z
  ms = Date.UTC(2025, 0, 21, 1, 0, 0, 250);
  now = (): number => this.ms;
  advance(ms: number): void {
    this.ms += ms;
  }
}

function setup(clock = new Clock()): { clock: Clock; create: (options: WindowOptions, restored?: unknown) => WindowStep } {
  return { clock, create: (options, restored) => windowStep.create(options, { now: clock.now, restored }) };
}

let offset = 0;
const rec = (body: Record<string, unknown>, partition = 0): PipelineRecord => ({ body, origin: { topic: 'in', partition, offset: offset++, ingestedAt: 0 } });
/** A record with its event time in `ts` (epoch ms). */
const ev = (ms: number, extra: Record<string, unknown> = {}, partition = 0): PipelineRecord => rec({ ts: ms, ...extra }, partition);

function run(step: WindowStep, records: PipelineRecord[]): PipelineRecord[] {
  const result = step.process(records);
  assert.ok(!(result instanceof Promise));
  assert.deepEqual(result.rejected, [], 'nothing rejected');
  return result.records;
}

function tick(step: WindowStep): PipelineRecord[] {
  const result = step.tick!();
  assert.ok(!(result instanceof Promise));
  assert.deepEqual(result.rejected, []);
  return result.records;
}

const bodies = (records: PipelineRecord[]): Array<Record<string, unknown>> => records.map((r) => r.body);
const counts = (records: PipelineRecord[]): Array<[unknown, unknown]> => records.map((r) => [r.body.window_start, r.body.count]);

const COUNT = [{ fn: 'count', as: 'count' }] as WindowOptions['aggregates'];

describe('window step: tumbling windows', () => {
  it('puts boundary records in the right window and writes the output fields, aggregates and ids', () => {
    const { clock, create } = setup();
    const step = create({
      size: '5m',
      aggregates: [
        { fn: 'count', as: 'count' },
        { fn: 'distinct', field: 'user', as: 'users' },
        { fn: 'distribution', field: 'level', as: 'levels' },
        { fn: 'rate', as: 'per_second', decimals: 3 },
        { fn: 'rate', as: 'per_minute', perSeconds: 60 },
      ],
      fieldOrder: ['count', 'window_start'],
    });
    const first = run(step, [
      ev(at(0), { user: 'a', level: 'info' }), // exactly the start of [00:00, 00:05)
      ev(at(5, -1), { user: 'b', level: 'error' }), // the last ms of [00:00, 00:05)
      ev(at(5), { user: 'a', level: 'info' }), // exactly the start of [00:05, 00:10)
      ev(at(7), { user: 'a', level: 'warn' }),
      ev(at(9), { user: 'a', level: 'warn' }),
    ]);
    // the watermark is 00:09: [00:00, 00:05) closes, [00:05, 00:10) stays open
    assert.equal(first.length, 1);
    assert.deepEqual(first[0]!.body, {
      count: 2,
      window_start: '2025-01-21T00:00:00',
      timestamp: '2025-01-21T01:00:00.250000',
      window_end: '2025-01-21T00:05:00',
      users: 2,
      levels: { info: 1, error: 1 },
      per_second: 0.007, // 2 / 300 s = 0.00666…
      per_minute: 0.4, // 2 / 5 min
    });
    assert.deepEqual(Object.keys(first[0]!.body), ['count', 'window_start', 'timestamp', 'window_end', 'users', 'levels', 'per_second', 'per_minute']);
    assert.equal(first[0]!.id, '2025-01-21T00:00:00');
    assert.equal(step.openGroups, 1);

    clock.advance(2 * MINUTE);
    const second = run(step, [ev(at(10), { user: 'c', level: 'info' })]);
    assert.equal(second.length, 1);
    assert.deepEqual(second[0]!.body, {
      count: 3,
      window_start: '2025-01-21T00:05:00',
      timestamp: '2025-01-21T01:02:00.250000',
      window_end: '2025-01-21T00:10:00',
      users: 1,
      levels: { info: 1, warn: 2 },
      per_second: 0.01,
      per_minute: 0.6,
    });
    assert.equal(second[0]!.id, '2025-01-21T00:05:00');
    assert.equal(second[0]!.origin.offset, offset - 2, 'traced to the last record that went in (00:09)');
  });

  it('writes one output per group key, with the group fields and distinct ids', () => {
    const { create } = setup();
    const step = create({ size: '5m', groupBy: ['host', 'app.name'], aggregates: [{ fn: 'count', as: 'n' }], fields: { emittedAt: null } });
    run(step, [
      ev(at(1), { host: 'h1', app: { name: 'x' } }),
      ev(at(2), { host: 'h2', app: { name: 'x' } }),
      ev(at(3), { host: 'h1', app: { name: 'x' } }),
      ev(at(4), { host: 'h1' }),
    ]);
    const out = run(step, [ev(at(5), { host: 'h1', app: { name: 'x' } })]);
    assert.deepEqual(bodies(out), [
      { window_start: '2025-01-21T00:00:00', window_end: '2025-01-21T00:05:00', host: 'h1', 'app.name': 'x', n: 2 },
      { window_start: '2025-01-21T00:00:00', window_end: '2025-01-21T00:05:00', host: 'h2', 'app.name': 'x', n: 1 },
      { window_start: '2025-01-21T00:00:00', window_end: '2025-01-21T00:05:00', host: 'h1', 'app.name': null, n: 1 },
    ]);
    assert.deepEqual(out.map((r) => r.id), [
      '2025-01-21T00:00:00/["h1","x"]',
      '2025-01-21T00:00:00/["h2","x"]',
      '2025-01-21T00:00:00/["h1",null]',
    ]);
    assert.equal(step.openGroups, 1);
  });

  it('writes epoch times when asked, and leaves out fields set to null', () => {
    const { clock, create } = setup();
    const step = create({ size: '1m', timeFormat: 'epoch-ms', fields: { windowEnd: null, windowStart: 'start' }, aggregates: COUNT });
    run(step, [ev(at(0, 30 * SECOND))]);
    const out = run(step, [ev(at(1))]);
    assert.deepEqual(bodies(out), [{ timestamp: clock.ms, start: at(0), count: 1 }]);
    assert.equal(out[0]!.id, '2025-01-21T00:00:00');
  });

  it('emits nothing for empty windows: a gap of several windows gives only the windows with records', () => {
    const { create } = setup();
    const step = create({ size: '5m', aggregates: COUNT });
    assert.deepEqual(run(step, [ev(at(1)), ev(at(2))]), []);
    assert.deepEqual(counts(run(step, [ev(at(21))])), [['2025-01-21T00:00:00', 2]]);
    assert.deepEqual(counts(run(step, [ev(at(40))])), [['2025-01-21T00:20:00', 1]]);
    assert.equal(step.openGroups, 1);
  });
});

describe('window step: watermark and lateness', () => {
  it('keeps a window open while another partition lags, and closes it once that partition catches up', () => {
    const { create } = setup();
    const step = create({ size: '5m', idleTimeout: '1m', aggregates: COUNT });
    assert.deepEqual(run(step, [ev(at(1), {}, 0), ev(at(1), {}, 1)]), []);
    assert.deepEqual(run(step, [ev(at(6), {}, 0), ev(at(8), {}, 0)]), [], 'partition 1 is at 00:01: the watermark stays there');
    assert.deepEqual(tick(step), []);
    assert.equal(step.openGroups, 2);
    assert.deepEqual(run(step, [ev(at(4, 59_999), {}, 1)]), [], 'partition 1 at 00:04:59.999: the window has not ended yet');
    assert.deepEqual(counts(run(step, [ev(at(5), {}, 1)])), [['2025-01-21T00:00:00', 3]]);
    assert.equal(step.openGroups, 1);
  });

  it('stops waiting for a partition idle for idleTimeout (on tick, exactly at the timeout)', () => {
    const { clock, create } = setup();
    const step = create({ size: '5m', idleTimeout: '1m', aggregates: COUNT });
    run(step, [ev(at(1), {}, 0), ev(at(2), {}, 1)]);
    clock.advance(30 * SECOND);
    assert.deepEqual(run(step, [ev(at(6), {}, 0)]), []);
    clock.advance(30 * SECOND - 1);
    assert.deepEqual(tick(step), [], 'partition 1 was seen 59.999 s ago');
    clock.advance(1);
    const out = tick(step);
    assert.deepEqual(counts(out), [['2025-01-21T00:00:00', 2]]);
    assert.equal(out[0]!.body.timestamp, '2025-01-21T01:01:00.250000');
    assert.equal(step.openGroups, 1, '[00:05, 00:10) is still open: partition 0 is at 00:06');
  });

  it('holds the watermark back for an assigned partition without records until it goes idle', () => {
    const { clock, create } = setup();
    const step = create({ size: '5m', idleTimeout: '1m', aggregates: COUNT });
    step.assigned!([{ topic: 'in', partition: 0 }, { topic: 'in', partition: 1 }]);
    clock.advance(30 * SECOND);
    assert.deepEqual(run(step, [ev(at(1), {}, 0), ev(at(6), {}, 0)]), [], 'partition 1 has sent nothing yet');
    clock.advance(30 * SECOND - 1);
    assert.deepEqual(tick(step), []);
    // a snapshot keeps the partition without records (its newest time is no JSON number)
    const restarted = create({ size: '5m', idleTimeout: '1m', aggregates: COUNT }, JSON.parse(JSON.stringify(step.snapshot())));
    assert.deepEqual(tick(restarted), []);
    clock.advance(1);
    assert.deepEqual(counts(tick(step)), [['2025-01-21T00:00:00', 1]], 'partition 1 idle for 1m');
    assert.deepEqual(counts(tick(restarted)), [['2025-01-21T00:00:00', 1]]);
  });

  it('puts a record in the hopping windows still open, and is not late while one is', () => {
    const { create } = setup();
    const step = create({ type: 'hopping', size: '10m', slide: '5m', aggregates: COUNT });
    run(step, [ev(at(2))]);
    assert.deepEqual(counts(run(step, [ev(at(11))])), [['2025-01-20T23:55:00', 1], ['2025-01-21T00:00:00', 1]]);
    assert.deepEqual(run(step, [ev(at(8))]), [], '[00:00, 00:10) is closed, [00:05, 00:15) is not');
    assert.deepEqual(counts(run(step, [ev(at(15))])), [['2025-01-21T00:05:00', 2]]);
    assert.equal(step.lateRecords, 0);
  });

  it('counts out-of-order records within the lateness and rejects later ones as late', () => {
    const { create } = setup();
    const step = create({ size: '5m', lateness: '2m', aggregates: COUNT });
    assert.deepEqual(run(step, [ev(at(1))]), []);
    assert.deepEqual(run(step, [ev(at(6))]), [], 'watermark 00:04');
    assert.deepEqual(run(step, [ev(at(3))]), [], 'out of order, within the lateness');
    assert.deepEqual(run(step, [ev(at(6, 59_999))]), [], 'watermark 00:04:59.999');
    assert.deepEqual(run(step, [ev(at(4, 59_999))]), []);
    assert.deepEqual(counts(run(step, [ev(at(7))])), [['2025-01-21T00:00:00', 3]], 'watermark 00:05 closes [00:00, 00:05)');

    const late = ev(at(4));
    const result = step.process([late, ev(at(8))]);
    assert.ok(!(result instanceof Promise));
    assert.deepEqual(result.records, []);
    assert.equal(result.rejected.length, 1);
    assert.equal(result.rejected[0]!.record, late);
    assert.equal(result.rejected[0]!.reason, 'late: event time 2025-01-21T00:04:00.000Z is in a window that closed when the watermark passed 2025-01-21T00:05:00.000Z (allowed lateness 2m)');
    assert.equal(step.lateRecords, 1);
  });

  it('treats a record for a window the watermark passed as late even if no record opened that window', () => {
    const { create } = setup();
    const step = create({ size: '5m', aggregates: COUNT });
    run(step, [ev(at(1))]);
    assert.deepEqual(counts(run(step, [ev(at(30))])), [['2025-01-21T00:00:00', 1]], 'watermark jumps to 00:30');
    const result = step.process([ev(at(12)), ev(at(29, 59_999)), ev(at(30, 1))]);
    assert.ok(!(result instanceof Promise));
    assert.deepEqual(result.rejected.map((r) => r.reason.startsWith('late:')), [true, true]);
    assert.deepEqual(result.rejected.map((r) => r.record.body.ts), [at(12), at(29, 59_999)]);
    assert.match(result.rejected[0]!.reason, /watermark passed 2025-01-21T00:30:00\.000Z/);
    assert.equal(step.lateRecords, 2);
    assert.equal(step.openGroups, 1, 'only [00:30, 00:35) is open');
  });

  it('rejects a record without an event time, not as late', () => {
    const { create } = setup();
    const step = create({ size: '5m', timeField: 'event.at', aggregates: COUNT });
    const result = step.process([rec({ ts: at(1) }), rec({ event: { at: '2025-01-21T00:02:00Z' } })]);
    assert.ok(!(result instanceof Promise));
    assert.deepEqual(result.rejected.map((r) => r.reason), ['window: no event time in event.at']);
    assert.equal(step.lateRecords, 0);
    assert.equal(step.openGroups, 1);
  });
});

describe('window step: closing on the timer', () => {
  it('closes every open window when no input came for idleTimeout, not before', () => {
    const { clock, create } = setup();
    const step = create({ size: '5m', lateness: '3m', idleTimeout: '2m', aggregates: COUNT });
    run(step, [ev(at(1)), ev(at(3)), ev(at(7))]);
    assert.equal(step.openGroups, 2);
    clock.advance(2 * MINUTE - 1);
    assert.deepEqual(tick(step), []);
    clock.advance(1);
    const out = tick(step);
    assert.deepEqual(counts(out), [['2025-01-21T00:00:00', 2], ['2025-01-21T00:05:00', 1]]);
    assert.equal(out[1]!.body.timestamp, '2025-01-21T01:02:00.250000');
    assert.equal(step.openGroups, 0);
    assert.deepEqual(tick(step), []);
    // both windows are closed now: a record for them is late
    const result = step.process([ev(at(9))]);
    assert.ok(!(result instanceof Promise));
    assert.equal(result.rejected.length, 1);
    assert.match(result.rejected[0]!.reason, /^late: /);
  });

  it('closes processing-time windows by the clock on tick()', () => {
    const clock = new Clock();
    clock.ms = Date.UTC(2025, 0, 21, 0, 30, 20);
    const { create } = setup(clock);
    const step = create({ size: '1m', time: 'processing', aggregates: COUNT });
    assert.deepEqual(run(step, [rec({ message: 'no time' }), rec({ ts: at(1) })]), [], 'the event time is ignored');
    clock.advance(39 * SECOND);
    assert.deepEqual(run(step, [rec({})]), []);
    clock.advance(SECOND - 1); // 00:30:59.999
    assert.deepEqual(tick(step), []);
    clock.advance(1);
    const out = tick(step);
    assert.deepEqual(bodies(out), [{ timestamp: '2025-01-21T00:31:00', window_start: '2025-01-21T00:30:00', window_end: '2025-01-21T00:31:00', count: 3 }]);
    assert.deepEqual(tick(step), []);
  });
});

describe('window step: hopping and sliding windows', () => {
  it('counts a record in each hopping window it falls in', () => {
    const { create } = setup();
    const step = create({ type: 'hopping', size: '10m', slide: '5m', lateness: '10m', aggregates: COUNT });
    assert.deepEqual(run(step, [ev(at(7)), ev(at(12)), ev(at(10))]), []);
    const out = run(step, [ev(at(30))]);
    assert.deepEqual(out.map((r) => [r.body.window_start, r.body.window_end, r.body.count]), [
      ['2025-01-21T00:00:00', '2025-01-21T00:10:00', 1],
      ['2025-01-21T00:05:00', '2025-01-21T00:15:00', 3],
      ['2025-01-21T00:10:00', '2025-01-21T00:20:00', 2],
    ]);
    assert.deepEqual(out.map((r) => r.id), ['2025-01-21T00:00:00', '2025-01-21T00:05:00', '2025-01-21T00:10:00']);
    assert.equal(step.openGroups, 2, '[00:25, 00:35) and [00:30, 00:40)');
  });

  it('slides by 1s by default: a record is in size ÷ 1s windows', () => {
    const { create } = setup();
    const step = create({ type: 'sliding', size: '3s', aggregates: [{ fn: 'count', as: 'count' }, { fn: 'rate', as: 'rate', decimals: 2 }] });
    run(step, [ev(at(0, 2500))]);
    assert.equal(step.openGroups, 3);
    const out = run(step, [ev(at(0, 10_000))]);
    assert.deepEqual(out.map((r) => [r.body.window_start, r.body.window_end, r.body.count, r.body.rate]), [
      ['2025-01-21T00:00:00', '2025-01-21T00:00:03', 1, 0.33],
      ['2025-01-21T00:00:01', '2025-01-21T00:00:04', 1, 0.33],
      ['2025-01-21T00:00:02', '2025-01-21T00:00:05', 1, 0.33],
    ]);
  });
});

describe('window step: records rejected upstream', () => {
  it('counts them in their window, or in the newest open window without a usable time', () => {
    const { create } = setup();
    const step = create({ size: '5m', lateness: '5m', aggregates: COUNT, rejected: { countAs: 'errors', percentAs: 'error_pct' } });
    run(step, [ev(at(1)), ev(at(2)), ev(at(3)), ev(at(6))]);
    const rejections: Rejection[] = [
      { record: ev(at(4)), reason: 'bad' },
      { record: rec({ message: 'not json' }), reason: 'unparseable' },
      { record: ev(at(0)), reason: 'bad' },
    ];
    step.rejected!(rejections);
    const out = run(step, [ev(at(15))]);
    assert.deepEqual(bodies(out), [
      { timestamp: '2025-01-21T01:00:00.250000', window_start: '2025-01-21T00:00:00', window_end: '2025-01-21T00:05:00', count: 3, error_pct: 66.67, errors: 2 },
      { timestamp: '2025-01-21T01:00:00.250000', window_start: '2025-01-21T00:05:00', window_end: '2025-01-21T00:10:00', count: 1, error_pct: 100, errors: 1 },
    ]);
  });

  it('opens a window for a rejected record alone: percent of max(1, count)', () => {
    const { create } = setup();
    const step = create({ size: '5m', aggregates: COUNT, rejected: { countAs: 'errors', percentAs: 'pct', decimals: 1 } });
    run(step, [ev(at(1)), ev(at(2)), ev(at(3))]);
    step.rejected!([{ record: ev(at(12)), reason: 'x' }, { record: ev(at(12)), reason: 'x' }, { record: ev(at(4)), reason: 'x' }]);
    const out = run(step, [ev(at(20))]);
    assert.deepEqual(out.map((r) => [r.body.window_start, r.body.count, r.body.errors, r.body.pct]), [
      ['2025-01-21T00:00:00', 3, 1, 33.3],
      ['2025-01-21T00:10:00', 0, 2, 200],
    ]);
  });
});

describe('window step: records rejected upstream with no window open', () => {
  it('opens no window of the wall clock in event time, which would make later records late', () => {
    const { clock, create } = setup(); // the clock is an hour past the event times
    const step = create({ size: '5m', idleTimeout: '1m', aggregates: COUNT, rejected: { countAs: 'errors' } });
    step.rejected!([{ record: rec({ message: 'not json' }), reason: 'unparseable' }]);
    assert.equal(step.openGroups, 0);
    run(step, [ev(at(1))]);
    clock.advance(MINUTE);
    assert.deepEqual(bodies(tick(step)), [{ timestamp: '2025-01-21T01:01:00.250000', window_start: '2025-01-21T00:00:00', window_end: '2025-01-21T00:05:00', count: 1, errors: 0 }]);
    assert.deepEqual(run(step, [ev(at(10))]), [], 'not late: only [00:00, 00:05) was closed');
    assert.equal(step.lateRecords, 0);
  });

  it('places a record without a time at the time the log took it, and rejects one without a named timeField', async () => {
    const { clock, create } = setup();
    const step = create({ size: '5m', idleTimeout: '1m', aggregates: COUNT });
    const untimed: PipelineRecord = { body: { message: 'no time' }, origin: { topic: 'in', partition: 0, offset: offset++, ingestedAt: at(7) } };
    assert.deepEqual(run(step, [untimed]), []);
    clock.advance(MINUTE);
    assert.deepEqual(counts(tick(step)), [['2025-01-21T00:05:00', 1]]);
    const named = create({ size: '5m', timeField: 'ts', aggregates: COUNT });
    const result = await named.process([{ ...untimed, origin: { ...untimed.origin, offset: offset++ } }]);
    assert.equal(result.rejected.length, 1);
    assert.match(result.rejected[0]!.reason, /no event time in ts/);
  });

  it('opens the window of the clock in processing time', () => {
    const { clock, create } = setup();
    const step = create({ size: '1m', time: 'processing', aggregates: COUNT, rejected: { countAs: 'errors', percentAs: 'pct' } });
    step.rejected!([{ record: rec({ message: 'x' }), reason: 'bad' }]);
    clock.advance(MINUTE);
    assert.deepEqual(bodies(tick(step)), [{ timestamp: '2025-01-21T01:01:00.250000', window_start: '2025-01-21T01:00:00', window_end: '2025-01-21T01:01:00', count: 0, pct: 100, errors: 1 }]);
  });
});

describe('window step: restart mid-window', () => {
  const options: WindowOptions = {
    size: '5m',
    lateness: '1m',
    idleTimeout: '10m',
    groupBy: ['host'],
    aggregates: [
      { fn: 'count', as: 'count' },
      { fn: 'distinct', field: 'user', as: 'users' },
      { fn: 'distribution', field: 'level', as: 'levels' },
      { fn: 'sum', field: 'bytes', as: 'bytes' },
    ],
    rejected: { countAs: 'errors', percentAs: 'error_pct' },
  };
  const batches = (): PipelineRecord[][] => [
    [ev(at(1), { host: 'a', user: 'u1', level: 'info', bytes: 0.1 }, 0), ev(at(2), { host: 'b', user: 'u2', level: 'info', bytes: 0.2 }, 1)],
    [ev(at(4), { host: 'a', user: 'u2', level: 'warn', bytes: 0.3 }, 0), ev(at(7), { host: 'a', user: 'u1', level: 'info', bytes: 1 }, 1), ev(at(6, 1), { host: 'a', user: 'u1', level: 'info', bytes: 1 }, 0)],
    // after the restart: [00:00, 00:05) closed; [00:05, 00:10) still open
    [ev(at(8), { host: 'a', user: 'u3', level: 'error', bytes: 2 }, 0), ev(at(9), { host: 'b', user: 'u3', level: 'error', bytes: 3 }, 1)],
    [ev(at(12), { host: 'a', user: 'u1', level: 'info', bytes: 4 }, 0), ev(at(11), { host: 'a', user: 'u1', level: 'info', bytes: 5 }, 1)],
    [ev(at(31), { host: 'a', user: 'u1', level: 'info', bytes: 6 }, 0), ev(at(31), { host: 'a', user: 'u1', level: 'info', bytes: 6 }, 1)],
  ];
  const rejection = (): Rejection => ({ record: ev(at(8, 30 * SECOND), { host: 'a' }), reason: 'bad' });

  /** Runs batches 0..n-1 on step, ticking between them; the clock moves 20 s per batch. */
  function feed(step: WindowStep, clock: Clock, list: PipelineRecord[][]): PipelineRecord[] {
    const out: PipelineRecord[] = [];
    for (const batch of list) {
      out.push(...run(step, batch));
      if (batch[0]!.body.ts === at(8)) step.rejected!([rejection()]);
      clock.advance(20 * SECOND);
      out.push(...tick(step));
    }
    return out;
  }

  it('gives the same windows as an uninterrupted step, and closedThrough survives', () => {
    const all = batches();
    const single = setup();
    const expected = feed(single.create(options), single.clock, all);
    assert.deepEqual(expected.map((r) => [r.id, r.body.count, r.body.bytes]), [
      ['2025-01-21T00:00:00/["a"]', 2, 0.4],
      ['2025-01-21T00:00:00/["b"]', 1, 0.2],
      ['2025-01-21T00:05:00/["a"]', 3, 4],
      ['2025-01-21T00:05:00/["b"]', 1, 3],
      ['2025-01-21T00:10:00/["a"]', 2, 9],
    ]);
    assert.deepEqual(expected[2]!.body, {
      timestamp: '2025-01-21T01:01:00.250000',
      window_start: '2025-01-21T00:05:00',
      window_end: '2025-01-21T00:10:00',
      host: 'a',
      count: 3,
      users: 2,
      levels: { info: 2, error: 1 },
      bytes: 4,
      error_pct: 33.33,
      errors: 1,
    });

    const split = setup();
    const first = split.create(options);
    const before = feed(first, split.clock, all.slice(0, 2));
    const saved: unknown = JSON.parse(JSON.stringify(first.snapshot()));
    const second = split.create(options, saved);
    assert.equal(second.openGroups, first.openGroups);
    const late = second.process([ev(at(4, 59_999), { host: 'a' })]);
    assert.ok(!(late instanceof Promise));
    assert.equal(late.rejected.length, 1, 'a record for a window closed before the restart is late');
    assert.match(late.rejected[0]!.reason, /^late: /);
    assert.deepEqual(late.records, []);
    const after = feed(second, split.clock, all.slice(2));
    assert.deepEqual([...before, ...after].map((r) => ({ id: r.id, body: r.body, origin: r.origin })), expected.map((r) => ({ id: r.id, body: r.body, origin: r.origin })));
  });

  it('does not close the restored windows on the first tick after a downtime longer than idleTimeout', () => {
    const { clock, create } = setup();
    const first = create({ size: '5m', idleTimeout: '1m', aggregates: COUNT });
    run(first, [ev(at(1)), ev(at(2))]);
    const saved: unknown = JSON.parse(JSON.stringify(first.snapshot()));
    clock.advance(10 * MINUTE); // the pipeline was down
    const second = create({ size: '5m', idleTimeout: '1m', aggregates: COUNT }, saved);
    assert.deepEqual(tick(second), [], 'the records after the checkpoint are still to be replayed');
    assert.deepEqual(run(second, [ev(at(3))]), []);
    clock.advance(MINUTE);
    assert.deepEqual(counts(tick(second)), [['2025-01-21T00:00:00', 3]]);
  });
});

describe('window step: options', () => {
  const create = (options: Partial<WindowOptions>): WindowStep => windowStep.create({ size: '5m', aggregates: COUNT, ...options } as WindowOptions, { now: () => 0 });

  it('refuses a hopping window without a slide', () => {
    assert.throws(() => create({ type: 'hopping', size: '10m' }), { message: 'window: a hopping window needs a slide' });
  });

  it('refuses a slide longer than the size', () => {
    assert.throws(() => create({ type: 'hopping', size: '5m', slide: '10m' }), { message: 'window: slide must be longer than 0 and at most the size (5m)' });
    assert.throws(() => create({ type: 'sliding', size: '500ms' }), { message: 'window: slide must be longer than 0 and at most the size (500ms)' });
  });

  it('refuses more than 3600 windows per record', () => {
    assert.throws(() => create({ type: 'sliding', size: '1h1s' }), { message: 'window: size ÷ slide must be at most 3600 (each record goes into that many windows)' });
    assert.throws(() => create({ type: 'hopping', size: '1h', slide: '999ms' }), /at most 3600/);
    assert.equal(create({ type: 'sliding', size: '1h' }).openGroups, 0, 'exactly 3600 is allowed');
  });

  it('refuses a zero size', () => {
    assert.throws(() => create({ size: '0s' }), /size|greater than zero/);
  });
});
