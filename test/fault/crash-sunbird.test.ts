// Real crashes with the Sunbird pipeline running (seed 003: one pipeline, the seed's three jobs as
// stages writing their topics): batches are posted while the server is SIGKILLed mid-request,
// round after round. Every batch the log took (each acknowledged one, and an in-flight one when it
// got there) must have each event once on telemetry.raw, each invalid one once on telemetry.failed,
// each valid one once on telemetry.unique, and none may be taken for a duplicate of itself.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { telemetryBatches } from '../../src/presets/sunbird-telemetry/generate.ts';
import { tempDir, startChild, waitFor, getJson, type ChildServer } from '../e2e/harness.ts';
import { all } from '../e2e/user-login-checks.ts';

/** CI runs 3 rounds; `npm run test:faults` the campaign's 20. */
const ROUNDS = Number(process.env.CRASH_ROUNDS ?? 3);

type Event = Record<string, unknown>;

const midsOf = (records: Event[]): string[] => records.map((record) => String(record.mid)).sort();

/** Waits until the stream holds at least `count` records (an on-search stream is indexed by this first search). */
async function atLeast(url: string, stream: string, count: number): Promise<Event[]> {
  return await waitFor(async () => {
    const { body } = await getJson(`${url}/api/v1/search?stream=${stream}&limit=0`);
    return body.total >= count ? await all(url, stream) : undefined;
  }, 60_000, `${count} records on ${stream}`);
}

describe('crash while the Sunbird pipeline runs', () => {
  const dataDir = tempDir('crash-sunbird');
  let server: ChildServer | undefined;
  after(async () => {
    await server?.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('writes every stage of every batch the log took once, and takes no event for its own duplicate', async () => {
    // no repeats and no LOG events: every event's mid is its own, so any duplicate is a replay mistaken for one
    const batches = [...telemetryBatches((ROUNDS + 1) * 8, { seed: 31, batchSize: 40, repeatShare: 0, invalidShare: 0.1 })]
      .map(({ batch }) => ({ ...batch, events: batch.events.filter((event) => event.eid !== 'LOG') }));
    let next = 0;
    const acknowledged: string[] = [];
    for (let round = 0; round <= ROUNDS; round++) {
      server = await startChild(dataDir);
      const last = round === ROUNDS;
      const requests = last ? Infinity : 3 + ((round * 3) % 5);
      for (let sent = 1; sent <= requests && next < batches.length; sent++) {
        const batch = batches[next++]!;
        const request = fetch(`${server.url}/v1/telemetry`, { method: 'POST', body: JSON.stringify(batch), headers: { 'content-type': 'application/json' } })
          .then(async (response) => { await response.arrayBuffer(); return response.status; }, () => 0);
        if (sent === requests) setTimeout(() => server!.child.kill('SIGKILL'), (round * 7) % 20);
        if (await request === 200) acknowledged.push(batch.params.msgid);
      }
      if (!last) await server.kill('SIGKILL');
    }
    const url = server!.url;
    assert.ok(acknowledged.length > ROUNDS * 3, `${acknowledged.length} batches acknowledged`);

    // the truth is what the log holds: every acknowledged batch, and any in-flight one that made it
    const logged = await atLeast(url, 'telemetry.ingest', acknowledged.length);
    const loggedIds = logged.map((batch) => String((batch.params as { msgid: string }).msgid));
    assert.equal(new Set(loggedIds).size, loggedIds.length, 'no batch in the log twice');
    assert.deepEqual(acknowledged.filter((msgid) => !loggedIds.includes(msgid)), [], 'every acknowledged batch in the log');
    const events = batches.filter((batch) => loggedIds.includes(batch.params.msgid)).flatMap((batch) => batch.events);
    const invalid = events.filter((event) => (event.edata as Event).unexpected === true);
    const valid = events.filter((event) => (event.edata as Event).unexpected !== true);
    console.log(`# ${acknowledged.length} batches acknowledged, ${logged.length} in the log (${events.length} events) across ${ROUNDS} SIGKILLs`);

    assert.deepEqual(midsOf(await atLeast(url, 'telemetry.raw', events.length)), midsOf(events), 'each event once on telemetry.raw');
    const failed = (await atLeast(url, 'telemetry.failed', invalid.length)).filter((record) => (record.metadata as Event | undefined)?.src === 'PipelinePreprocessor');
    assert.deepEqual(midsOf(failed), midsOf(invalid), 'each invalid event once on telemetry.failed');
    // ERROR and CB_AUDIT go elsewhere, a SHARE adds its items: the others are on telemetry.unique once each
    const routedUnique = valid.filter((event) => event.eid !== 'ERROR' && event.eid !== 'CB_AUDIT');
    const unique = (await atLeast(url, 'telemetry.unique', routedUnique.length)).filter((record) => record.eid !== 'SHARE_ITEM');
    assert.deepEqual(midsOf(unique), midsOf(routedUnique), 'each valid event once on telemetry.unique');
    // the offsets are committed with the checkpoint, each second
    await waitFor(async () => ((await getJson(`${url}/api/v1/pipelines/sunbird-telemetry`)).body.lag === 0 ? true : undefined), 10_000, 'the pipeline\'s offsets committed');
    assert.equal((await getJson(`${url}/api/v1/search?stream=telemetry.duplicate&limit=0`)).body.total, 0, 'no event taken for a duplicate');
  });
});
