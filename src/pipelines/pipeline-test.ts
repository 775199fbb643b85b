// A pipeline's unit tests as data (`tributary pipeline test FILE`, like `vector test`): each test
// runs its input through freshly created steps in memory, on a clock it controls, exactly as the
// runner would (rejections seen by later steps, tick() after an `advance`, drain() at the end),
// and compares what each output and the dead-letter topic got with what it expects. An expected
// record is a deep subset of the actual one; only the outputs a test names are checked.
import { Ajv } from 'ajv';
import { STEPS } from '../registry.ts';
import { parseDuration } from '../query/duration.ts';
import { createSteps, type NamedStep } from './build.ts';
import { pipelinesSchema, type PipelineConfig } from './config.ts';
import type { PipelineRecord, Rejection, StepResult } from './step.ts';

export class PipelineTestFileError extends Error {}

export interface PipelineTestCase {
  name: string;
  input: Array<Record<string, unknown> | string>;
  advance?: string;
  now?: string;
  expect: Record<string, unknown[]>;
}

export interface PipelineTestFile {
  pipeline?: string;
  pipelineConfig?: PipelineConfig;
  now?: string;
  tests: PipelineTestCase[];
}

export interface Mismatch {
  /** An output name, or deadLetters. */
  key: string;
  expected: unknown[];
  actual: unknown[];
}

export interface PipelineTestResult {
  name: string;
  passed: boolean;
  mismatches: Mismatch[];
}

interface RunOutput {
  outputs: Map<string, Array<Record<string, unknown>>>;
  deadLetters: Array<{ reason: string; step: string; record: Record<string, unknown> }>;
}

const isObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);

/** Checks a parsed file's shape; `resolve` turns `pipeline: NAME` into its config. */
export function checkTestFile(data: unknown, resolve: (name: string) => PipelineConfig): { pipeline: PipelineConfig; file: PipelineTestFile } {
  if (!isObject(data)) throw new PipelineTestFileError('the top level must be a mapping with pipeline (or pipelineConfig) and tests');
  const file = data as unknown as PipelineTestFile;
  if ((file.pipeline === undefined) === (file.pipelineConfig === undefined)) throw new PipelineTestFileError('give exactly one of pipeline (a name) or pipelineConfig (inline)');
  if (file.pipeline !== undefined && typeof file.pipeline !== 'string') throw new PipelineTestFileError('pipeline must be a pipeline\'s name');
  if (file.now !== undefined) timeOf(file.now, 'now');
  if (!Array.isArray(file.tests) || file.tests.length === 0) throw new PipelineTestFileError('tests must be a non-empty list');
  file.tests.forEach((test, index) => checkTest(test, index));
  const pipeline = file.pipeline !== undefined ? resolve(file.pipeline) : checkInline(file.pipelineConfig);
  return { pipeline, file };
}

function checkTest(test: unknown, index: number): void {
  const at = `tests.${index}`;
  if (!isObject(test)) throw new PipelineTestFileError(`${at}: must be a mapping with name, input and expect`);
  if (typeof test.name !== 'string' || test.name === '') throw new PipelineTestFileError(`${at}.name: must be a non-empty string`);
  const where = `${at} (${test.name})`;
  if (!Array.isArray(test.input) || !test.input.every((item) => typeof item === 'string' || isObject(item))) {
    throw new PipelineTestFileError(`${where}.input: must be a list of records (mappings) or text lines (strings)`);
  }
  if (test.advance !== undefined) {
    try {
      parseDuration(String(test.advance));
    } catch {
      throw new PipelineTestFileError(`${where}.advance: '${String(test.advance)}' is not a duration (e.g. 30s, 10m)`);
    }
  }
  if (test.now !== undefined) timeOf(test.now, `${where}.now`);
  if (!isObject(test.expect)) throw new PipelineTestFileError(`${where}.expect: must be a mapping of output names (and deadLetters) to lists`);
  for (const [key, list] of Object.entries(test.expect)) {
    if (!Array.isArray(list)) throw new PipelineTestFileError(`${where}.expect.${key}: must be a list`);
  }
}

