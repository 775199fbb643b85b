// The dedup step: a key seen within the TTL (processing time) drops the record, within a batch
// too; keys are bounded by maxKeys, oldest first; state survives a restart through the snapshot the runner checkpoints.
import { after, describe, it } from 'node:test';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import assert from 'node:assert/strict';
import { Ajv } from 'ajv';
import { dedupStep, type DedupOptions, type DedupStep } from '../../src/pipelines/steps/dedup/dedup.ts';
import type { PipelineRecord } from '../../src/pipelines/step.ts';

const MINUTE = 60_000;

class Clock {
  ms = 1_700_000_000_000;
  now = (): number => this.ms;
  advance(ms: number): void {
    this.ms += ms;
  }
}

/**
 * Steps share one checkpoint, as the runner keeps it: checkpoint() saves a step's snapshot through
 * JSON, create() restores it. With a state directory the keys are in a journal there, else in the snapshot.
 */
function setup(stateDir?: string): { clock: Clock; checkpoint: (step: DedupStep) => Promise<void>; damage: (state: unknown) => void; create: (options: DedupOptions) => Promise<DedupStep> } {
  const clock = new Clock();
  let saved: string | undefined;
  return {
    clock,
    checkpoint: async (step) => { saved = JSON.stringify(await step.snapshot()); },
    damage: (state) => { saved = JSON.stringify(state); },
    create: (options) => dedupStep.create(options, { now: clock.now, restored: saved === undefined ? undefined : JSON.parse(saved), stateDir }),
  };
}

let offset = 0;
const rec = (body: Record<string, unknown>): PipelineRecord => ({ body, origin: { topic: 'in', partition: 0, offset: offset++, ingestedAt: 0 } });

async function mids(step: DedupStep, ...values: unknown[]): Promise<unknown[]> {
  const result = await step.process(values.map((mid) => rec({ mid })));
  assert.equal(result.rejected.length, 0);
  return result.records.map((r) => r.body.mid);
}

