import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RateLimitedLogger } from '../../src/log/kafka/kafka-logger.ts';

function recording() {
  const lines: string[] = [];
  return { lines, logger: { warn: (message: string) => void lines.push(`warn ${message}`), error: (message: string) => void lines.push(`error ${message}`) } };
}

test('writes the first error of a kind, holds back the repeats within the interval, then counts them', () => {
  let now = 0;
  const { lines, logger } = recording();
  const limited = new RateLimitedLogger(logger, 30_000, () => now);
  for (let second = 0; second < 60; second++) {
    now = second * 1000;
    limited.error('fetch g', 'fetch failed', new Error('broker down'));
  }
  assert.deepEqual(lines, ['error fetch failed', 'error fetch failed (29 more like it since the last report, 30 s ago)']);
});

test('limits each kind on its own', () => {
  const { lines, logger } = recording();
  const limited = new RateLimitedLogger(logger, 30_000, () => 0);
  limited.error('fetch g', 'fetch failed');
  limited.error('commit g', 'commit failed');
  limited.warn('missing g', 'waiting for topic t');
  limited.error('fetch g', 'fetch failed');
  assert.deepEqual(lines, ['error fetch failed', 'error commit failed', 'warn waiting for topic t']);
});