function timeOf(value: unknown, key: string): number {
  const ms = typeof value === 'number' ? value : Date.parse(String(value));
  if (!Number.isFinite(ms)) throw new PipelineTestFileError(`${key}: '${String(value)}' is not a time (use ISO 8601, e.g. 2025-01-21T00:20:00Z)`);
  return ms;
}

let check: ReturnType<Ajv['compile']> | undefined;

/** An inline pipeline, checked (and given its defaults) like the config file's. */
function checkInline(config: unknown): PipelineConfig {
  check ??= new Ajv({ allErrors: true, useDefaults: true, strict: false }).compile(pipelinesSchema(STEPS));
  const wrapped = { test: structuredClone(config) };
  if (!check(wrapped)) {
    const problems = (check.errors ?? []).map((error) => `pipelineConfig${error.instancePath.replace(/^\/test/, '').replaceAll('/', '.')}: ${error.message}`);
    throw new PipelineTestFileError(`pipelineConfig is invalid:\n  ${problems.join('\n  ')}`);
  }
  return wrapped.test as PipelineConfig;
}

/** Runs one test through new steps; what each output and the dead-letter topic received. */
export async function runPipelineTest(pipeline: PipelineConfig, test: PipelineTestCase, startMs: number): Promise<RunOutput> {
  let clock = test.now !== undefined ? timeOf(test.now, 'now') : startMs;
  let steps: NamedStep[];
  try {
    steps = await createSteps('test', pipeline.steps, { now: () => clock });
  } catch (error) {
    throw new PipelineTestFileError((error as Error).message);
  }
  const result: RunOutput = { outputs: new Map(), deadLetters: [] };
  const letters = (index: number, rejected: Rejection[]) =>
    rejected.map(({ record, reason }) => ({ reason, step: steps[index]!.name, record: record.body }));
  const runFrom = async (first: number, input: PipelineRecord[], dead: RunOutput['deadLetters'] = []) => {
    let records = input;
    const written: Array<{ record: PipelineRecord; body: Record<string, unknown> }> = [];
    for (let i = first; i < steps.length && records.length > 0; i++) {
      const stepResult = await steps[i]!.step.process(records);
      if (stepResult.rejected.length > 0) {
        for (let j = i + 1; j < steps.length; j++) steps[j]!.step.rejected?.(stepResult.rejected);
        dead.push(...letters(i, stepResult.rejected));
      }
      // emitted records as they were written: their text, taken when emitted
      for (const { record, value } of stepResult.emitted ?? []) written.push({ record, body: JSON.parse(value.toString('utf8')) as Record<string, unknown> });
      records = stepResult.records;
    }
    for (const { record, body } of [...written, ...records.map((record) => ({ record, body: record.body }))]) {
      const output = record.output ?? 'default';
      if (!(output in pipeline.outputs)) {
        dead.push({ reason: `no output named '${output}' in pipeline test (outputs: ${Object.keys(pipeline.outputs).join(', ')})`, step: 'output', record: body });
        continue;
      }
      result.outputs.set(output, [...(result.outputs.get(output) ?? []), body]);
    }
    result.deadLetters.push(...dead);
  };
  const released = async (i: number, stepResult: StepResult | undefined) => {
    if (stepResult && (stepResult.records.length > 0 || stepResult.rejected.length > 0)) await runFrom(i + 1, stepResult.records, letters(i, stepResult.rejected));
  };

  for (const { step } of steps) step.assigned?.([{ topic: 'test', partition: 0 }]);
  const ingestedAt = clock;
  await runFrom(0, test.input.map((item, offset) => ({
    body: typeof item === 'string' ? { message: item } : structuredClone(item),
    origin: { topic: 'test', partition: 0, offset, ingestedAt },
  })));
  if (test.advance !== undefined) {
    clock += parseDuration(test.advance);
    for (let i = 0; i < steps.length; i++) await released(i, await steps[i]!.step.tick?.());
  }
  for (let i = 0; i < steps.length; i++) await released(i, await steps[i]!.step.drain?.());
  for (const { step } of steps) await step.close?.();
  return result;
}

