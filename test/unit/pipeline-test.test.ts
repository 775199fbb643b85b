// The runner of pipeline test files (src/pipelines/pipeline-test.ts) on an inline pipeline:
// a passing file, a failing one with its diff, and a malformed one.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { checkTestFile, formatResults, matches, PipelineTestFileError, runPipelineTests } from '../../src/pipelines/pipeline-test.ts';

const pipelineConfig = {
  input: { topics: ['lines'] },
  steps: [
    { parse: { format: 'json' } },
    { validate: { required: ['user'] } },
    { window: { size: '1m', timeField: 'ts', idleTimeout: '30s', aggregates: [{ fn: 'count', as: 'n' }], rejected: { countAs: 'errors' } } },
  ],
  outputs: { default: { topic: 'counts' } },
};

const noResolve = (): never => { throw new Error('not by name'); };

function file(expect: Record<string, unknown[]>, advance?: string): unknown {
  return {
    pipelineConfig,
    now: '2025-01-21T00:10:00Z',
    tests: [{
      name: 'counts per minute',
      input: ['{"user":"a","ts":"2025-01-21T00:00:05Z"}', '{"ts":"2025-01-21T00:00:06Z"}', { message: '{"user":"b","ts":"2025-01-21T00:01:05Z"}' }],
      ...(advance ? { advance } : {}),
      expect,
    }],
  };
}

describe('pipeline test files', () => {
  it('passes when every output and the dead letters match, extra fields ignored', async () => {
    const { pipeline, file: tests } = checkTestFile(file({
      default: [{ window_start: '2025-01-21T00:00:00', n: 1, errors: 1 }, { window_start: '2025-01-21T00:01:00', n: 1, errors: 0 }],
      deadLetters: [{ reason: "Missing required fields: ['user']" }],
    }, '1m'), noResolve);
    const results = await runPipelineTests(pipeline, tests);
    assert.deepEqual(results.map((result) => result.passed), [true], formatResults(results));
    assert.match(formatResults(results), /^ok {2}counts per minute\n1 passed, 0 failed$/);
  });

  it('fails with the expected and the actual records and where they differ', async () => {
    const { pipeline, file: tests } = checkTestFile(file({ default: [{ n: 2 }], deadLetters: ['no such reason'] }), noResolve);
    const results = await runPipelineTests(pipeline, tests);
    assert.equal(results[0]!.passed, false);
    const text = formatResults(results);
    assert.match(text, /^FAIL counts per minute$/m);
    assert.match(text, /default\[0\]\.n: expected 2, got 1/);
    assert.match(text, /default: actual \(1\)/);
    assert.match(text, /deadLetters\[0\]\.reason: expected to contain "no such reason", got "Missing required fields: \['user'\]"/);
    assert.match(text, /0 passed, 1 failed$/);
  });

  it('names what is wrong in a malformed file', () => {
    assert.throws(() => checkTestFile({ tests: [] }, noResolve), PipelineTestFileError);
    assert.throws(() => checkTestFile(file({}, 'soon'), noResolve), /tests\.0 \(counts per minute\)\.advance: 'soon' is not a duration/);
    assert.throws(() => checkTestFile({ pipelineConfig: { ...pipelineConfig, steps: [{ nope: {} }] }, tests: [{ name: 'x', input: [], expect: {} }] }, noResolve), /pipelineConfig\.steps\.0/);
  });

  it('matches expected records as deep subsets', () => {
    assert.ok(matches({ a: { b: 1 } }, { a: { b: 1, c: 2 }, d: 3 }));
    assert.ok(!matches({ a: [1] }, { a: [1, 2] }));
    assert.ok(!matches({ a: '1' }, { a: 1 }));
  });
});
