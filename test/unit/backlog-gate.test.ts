import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BacklogGate } from '../../src/sources/backlog-gate.ts';

test('admits at once while the backlog is within the bound', async () => {
  const gate = new BacklogGate(async () => 100, { maxBacklog: 100, maxWaitMs: 0 });
  assert.deepEqual(await gate.admit(), { admitted: true });
});

test('holds a request until the backlog drains, then admits it', async () => {
  let backlog = 5000;
  const gate = new BacklogGate(async () => backlog, { maxBacklog: 1000, maxWaitMs: 5000, pollMs: 5 });
  const started = Date.now();
  setTimeout(() => { backlog = 800; }, 100);
  assert.deepEqual(await gate.admit(), { admitted: true });
  assert.ok(Date.now() - started >= 90, 'the request waited for the drain');
});

test('refuses with the backlog when it does not drain in time', async () => {
  const gate = new BacklogGate(async () => 5000, { maxBacklog: 1000, maxWaitMs: 50, pollMs: 5 });
  assert.deepEqual(await gate.admit(), { admitted: false, backlog: 5000 });
});

test('concurrent requests share one measurement', async () => {
  let measurements = 0;
  const gate = new BacklogGate(async () => { measurements++; await new Promise((resolve) => setTimeout(resolve, 10)); return 0; }, { maxBacklog: 10, maxWaitMs: 0 });
  await Promise.all(Array.from({ length: 20 }, () => gate.admit()));
  assert.equal(measurements, 1);
});

test('a bound of 0 turns the gate off, and a failed measurement does not block ingest', async () => {
  assert.deepEqual(await new BacklogGate(async () => 1e9, { maxBacklog: 0, maxWaitMs: 0 }).admit(), { admitted: true });
  assert.deepEqual(await new BacklogGate(async () => { throw new Error('log closed'); }, { maxBacklog: 10, maxWaitMs: 0 }).admit(), { admitted: true });
});
