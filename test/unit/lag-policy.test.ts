// The autoscaler's rule (seed 000: more than 50K waiting → 2 workers, more than 100K → 3):
// up at once, down only after the backlog stayed low for the whole cool-down.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { LagPolicy, wantedWorkers } from '../../src/pipelines/autoscale/lag-policy.ts';

const SEED = [50_000, 100_000];

describe('lag policy', () => {
  it('wants one worker more per threshold the backlog is over, capped by the partitions', () => {
    assert.deepEqual([0, 50_000, 50_001, 100_000, 100_001, 5_000_000].map((backlog) => wantedWorkers(backlog, SEED, 3)), [1, 1, 2, 2, 3, 3]);
    assert.equal(wantedWorkers(5_000_000, SEED, 1), 1, 'a topic of one partition keeps one worker');
    assert.equal(wantedWorkers(0, SEED, 0), 1, 'never none');
  });

  it('scales up at once, even right after a change', () => {
    const policy = new LagPolicy(SEED, 60_000);
    assert.deepEqual(policy.decide(60_000, 1, 3, 0), { at: 0, from: 1, to: 2, backlog: 60_000, reason: 'backlog 60000 is over 50000' });
    assert.equal(policy.decide(120_000, 2, 3, 1000)?.to, 3);
    assert.equal(policy.decide(900_000, 3, 3, 2000), null, 'no more than the maximum');
  });

  it('scales down only after the backlog stayed low for the cool-down, straight to what it calls for', () => {
    const policy = new LagPolicy(SEED, 60_000);
    policy.decide(120_000, 1, 3, 0);
    assert.equal(policy.decide(0, 3, 3, 10_000), null, 'low since 10 s');
    assert.equal(policy.decide(10, 3, 3, 69_999), null);
    const down = policy.decide(10, 3, 3, 70_000);
    assert.deepEqual([down?.from, down?.to], [3, 1]);
    assert.match(down!.reason, /stayed at or under 50000 for the cool-down of 60 s/);
  });

  it('does not flap: a backlog that refills within the cool-down keeps the workers', () => {
    const policy = new LagPolicy(SEED, 60_000);
    policy.decide(60_000, 1, 3, 0);
    assert.equal(policy.decide(0, 2, 3, 61_000), null, 'low from 61 s');
    assert.equal(policy.decide(70_000, 2, 3, 100_000), null, 'high again at 100 s: the clock restarts');
    assert.equal(policy.decide(0, 2, 3, 120_000), null, 'low from 120 s');
    assert.equal(policy.decide(0, 2, 3, 179_999), null);
    assert.equal(policy.decide(0, 2, 3, 180_000)?.to, 1);
  });

  it('waits a cool-down after a scale-up before scaling down', () => {
    const policy = new LagPolicy(SEED, 60_000);
    policy.decide(0, 1, 3, 0);
    policy.decide(200_000, 1, 3, 100_000);
    assert.equal(policy.decide(0, 3, 3, 100_001), null, 'drained at once');
    assert.equal(policy.decide(0, 3, 3, 160_000), null);
    assert.equal(policy.decide(0, 3, 3, 160_001)?.to, 1);
  });
});