describe('dedup step', () => {
  it('drops a key seen within the TTL, counting it, and passes it again once the TTL has passed', async () => {
    const { clock, create, checkpoint } = setup();
    const step = await create({ key: 'mid', ttl: '10m' });
    assert.deepEqual(await mids(step, 'a', 'b'), ['a', 'b']);
    clock.advance(10 * MINUTE - 1);
    assert.deepEqual(await mids(step, 'a', 'c'), ['c']);
    assert.equal(step.duplicates, 1);
    clock.advance(1); // exactly 10 minutes after a was first seen
    assert.deepEqual(await mids(step, 'a', 'c'), ['a']);
    assert.equal(step.duplicates, 2);
  });

  it('does not extend the TTL when a duplicate arrives (first sight counts)', async () => {
    const { clock, create, checkpoint } = setup();
    const step = await create({ key: 'mid', ttl: '10m' });
    await mids(step, 'a');
    clock.advance(9 * MINUTE);
    assert.deepEqual(await mids(step, 'a'), []);
    clock.advance(1 * MINUTE);
    assert.deepEqual(await mids(step, 'a'), ['a']);
  });

  it('catches duplicates within one batch, keeping the first and the batch order', async () => {
    const { create, checkpoint } = setup();
    const step = await create({ key: 'mid', ttl: '1h' });
    assert.deepEqual(await mids(step, 'x', 'y', 'x', 'z', 'y', 'x'), ['x', 'y', 'z']);
    assert.equal(step.duplicates, 3);
  });

  it('keys on several dotted paths together, telling values of different types apart', async () => {
    const { create, checkpoint } = setup();
    const step = await create({ key: ['context.did', 'mid'], ttl: '1h' });
    const bodies = [
      { context: { did: 'd1' }, mid: 'm1' },
      { context: { did: 'd2' }, mid: 'm1' },
      { context: { did: 'd1' }, mid: 'm1' },
      { context: { did: 'd1' }, mid: 1 },
      { context: { did: 'd1' }, mid: '1' },
    ];
    const result = await step.process(bodies.map(rec));
    assert.deepEqual(result.records.map((r) => r.body), [bodies[0], bodies[1], bodies[3], bodies[4]]);
    assert.equal(step.duplicates, 1);
  });

  it('passes records without the key by default, or rejects them with the reason', async () => {
    const { create, checkpoint } = setup();
    const bodies = [{ other: 1 }, { mid: null }, { mid: 'a' }];
    const passing = await create({ key: 'mid', ttl: '1h' });
    const passed = await passing.process(bodies.map(rec));
    assert.equal(passed.records.length, 3);
    const rejecting = await create({ key: ['mid', 'context.did'], ttl: '1h', missing: 'reject' });
    const result = await rejecting.process([...bodies, { mid: 'a', context: { did: 'd' } }].map(rec));
    assert.deepEqual(result.records.map((r) => r.body), [{ mid: 'a', context: { did: 'd' } }]);
    assert.deepEqual(result.rejected.map((r) => r.reason), ['dedup: no mid to deduplicate by', 'dedup: no mid to deduplicate by', 'dedup: no context.did to deduplicate by']);
    assert.equal(result.rejected[0]!.record.body, bodies[0]);
  });

  it('keeps at most maxKeys, evicting the oldest first', async () => {
    const { clock, create, checkpoint } = setup();
    const step = await create({ key: 'mid', ttl: '1h', maxKeys: 3 });
    for (const mid of ['a', 'b', 'c', 'd']) {
      await mids(step, mid);
      clock.advance(1000);
    }
    assert.equal(step.keys, 3);
    // a was evicted so it passes (and evicts b); c and d are still held.
    assert.deepEqual(await mids(step, 'a', 'c', 'd'), ['a']);
    assert.deepEqual(await mids(step, 'b'), ['b']);
    assert.equal(step.keys, 3);
  });

  it('lets expired keys go from memory', async () => {
    const { clock, create, checkpoint } = setup();
    const step = await create({ key: 'mid', ttl: '1m' });
    await mids(step, 'a', 'b', 'c');
    clock.advance(30_000);
    await mids(step, 'd');
    clock.advance(30_000);
    await mids(step, 'e');
    assert.equal(step.keys, 2, 'a, b, c expired; d and e held');
  });
});

