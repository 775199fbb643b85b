// The batch step: holds records until maxRecords have gathered (releasing full chunks, in order) or
// maxWait has passed since the oldest held record (on tick), releases everything on drain, and says
// whether it holds records so the runner does not commit past them.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { batchStep, type BatchOptions } from '../../src/pipelines/steps/batch/batch.ts';
import type { PipelineRecord, Step, StepResult } from '../../src/pipelines/step.ts';

class Clock {
  ms = 1_700_000_000_000;
  now = (): number => this.ms;
  advance(ms: number): void {
    this.ms += ms;
  }
}

function setup(options: BatchOptions): { clock: Clock; step: Step } {
  const clock = new Clock();
  return { clock, step: batchStep.create(options, { now: clock.now }) };
}

let offset = 0;
const recs = (...ns: number[]): PipelineRecord[] => ns.map((n) => ({ body: { n }, origin: { topic: 'in', partition: 0, offset: offset++, ingestedAt: 0 } }));

function ns(result: StepResult | Promise<StepResult>): number[] {
  assert.ok(!(result instanceof Promise));
  assert.deepEqual(result.rejected, []);
  return result.records.map((r) => r.body.n as number);
}

describe('batch step', () => {
  it('releases full chunks of maxRecords in order and holds the rest', () => {
    const { step } = setup({ maxRecords: 3, maxWait: '1s' });
    assert.equal(step.holding!(), false);
    assert.deepEqual(ns(step.process(recs(0, 1))), []);
    assert.equal(step.holding!(), true);
    assert.deepEqual(ns(step.process(recs(2, 3, 4, 5, 6))), [0, 1, 2, 3, 4, 5]);
    assert.equal(step.holding!(), true);
    assert.deepEqual(ns(step.process(recs(7, 8))), [6, 7, 8]);
    assert.equal(step.holding!(), false);
    assert.deepEqual(ns(step.process(recs(9, 10, 11, 12, 13, 14, 15))), [9, 10, 11, 12, 13, 14]);
    assert.deepEqual(ns(step.drain!()), [15]);
    assert.equal(step.holding!(), false);
  });

  it('passes the original records, not copies', () => {
    const { step } = setup({ maxRecords: 2 });
    const input = recs(1, 2);
    const result = step.process(input);
    assert.ok(!(result instanceof Promise));
    assert.equal(result.records[0], input[0]);
    assert.equal(result.records[1], input[1]);
  });

  it('releases on tick once the oldest held record waited maxWait, not before', () => {
    const { clock, step } = setup({ maxRecords: 100, maxWait: '1s' });
    assert.deepEqual(ns(step.tick!()), [], 'nothing held');
    step.process(recs(1));
    clock.advance(600);
    step.process(recs(2, 3));
    clock.advance(399);
    assert.deepEqual(ns(step.tick!()), [], '999 ms after the first');
    assert.equal(step.holding!(), true);
    clock.advance(1);
    assert.deepEqual(ns(step.tick!()), [1, 2, 3]);
    assert.equal(step.holding!(), false);
    assert.deepEqual(ns(step.tick!()), []);

    // the wait starts again with the next record, not from the last release
    clock.advance(5000);
    step.process(recs(4));
    clock.advance(999);
    assert.deepEqual(ns(step.tick!()), []);
    clock.advance(1);
    assert.deepEqual(ns(step.tick!()), [4]);
  });

  it('times the records left over after a full chunk from that release', () => {
    const { clock, step } = setup({ maxRecords: 2, maxWait: '10s' });
    step.process(recs(1));
    clock.advance(9000);
    assert.deepEqual(ns(step.process(recs(2, 3))), [1, 2]);
    clock.advance(9999);
    assert.deepEqual(ns(step.tick!()), [], 'record 3 came 9.999 s ago');
    clock.advance(1);
    assert.deepEqual(ns(step.tick!()), [3]);
  });

  it('releases everything on drain, whatever the wait', () => {
    const { step } = setup({ maxRecords: 1000, maxWait: '15m' });
    step.process(recs(1, 2));
    step.process(recs(3));
    assert.equal(step.holding!(), true);
    assert.deepEqual(ns(step.drain!()), [1, 2, 3]);
    assert.equal(step.holding!(), false);
    assert.deepEqual(ns(step.drain!()), []);
  });

  it('uses 1000 records and 1s by default', () => {
    const { clock, step } = setup({});
    const many = recs(...Array.from({ length: 1001 }, (_, i) => i));
    assert.deepEqual(ns(step.process(many)), Array.from({ length: 1000 }, (_, i) => i));
    clock.advance(999);
    assert.deepEqual(ns(step.tick!()), []);
    clock.advance(1);
    assert.deepEqual(ns(step.tick!()), [1000]);
  });
});