/** Whether `expected` is a deep subset of `actual`: objects by the keys listed, lists element by element. */
export function matches(expected: unknown, actual: unknown): boolean {
  if (Array.isArray(expected)) {
    return Array.isArray(actual) && actual.length === expected.length && expected.every((item, i) => matches(item, actual[i]));
  }
  if (isObject(expected)) return isObject(actual) && Object.entries(expected).every(([key, value]) => key in actual && matches(value, actual[key]));
  return Object.is(expected, actual);
}

const reasonMatches = (expected: unknown, actual: { reason: string }) => {
  const want = isObject(expected) ? expected.reason : expected;
  return typeof want !== 'string' || actual.reason.includes(want);
};

function compare(test: PipelineTestCase, run: RunOutput): Mismatch[] {
  const mismatches: Mismatch[] = [];
  for (const [key, expected] of Object.entries(test.expect)) {
    if (key === 'deadLetters') {
      const actual = run.deadLetters;
      const ok = actual.length === expected.length && expected.every((want, i) => reasonMatches(want, actual[i]!)
        && (!isObject(want) || !isObject(want.record) || matches(want.record, actual[i]!.record)));
      if (!ok) mismatches.push({ key, expected, actual });
      continue;
    }
    const actual = run.outputs.get(key) ?? [];
    if (!matches(expected, actual)) mismatches.push({ key, expected, actual });
  }
  return mismatches;
}

export async function runPipelineTests(pipeline: PipelineConfig, file: PipelineTestFile, defaultNow = Date.now()): Promise<PipelineTestResult[]> {
  const start = file.now !== undefined ? timeOf(file.now, 'now') : defaultNow;
  const results: PipelineTestResult[] = [];
  for (const test of file.tests) {
    const mismatches = compare(test, await runPipelineTest(pipeline, test, start));
    results.push({ name: test.name, passed: mismatches.length === 0, mismatches });
  }
  return results;
}

function letterDifferences(expected: unknown[], actual: RunOutput['deadLetters']): string[] {
  if (expected.length !== actual.length) return [`: expected ${expected.length} dead letters, got ${actual.length}`];
  return expected.flatMap((want, i) => {
    const reason = isObject(want) ? want.reason : want;
    const found = reasonMatches(want, actual[i]!) ? [] : [`[${i}].reason: expected to contain ${JSON.stringify(reason)}, got ${JSON.stringify(actual[i]!.reason)}`];
    return isObject(want) && isObject(want.record) ? [...found, ...differences(want.record, actual[i]!.record, `[${i}].record`)] : found;
  });
}

const indent = (text: string, by: string) => text.split('\n').map((line) => by + line).join('\n');

/** Where `actual` differs from the expected subset: `[0].total_errors: expected 2, got 1`. */
export function differences(expected: unknown, actual: unknown, at = ''): string[] {
  if (Array.isArray(expected) && Array.isArray(actual)) {
    if (expected.length !== actual.length) return [`${at || '(list)'}: expected ${expected.length} records, got ${actual.length}`];
    return expected.flatMap((item, i) => differences(item, actual[i], `${at}[${i}]`));
  }
  if (isObject(expected) && isObject(actual)) {
    return Object.entries(expected).flatMap(([key, value]) => key in actual ? differences(value, actual[key], `${at}.${key}`) : [`${at}.${key}: missing`]);
  }
  return matches(expected, actual) ? [] : [`${at}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`];
}

/** `ok  name` / `FAIL name` with each mismatch's expected and actual JSON, then a summary line. */
export function formatResults(results: PipelineTestResult[]): string {
  const lines: string[] = [];
  for (const result of results) {
    lines.push(result.passed ? `ok  ${result.name}` : `FAIL ${result.name}`);
    for (const { key, expected, actual } of result.mismatches) {
      const found = key === 'deadLetters' ? letterDifferences(expected, actual as RunOutput['deadLetters']) : differences(expected, actual);
      lines.push(...found.slice(0, 10).map((difference) => `  ${key}${difference}`));
      lines.push(`  ${key}: expected (${expected.length})`, indent(JSON.stringify(expected, null, 2), '    '),
        `  ${key}: actual (${actual.length})`, indent(JSON.stringify(actual, null, 2), '    '));
    }
  }
  const failed = results.filter((result) => !result.passed).length;
  lines.push(`${results.length - failed} passed, ${failed} failed`);
  return lines.join('\n');
}