for (const where of ['in the checkpoint', 'in a key journal'] as const) describe(`dedup step: state across a restart, ${where}`, () => {
  const dirs: string[] = [];
  const newSetup = () => setup(where === 'in a key journal' ? (dirs.push(mkdtempSync(path.join(tmpdir(), 'dedup-'))), dirs.at(-1)) : undefined);
  after(() => { for (const dir of dirs) rmSync(dir, { recursive: true, force: true }); });

  it('remembers keys after a checkpoint and a new step restored from it', async () => {
    const { clock, create, checkpoint } = newSetup();
    const first = await create({ key: 'mid', ttl: '10m' });
    await mids(first, 'a');
    clock.advance(5 * MINUTE);
    await mids(first, 'b');
    await checkpoint(first);

    clock.advance(4 * MINUTE);
    const second = await create({ key: 'mid', ttl: '10m' });
    assert.equal(second.keys, 2);
    assert.deepEqual(await mids(second, 'a', 'b', 'c'), ['c']);
    // Times survive too: a expires 10 minutes after it was first seen, before the restart.
    clock.advance(1 * MINUTE);
    assert.deepEqual(await mids(second, 'a', 'b'), ['a']);
  });

  it('drops keys that expired while stopped', async () => {
    const { clock, create, checkpoint } = newSetup();
    const first = await create({ key: 'mid', ttl: '10m' });
    await mids(first, 'old');
    clock.advance(6 * MINUTE);
    await mids(first, 'new');
    await checkpoint(first);
    clock.advance(5 * MINUTE);
    const second = await create({ key: 'mid', ttl: '10m' });
    assert.equal(second.keys, 1);
    assert.deepEqual(await mids(second, 'old', 'new'), ['old']);
  });

  it('loses what was not checkpointed (the runner replays it from the uncommitted offsets)', async () => {
    const { create, checkpoint } = newSetup();
    const first = await create({ key: 'mid', ttl: '10m' });
    await mids(first, 'a');
    await checkpoint(first);
    await mids(first, 'b');
    const second = await create({ key: 'mid', ttl: '10m' });
    assert.deepEqual(await mids(second, 'a', 'b'), ['b']);
  });

  it('keeps only the newest maxKeys when restarted with a smaller maxKeys', async () => {
    const { clock, create, checkpoint } = newSetup();
    const first = await create({ key: 'mid', ttl: '1h' });
    for (const mid of ['a', 'b', 'c']) {
      await mids(first, mid);
      clock.advance(1000);
    }
    await checkpoint(first);
    const second = await create({ key: 'mid', ttl: '1h', maxKeys: 2 });
    assert.equal(second.keys, 2);
    assert.deepEqual(await mids(second, 'b', 'c', 'a'), ['a']);
  });

  it('starts empty when the key expression changed', async () => {
    const { create, checkpoint } = newSetup();
    const first = await create({ key: 'mid', ttl: '1h' });
    await mids(first, 'a');
    await checkpoint(first);
    const second = await create({ key: ['mid', 'eid'], ttl: '1h' });
    assert.equal(second.keys, 0);
  });

  it('refuses a damaged checkpointed state, saying what to do', async () => {
    const { create, damage } = newSetup();
    damage({ key: ['mid'] });
    await assert.rejects(async () => create({ key: 'mid', ttl: '1h' }), /delete the pipeline's checkpoint/);
  });
});

describe('dedup step: the key journal', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'dedup-journal-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('writes only the keys new since the last checkpoint, and cuts what a crash left past it', async () => {
    const stateDir = path.join(dir, 'append');
    const { create, checkpoint } = setup(stateDir);
    const first = await create({ key: 'mid', ttl: '1h' });
    await mids(first, 'a', 'b');
    await checkpoint(first);
    const journal = path.join(stateDir, readdirSync(stateDir)[0]!);
    const size = statSync(journal).size;
    await mids(first, 'c');
    await checkpoint(first);
    assert.ok(statSync(journal).size < 2 * size, 'c alone appended');
    // written after the checkpoint the restart resumes from, then the process died
    await mids(first, 'd');
    await first.snapshot();
    const second = await create({ key: 'mid', ttl: '1h' });
    assert.deepEqual(await mids(second, 'a', 'b', 'c', 'd'), ['d']);
  });

  it('takes the keys of a checkpoint written before the journal into it', async () => {
    const { create, checkpoint } = setup();
    const first = await create({ key: 'mid', ttl: '1h' });
    await mids(first, 'a', 'b');
    await checkpoint(first);
    // the same checkpoint, read by a step with a state directory: its keys move into the journal
    const stateDir = path.join(dir, 'upgrade');
    const upgraded = await dedupStep.create({ key: 'mid', ttl: '1h' }, { now: () => 1_700_000_000_000, restored: JSON.parse(JSON.stringify(await first.snapshot())), stateDir });
    const mark = await upgraded.snapshot();
    assert.ok(mark.journal, 'the state is now a journal');
    const again = await dedupStep.create({ key: 'mid', ttl: '1h' }, { now: () => 1_700_000_000_000, restored: JSON.parse(JSON.stringify(mark)), stateDir });
    assert.deepEqual(await mids(again, 'a', 'b', 'c'), ['c']);
  });

  it('starts a new journal with the live keys once it holds mostly expired ones', async () => {
    const stateDir = path.join(dir, 'rewrite');
    const { clock, create, checkpoint } = setup(stateDir);
    const first = await create({ key: 'mid', ttl: '1m' });
    await mids(first, ...Array.from({ length: 12_000 }, (_, i) => `old-${i}`));
    await checkpoint(first);
    const before = statSync(path.join(stateDir, readdirSync(stateDir)[0]!)).size;
    clock.advance(2 * MINUTE);
    await mids(first, 'live');
    await checkpoint(first);
    const files = readdirSync(stateDir);
    assert.equal(files.length, 2, 'the old journal stays until a checkpoint no longer names it');
    await checkpoint(first);
    const [only] = readdirSync(stateDir);
    assert.ok(statSync(path.join(stateDir, only!)).size < before / 1000, 'the live key alone');
    const second = await create({ key: 'mid', ttl: '1m' });
    assert.equal(second.keys, 1);
    assert.deepEqual(await mids(second, 'live', 'old-1'), ['old-1']);
  });
});

