import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ExclusiveGate } from '../../src/stores/embedded/exclusive-gate.ts';

/** A step that records when it starts and ends, and ends when `release` is called. */
function step(log: string[], name: string) {
  let release!: () => void;
  const done = new Promise<void>((resolve) => { release = resolve; });
  return { release, run: async () => { log.push(`${name} starts`); await done; log.push(`${name} ends`); } };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

test('shared steps overlap; an exclusive one waits for them and holds back shared ones that come after it', async () => {
  const gate = new ExclusiveGate();
  const log: string[] = [];
  const [read1, read2, commit, read3] = [step(log, 'read1'), step(log, 'read2'), step(log, 'commit'), step(log, 'read3')];
  const running = [gate.together(read1.run), gate.together(read2.run), gate.alone(commit.run), gate.together(read3.run)];
  await turn();
  assert.deepEqual(log, ['read1 starts', 'read2 starts'], 'both reads run at once; the commit waits');
  read1.release();
  await turn();
  assert.deepEqual(log.slice(2), ['read1 ends'], 'the commit still waits for read2, and read3 waits behind the commit');
  read2.release();
  await turn();
  assert.deepEqual(log.slice(3), ['read2 ends', 'commit starts']);
  commit.release();
  await turn();
  assert.deepEqual(log.slice(5), ['commit ends', 'read3 starts']);
  read3.release();
  await Promise.all(running);
});

test('a failing step frees the gate', async () => {
  const gate = new ExclusiveGate();
  await assert.rejects(gate.alone(async () => { throw new Error('commit failed'); }), /commit failed/);
  await assert.rejects(gate.together(async () => { throw new Error('read failed'); }), /read failed/);
  assert.equal(await gate.alone(async () => 'next'), 'next');
});
