import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Ajv } from 'ajv';
import { routeStep, type RouteOptions } from '../../src/pipelines/steps/route/route.ts';
import type { PipelineRecord, StepContext } from '../../src/pipelines/step.ts';

const NOW = Date.UTC(2024, 4, 1, 12, 0, 0);
const context: StepContext = { now: () => NOW };
let offset = 0;
const rec = (body: Record<string, unknown>, output?: string): PipelineRecord =>
  ({ body, origin: { topic: 'logs', partition: 0, offset: offset++, ingestedAt: NOW }, ...(output ? { output } : {}) });

async function route(options: RouteOptions, records: PipelineRecord[]): Promise<Array<[unknown, string | undefined]>> {
  const step = await routeStep.create(options, context);
  const result = await step.process(records);
  assert.deepEqual(result.rejected, []);
  return result.records.map((r) => [r.body.n, r.output]);
}

const ROUTES = [
  { when: '_exists_:leaderAction', to: 'LeaderActivityLogs' },
  { when: 'level:>=error', to: 'errors' },
];

describe('route step', () => {
  test('the first matching route wins; unmatched records keep their output without a default', async () => {
    const out = await route({ routes: ROUTES }, [
      rec({ n: 1, leaderAction: 'kick', level: 'error' }),
      rec({ n: 2, level: 'fatal' }),
      rec({ n: 3, level: 'info' }, 'earlier'),
      rec({ n: 4, level: 'info' }),
    ]);
    assert.deepEqual(out, [[1, 'LeaderActivityLogs'], [2, 'errors'], [3, 'earlier'], [4, undefined]]);
  });

  test('unmatched records go to the default, or are dropped when it is null', async () => {
    const records = () => [rec({ n: 1, level: 'error' }), rec({ n: 2, level: 'info' })];
    assert.deepEqual(await route({ routes: ROUTES, default: 'rest' }, records()), [[1, 'errors'], [2, 'rest']]);
    assert.deepEqual(await route({ routes: ROUTES, default: null }, records()), [[1, 'errors']]);
  });

  test('with all, each matching route gets its own copy, in route order and batch order', async () => {
    const first = rec({ n: 1, leaderAction: 'kick', level: 'error', meta: { a: 1 } });
    const step = await routeStep.create({ routes: ROUTES, all: true }, context);
    const { records } = await step.process([first, rec({ n: 2, level: 'error' })]);
    assert.deepEqual(records.map((r) => [r.body.n, r.output]), [[1, 'LeaderActivityLogs'], [1, 'errors'], [2, 'errors']]);
    (records[1]!.body.meta as { a: number }).a = 2;
    assert.equal((records[0]!.body.meta as { a: number }).a, 1, 'copies do not share nested objects');
    assert.equal(records[1]!.origin.offset, first.origin.offset, 'every copy keeps the origin');
  });

  test('queries see the topic as stream and the event time, else the ingest time, as ts', async () => {
    const out = await route({ routes: [{ when: 'stream:logs AND ts:>=now-1m', to: 'recent' }], default: 'old' }, [
      rec({ n: 1 }),
      rec({ n: 2, timestamp: '2024-05-01T11:00:00Z' }),
      rec({ n: 3, timestamp: '2024-05-01T11:59:30Z' }),
    ]);
    assert.deepEqual(out, [[1, 'recent'], [2, 'old'], [3, 'recent']]);
  });

  test('relative times use the step clock', async () => {
    let now = NOW;
    const step = await routeStep.create({ routes: [{ when: 'ts:>now-1h', to: 'recent' }] }, { ...context, now: () => now });
    const record = rec({ n: 1, timestamp: '2024-05-01T11:30:00Z' });
    assert.equal(step.process([record]) instanceof Promise, false);
    assert.equal((await step.process([record])).records[0]!.output, 'recent');
    now += 3_600_000;
    assert.equal((await step.process([record])).records[0]!.output, undefined);
  });

  test('a query that does not parse fails at create, naming the route and the position', () => {
    assert.throws(
      () => routeStep.create({ routes: [{ when: 'level:error', to: 'a' }, { when: 'level:(error', to: 'b' }] }, context),
      (error: Error) => /routes\[1\]/.test(error.message) && /position 6/.test(error.message),
    );
    assert.throws(() => routeStep.create({ routes: [{ when: 'ingestedAt:soon', to: 'a' }] }, context), /routes\[0\].*invalid time/);
  });

  test('its options schema accepts the documented forms and names bad keys', () => {
    const validate = new Ajv({ useDefaults: true }).compile(routeStep.options);
    const options: Record<string, unknown> = { routes: [{ when: 'level:error', to: 'errors' }], default: null };
    assert.equal(validate(options), true);
    assert.equal(options.all, false, 'all defaults to false');
    assert.equal(validate({ routes: [{ when: 'x', to: 'y' }], default: 'rest', all: true }), true);
    assert.equal(validate({ routes: [] }), false);
    assert.equal(validate({ routes: [{ when: 'x' }] }), false);
    assert.equal(validate({ routes: [{ when: 'x', to: 'y' }], typo: 1 }), false);
    assert.equal(validate({ routes: [{ when: 'x', to: '' }] }), false);
  });
});