describe('dedup step: options', () => {
  it('refuses a bad TTL or key at create()', async () => {
    const { create, checkpoint } = setup();
    await assert.rejects(async () => create({ key: 'mid', ttl: 'ten minutes' }), /invalid duration "ten minutes"/);
    await assert.rejects(async () => create({ key: 'mid', ttl: '0s' }), /must be greater than zero/);
    await assert.rejects(async () => create({ key: 'a..b', ttl: '1m' }), /dedup: key 'a..b' is not a field path/);
    await assert.rejects(async () => create({ key: 'mid', ttl: '1m', maxKeys: 0 }), /maxKeys must be a positive integer/);
  });

  it('publishes an options schema with its defaults', () => {
    const check = new Ajv({ allErrors: true, useDefaults: true, strict: false }).compile(dedupStep.options);
    const options: Record<string, unknown> = { key: 'mid', ttl: '10m' };
    assert.ok(check(options));
    assert.deepEqual(options, { key: 'mid', ttl: '10m', maxKeys: 1_000_000, missing: 'pass' });
    assert.ok(check({ key: ['a', 'b.c'], ttl: '1h30m', maxKeys: 5, missing: 'reject' }));
    for (const bad of [{ key: 'mid' }, { ttl: '1m' }, { key: [], ttl: '1m' }, { key: 'mid', ttl: '10 minutes' }, { key: 'mid', ttl: '1m', maxKeys: 0 }, { key: 'mid', ttl: '1m', missing: 'drop' }, { key: 'mid', ttl: '1m', window: 1 }]) {
      assert.equal(check(bad), false, JSON.stringify(bad));
    }
  });

  it('sends duplicates to an output of their own, marked, deduplicates only what `when` matches, and can take a missing key as a duplicate', async () => {
    const { create } = setup();
    const step = await create({ key: 'mid', ttl: '1h', when: 'NOT eid:LOG', missing: 'duplicate', duplicatesTo: 'duplicate', mark: 'flags.pp_duplicate' });
    const input = [
      rec({ eid: 'START', mid: 'a', flags: { ex_processed: true } }),
      rec({ eid: 'START', mid: 'a', flags: { ex_processed: true } }),
      rec({ eid: 'LOG', mid: 'l' }),
      rec({ eid: 'LOG', mid: 'l' }),
      rec({ eid: 'END' }),
    ];
    const result = await step.process(input);
    assert.deepEqual(result.records.map((r) => [r.body.eid, r.output ?? 'default', (r.body.flags as { pp_duplicate?: boolean } | undefined)?.pp_duplicate ?? false]), [
      ['START', 'default', false], ['START', 'duplicate', true], ['LOG', 'default', false], ['LOG', 'default', false], ['END', 'duplicate', true],
    ]);
    assert.equal(step.duplicates, 2);
    assert.deepEqual(input[1]!.body.flags, { ex_processed: true }, 'the input record is left as it was');
    await assert.rejects(Promise.resolve().then(() => create({ key: 'mid', ttl: '1h', mark: 'flags.dup' })), /mark needs duplicatesTo/);
  });
});
