// Checks of the user-login preset's outputs against a brute-force computation over its input,
// shared by its end-to-end tests on the embedded log and on Kafka.
import assert from 'node:assert/strict';
import { isValidUserLogin, userLoginLine, type UserLoginRecord } from '../../src/presets/user-login/generate.ts';
import { getJson, postJson, waitFor } from './harness.ts';

const WINDOW_S = 300;
export const START = 1_737_417_600; // 2025-01-21T00:00:00Z, a window boundary

interface Metric {
  window_start: string;
  window_size: number;
  active_users: number;
  unique_ips: number;
  processing_rate: number;
  error_rate: number;
  device_distribution: Record<string, number>;
  version_distribution: Record<string, number>;
  location_distribution: Record<string, number>;
  total_messages: number;
  total_errors: number;
}

const isoStart = (seconds: number): string => new Date(seconds * 1000).toISOString().slice(0, 19);

function countBy(records: UserLoginRecord[], field: keyof UserLoginRecord): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const record of records) counts[String(record[field])] = (counts[String(record[field])] ?? 0) + 1;
  return counts;
}

/** What each window must hold, from the input alone; errors only from invalid records that have a timestamp. */
function bruteForce(records: Array<Record<string, unknown>>): Map<string, { metric: Omit<Metric, 'error_rate' | 'total_errors'>; timedErrors: number }> {
  const windows = new Map<number, { valid: UserLoginRecord[]; timedErrors: number }>();
  const windowOf = (timestamp: number) => {
    const start = Math.floor(timestamp / WINDOW_S) * WINDOW_S;
    if (!windows.has(start)) windows.set(start, { valid: [], timedErrors: 0 });
    return windows.get(start)!;
  };
  for (const record of records) {
    if (isValidUserLogin(record)) windowOf(record.timestamp as number).valid.push(record as unknown as UserLoginRecord);
    else if (typeof record.timestamp === 'number') windowOf(record.timestamp).timedErrors += 1;
  }
  const expected = new Map<string, { metric: Omit<Metric, 'error_rate' | 'total_errors'>; timedErrors: number }>();
  for (const [start, { valid, timedErrors }] of windows) {
    if (valid.length === 0) continue;
    expected.set(isoStart(start), {
      timedErrors,
      metric: {
        window_start: isoStart(start),
        window_size: valid.length,
        active_users: new Set(valid.map((r) => r.user_id)).size,
        unique_ips: new Set(valid.map((r) => r.ip)).size,
        processing_rate: Number((valid.length / WINDOW_S).toFixed(2)),
        device_distribution: countBy(valid, 'device_type'),
        version_distribution: countBy(valid, 'app_version'),
        location_distribution: countBy(valid, 'locale'),
        total_messages: valid.length,
      },
    });
  }
  return expected;
}

export async function post(server: { url: string }, records: Array<Record<string, unknown>>): Promise<void> {
  for (let i = 0; i < records.length; i += 400) {
    const body = records.slice(i, i + 400).map((record) => userLoginLine(record as unknown as UserLoginRecord)).join('\n');
    const response = await postJson(`${server.url}/api/v1/logs?stream=user-login`, body, { 'content-type': 'application/x-ndjson' });
    assert.equal(response.status, 202, JSON.stringify(response.body));
  }
}

export async function all(url: string, stream: string): Promise<Array<Record<string, unknown>>> {
  const records: Array<Record<string, unknown>> = [];
  let cursor: string | null = null;
  do {
    const { body } = await getJson(`${url}/api/v1/search?stream=${stream}&limit=1000${cursor ? `&cursor=${cursor}` : ''}`);
    records.push(...body.hits.map((hit: { record: Record<string, unknown> }) => hit.record));
    cursor = body.cursor;
  } while (cursor);
  return records;
}

export function checkMetrics(metrics: Array<Record<string, unknown>>, input: Array<Record<string, unknown>>): void {
  const expected = bruteForce(input);
  const byStart = new Map(metrics.map((metric) => [metric.window_start as string, metric as unknown as Metric]));
  assert.equal(metrics.length, byStart.size, 'one metric-event per window, none twice');
  assert.deepEqual([...byStart.keys()].sort(), [...expected.keys()].sort());
  const invalid = input.filter((record) => !isValidUserLogin(record)).length;
  let errors = 0;
  for (const [start, { metric, timedErrors }] of expected) {
    const actual = byStart.get(start)!;
    const { error_rate, total_errors, ...rest } = actual;
    assert.deepEqual(Object.fromEntries(Object.entries(rest).filter(([key]) => key !== 'timestamp')), metric, `window ${start}`);
    assert.ok(total_errors >= timedErrors, `window ${start}: ${total_errors} errors, ${timedErrors} invalid records are timed in it`);
    assert.equal(error_rate, Number(((total_errors / Math.max(1, metric.window_size)) * 100).toFixed(2)));
    assert.deepEqual(Object.keys(actual), ['timestamp', 'window_start', 'window_size', 'active_users', 'unique_ips', 'processing_rate', 'error_rate',
      'device_distribution', 'version_distribution', 'location_distribution', 'total_messages', 'total_errors']);
    errors += total_errors;
  }
  assert.equal(errors, invalid, 'every invalid record counted in exactly one window');
}

export function checkDeadLetters(letters: Array<Record<string, unknown>>, input: Array<Record<string, unknown>>): void {
  const invalid = input.filter((record) => !isValidUserLogin(record));
  assert.equal(letters.length, invalid.length);
  const key = (record: unknown) => JSON.stringify(record);
  assert.deepEqual(letters.map((letter) => key(letter.message)).sort(), invalid.map(key).sort());
  for (const letter of letters) {
    assert.equal(letter.topic_name, 'user-login');
    assert.match(String(letter.error), /^Missing required fields: \['[a-z_]+'(, '[a-z_]+')*\]$/);
    assert.match(String(letter.processed_at_utc), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?$/);
  }
}

export async function settled(url: string, input: Array<Record<string, unknown>>, streams = { metrics: 'metric-event', deadLetters: 'dead-letter-queue' }): Promise<void> {
  const invalid = input.filter((record) => !isValidUserLogin(record)).length;
  const windows = bruteForce(input).size;
  await waitFor(async () => {
    const [metrics, letters] = await Promise.all([getJson(`${url}/api/v1/search?stream=${streams.metrics}&limit=0`), getJson(`${url}/api/v1/search?stream=${streams.deadLetters}&limit=0`)]);
    return metrics.body.total >= windows && letters.body.total >= invalid ? true : undefined;
  }, 30_000, `${windows} metric-events and ${invalid} dead letters`);
}

