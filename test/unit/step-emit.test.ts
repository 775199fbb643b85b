// The emit step, run as the runner runs steps (src/pipelines/pipeline-test.ts): a stage's records
// are written as they were when emitted, routed ones stop there, the rest go on unrouted.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { runPipelineTest } from '../../src/pipelines/pipeline-test.ts';
import type { PipelineConfig } from '../../src/pipelines/config.ts';

const pipeline: PipelineConfig = {
  input: { topics: ['lines'] },
  steps: [
    { parse: { format: 'json' } },
    { route: { routes: [{ when: 'kind:bad', to: 'rejects' }] } },
    { emit: { output: 'parsed' } },
    { enrich: { set: { stage: 2 } } },
    { route: { routes: [{ when: 'level:error', to: 'errors' }], default: 'quiet' } },
    { emit: { output: 'errors' } },
    { enrich: { set: { escalated: true } } },
  ],
  outputs: { default: { topic: 'pages' }, rejects: { topic: 'r' }, parsed: { topic: 'p' }, errors: { topic: 'e' }, quiet: { topic: 'q' } },
};

const lines = ['{"n":1,"level":"info"}', '{"n":2,"kind":"bad"}', '{"n":3,"level":"error"}', '{"n":4,"level":"error"}'];

describe('emit', () => {
  it('writes each stage as it was: routed records stop, the rest go on with no output', async () => {
    const { outputs, deadLetters } = await runPipelineTest(pipeline, { name: 'stages', input: lines, expect: {} }, Date.parse('2025-01-21T00:00:00Z'));
    assert.deepEqual(deadLetters, []);
    assert.deepEqual(Object.fromEntries(outputs), {
      rejects: [{ n: 2, kind: 'bad' }],
      // taken at the first emit: the later enrich steps are not in them
      parsed: [{ n: 1, level: 'info' }, { n: 3, level: 'error' }, { n: 4, level: 'error' }],
      quiet: [{ n: 1, level: 'info', stage: 2 }],
      errors: [{ n: 3, level: 'error', stage: 2 }, { n: 4, level: 'error', stage: 2 }],
      default: [{ n: 3, level: 'error', stage: 2, escalated: true }, { n: 4, level: 'error', stage: 2, escalated: true }],
    });
  });

  it('sends records to outputs the pipeline does not have to the dead letters, naming each', async () => {
    const { outputs, deadLetters } = await runPipelineTest({ ...pipeline, outputs: { default: { topic: 'pages' } } }, { name: 'missing', input: [lines[0]!], expect: {} }, 0);
    assert.deepEqual([...outputs.keys()], []);
    assert.deepEqual(deadLetters.map((letter) => letter.reason.match(/no output named '(\w+)'/)?.[1]), ['parsed', 'quiet']);
  });
});
