// Preset sunbird-telemetry (seed 003) end to end: Sunbird batches posted to /v1/telemetry are
// answered in Sunbird's format, extracted (batches deduplicated on params.msgid), validated
// against the telemetry v3 schema of each eid, corrected, deduplicated on mid and routed by eid.
// Every event's streams are checked against a brute-force model of PIPELINE_NOTES.md's routes,
// with validity from an Ajv of the test's own over the same schema files. Two processes sharing a
// Redis deduplicate together.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import { childServerForSuite, getJson, postJson, tributary, waitFor, type ChildServer } from './harness.ts';
import { telemetryBatches } from '../../src/presets/sunbird-telemetry/generate.ts';
import { REDIS_URL, skipWithoutRedis } from '../support/redis.ts';

const FIXTURES = fileURLToPath(new URL('../fixtures/sunbird/', import.meta.url));
const SCHEMAS = fileURLToPath(new URL('../../src/presets/sunbird-telemetry/schemas/', import.meta.url));
const STREAMS = ['telemetry.raw', 'druid.events.log', 'telemetry.failed', 'telemetry.duplicate', 'telemetry.error', 'telemetry.unique',
  'telemetry.unique.primary', 'telemetry.unique.secondary', 'telemetry.audit', 'telemetry.cb.audit', 'telemetry.extractor.duplicate'];

type Event = Record<string, any>;
const fixtures = (file: string): Array<Record<string, any>> => readFileSync(path.join(FIXTURES, file), 'utf8').trim().split('\n').map((line) => JSON.parse(line));

/** Validity as the preprocessor should judge it: the schema file of the eid, when there is one. */
async function validator(): Promise<(event: Event) => boolean> {
  const checks = new Map<string, (data: unknown) => boolean>();
  const eids = ['ASSESS', 'AUDIT', 'CB_AUDIT', 'END', 'ERROR', 'EXDATA', 'FEEDBACK', 'HEARTBEAT', 'IMPRESSION', 'INTERACT', 'INTERRUPT', 'LOG', 'METRICS', 'RESPONSE', 'SEARCH', 'SHARE', 'START', 'SUMMARY'];
  const load = (file: string) => JSON.parse(readFileSync(path.join(SCHEMAS, file), 'utf8'));
  for (const eid of eids) {
    const ajv = new Ajv({ strict: false, logger: false, loadSchema: async (uri) => load(uri.replace('resource:/schemas/telemetry/3.0/', '')) });
    ajv.removeKeyword('id');
    checks.set(eid, await ajv.compileAsync(load(`${eid.toLowerCase()}.json`)));
  }
  return (event) => checks.get(String(event.eid))?.(event) ?? false;
}

/** The streams an event of a batch should land on, by PIPELINE_NOTES.md; `seen` holds the mids deduplicated so far. */
function expectedStreams(event: Event, valid: boolean, seen: Set<string>): Array<[string, string]> {
  // as the stats API names a missing eid
  const eid = String(event.eid ?? null);
  if (eid === 'LOG') return [['druid.events.log', 'LOG']];
  if (!valid) return [['telemetry.failed', eid]];
  if (typeof event.mid !== 'string' || seen.has(event.mid)) return [['telemetry.duplicate', eid]];
  seen.add(event.mid);
  if (eid === 'ERROR') return [['telemetry.error', eid]];
  const lane: [string, string] = [['INTERACT', 'IMPRESSION'].includes(eid) ? 'telemetry.unique.secondary' : 'telemetry.unique.primary', eid];
  if (eid === 'AUDIT') return [lane, ['telemetry.audit', eid], ['telemetry.unique', eid]];
  if (eid === 'CB_AUDIT') return [lane, ['telemetry.cb.audit', eid]];
  if (eid === 'SHARE') {
    const items = (event.edata.items as Event[]).flatMap((item) => (Array.isArray(item.params) && item.params.length > 0 ? item.params : [undefined]));
    return [lane, ['telemetry.unique', eid], ...items.flatMap((): Array<[string, string]> => [['telemetry.unique', 'SHARE_ITEM'], ['telemetry.unique.secondary', 'SHARE_ITEM']])];
  }
  return [lane, ['telemetry.unique', eid]];
}

async function streamCounts(url: string): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const stream of STREAMS) {
    const { body } = await getJson(`${url}/api/v1/stats?stream=${stream}&by=eid&agg=count&limit=100`);
    for (const group of body.groups ?? []) counts.set(`${stream} ${group.key.eid}`, group.values.count);
  }
  return counts;
}

const sorted = (counts: Map<string, number>) => [...counts.entries()].sort(([a], [b]) => a.localeCompare(b));

describe('preset sunbird-telemetry', () => {
  const suite = childServerForSuite('sunbird');
  let server: ChildServer;
  let valid: (event: Event) => boolean;

  before(async () => {
    server = suite.server();
    valid = await validator();
  });

  /** Posts the batches and checks every stream's count per eid against the model (seen mids and batches persist across tests, as the server's dedup state does). */
  const seenMids = new Set<string>();
  const seenBatches = new Set<string>();
  async function expectRoutes(batches: Array<{ params: { msgid: string }; events: unknown[] }>): Promise<void> {
    const before = await streamCounts(server.url);
    const expected = new Map<string, number>();
    const add = (key: string, n = 1) => expected.set(key, (expected.get(key) ?? 0) + n);
    for (const batch of batches) {
      assert.equal((await postJson(`${server.url}/v1/telemetry`, JSON.stringify(batch))).status, 200);
      if (seenBatches.has(batch.params.msgid)) {
        add('telemetry.extractor.duplicate null');
        continue;
      }
      seenBatches.add(batch.params.msgid);
      add('druid.events.log LOG'); // the batch's audit event
      for (const event of batch.events as Event[]) {
        if (event.eid !== 'LOG') add(`telemetry.raw ${event.eid ?? null}`);
        for (const [stream, eid] of expectedStreams(event, valid(event), seenMids)) add(`${stream} ${eid}`);
      }
    }
    const want = sorted(new Map([...new Set([...before.keys(), ...expected.keys()])].map((key) => [key, (expected.get(key) ?? 0) + (before.get(key) ?? 0)])));
    const total = want.reduce((sum, [, n]) => sum + n, 0);
    const got = await waitFor(async () => {
      const counts = await streamCounts(server.url);
      return [...counts.values()].reduce((sum, n) => sum + n, 0) >= total ? counts : undefined;
    }, 60_000, `${total} events routed`);
    assert.deepEqual(sorted(got), want);
  }

  it('answers in Sunbird\'s format, and refuses a bad envelope with a 400 naming the problem', async () => {
    const batch = fixtures('telemetry-extractor.batches.jsonl').find((f) => f.fixture === 'EMPTY_BATCH_EVENTS')!.event;
    const ok = await postJson(`${server.url}/v1/telemetry`, JSON.stringify(batch));
    assert.equal(ok.status, 200);
    assert.equal(ok.body.responseCode, 'SUCCESS');
    assert.equal(ok.body.params.status, 'successful');
    assert.match(ok.body.params.resmsgid, /^[0-9a-f-]{36}$/);
    // the batch's audit event, counting its 0 events, is searchable before the next test counts streams
    await waitFor(async () => ((await getJson(`${server.url}/api/v1/search?stream=druid.events.log&q=${encodeURIComponent('edata.type:telemetry_audit')}&limit=0`)).body.total === 1 ? true : undefined), 15_000, 'the audit event');
    const invalidJson = fixtures('telemetry-extractor.batches.jsonl').find((f) => f.fixture === 'INVALID_BATCH_EVENT')!;
    for (const [body, problem] of [[invalidJson.raw_invalid_json, /not valid JSON/], [JSON.stringify({ id: 'api.sunbird.telemetry', params: { msgid: 'm-1' } }), /no events array/], ['[{"eid":"LOG"},{"eid":"LOG"}]', /one batch object/]] as const) {
      const bad = await postJson(`${server.url}/api/data/v1/telemetry`, body);
      assert.equal(bad.status, 400, String(body).slice(0, 40));
      assert.equal(bad.body.responseCode, 'CLIENT_ERROR');
      assert.equal(bad.body.params.status, 'failed');
      assert.match(bad.body.params.errmsg, problem);
    }
  });

  it('routes every event of the reference fixtures as the original pipeline does; a re-sent batch and a re-sent event are duplicates', async () => {
    const events = fixtures('pipeline-preprocessor.events.jsonl').map((f) => f.event as Event);
    const extractorBatch = fixtures('telemetry-extractor.batches.jsonl').find((f) => f.fixture === 'EVENT_WITH_MESSAGE_ID')!.event;
    const batches = [
      { id: 'api.sunbird.telemetry', ver: '3.0', params: { msgid: 'fixtures-1' }, events },
      extractorBatch,
      extractorBatch, // the same msgid again: the whole batch is a duplicate
      { id: 'api.sunbird.telemetry', ver: '3.0', params: { msgid: 'fixtures-2' }, events: events.slice(0, 3) }, // events sent again
    ];
    await expectRoutes(batches);
  });

  it('routes thousands of generated v3 events the same way: valid, invalid and re-sent ones', async () => {
    const generated = [...telemetryBatches(60, { seed: 7, batchSize: 50, invalidShare: 0.05, repeatShare: 0.05 })];
    const events = generated.flatMap(({ batch, kinds }) => batch.events.map((event, i) => ({ event, kind: kinds[i]! })));
    for (const { event, kind } of events) assert.equal(valid(event), kind !== 'invalid', `the generator's ${kind} ${String(event.eid)} is ${valid(event) ? 'valid' : 'invalid'}`);
    assert.ok(events.filter(({ kind }) => kind === 'repeat').length > 50 && events.filter(({ kind }) => kind === 'invalid').length > 50);
    await expectRoutes(generated.map(({ batch }) => batch));
  });

  it('stamps, corrects and explains: syncts, hub, SHARE items, the duplicate and failure flags', async () => {
    const search = async (stream: string, q: string) => (await getJson(`${server.url}/api/v1/search?stream=${stream}&q=${encodeURIComponent(q)}&limit=500`)).body.hits.map((hit: { record: Event }) => hit.record);
    const [interact] = await search('telemetry.unique.secondary', 'eid:INTERACT');
    assert.equal(typeof interact.syncts, 'number');
    assert.equal(interact['@timestamp'], new Date(interact.syncts).toISOString());
    assert.equal(interact.flags.ex_processed, true);
    assert.equal(interact.flags.pp_validation_processed, true);
    assert.equal(interact.type, 'events');
    assert.equal(typeof interact.context.hub, 'string');
    const duplicate = (await search('telemetry.duplicate', '_exists_:mid'))[0];
    assert.equal(duplicate.flags.pp_duplicate, true);
    const batchDuplicate = (await search('telemetry.extractor.duplicate', '*'))[0];
    assert.equal(batchDuplicate.flags.extractor_duplicate, true);
    const failed = await search('telemetry.failed', 'eid:NO_EID');
    assert.ok(failed.length > 0);
    for (const event of failed) {
      assert.equal(event.flags.pp_validation_processed, false);
      assert.match(event.metadata.validation_error, /^Schema not found: eid looks incorrect/);
      assert.equal(event.metadata.src, 'PipelinePreprocessor');
    }
    const share = fixtures('pipeline-preprocessor.events.jsonl').map((f) => f.event as Event).find((event) => event.eid === 'SHARE')!;
    const items = await search('telemetry.unique', `eid:SHARE_ITEM AND object.rollup.l1:${share.object.id}`);
    assert.equal(items.length, 3);
    assert.deepEqual(items.map((item: Event) => item.edata.type).sort(), ['download', 'download', 'import'], 'transfers 0 (or no params) download, else import');
    assert.ok(items.every((item: Event) => item.mid.startsWith(`${share.mid}-`)));
    const audits = await search('druid.events.log', 'edata.type:telemetry_audit');
    assert.ok(audits.some((audit: Event) => audit.edata.params[0].events_count === 17));
  });

  it('denormalizes unique events with reference data pushed through the API; drops old ones, counted', async () => {
    const put = async (table: string, rows: unknown[]) => {
      const response = await fetch(`${server.url}/api/v1/sunbird/reference/${table}`, { method: 'PUT', body: rows.map((row) => JSON.stringify(row)).join('\n') });
      return { status: response.status, body: await response.json() as Record<string, any> };
    };
    assert.deepEqual((await put('device', [{ id: 'dev-1', devicespec: { os: 'Android 10' }, state: 'Karnataka' }])).body, { table: 'device', written: 1, rows: 1 });
    assert.equal((await put('user', [{ id: 'user-1', usersignintype: 'Self-Signed-In', userlogintype: 'Student' }])).status, 200);
    assert.equal((await put('content', [{ id: 'do_1', name: 'Fractions', contentType: 'Resource' }, { id: 'do_col', name: 'Maths', contentType: 'Course' }])).status, 200);
    assert.equal((await put('dialcode', [{ id: 'QR1234', batchcode: 'b1' }])).status, 200);
    assert.equal((await put('planets', [{ id: 1 }])).status, 404);
    assert.match((await put('device', [{ name: 'no id' }])).body.error.message, /row 1 has no id/);
    assert.equal((await getJson(`${server.url}/api/v1/sunbird/reference/content/do_col`)).body.name, 'Maths');

    const now = Date.now();
    const base = (mid: string, extra: Event) => ({ eid: 'START', ets: now, ver: '3.0', mid, actor: { id: 'user-1', type: 'User' }, context: { channel: 'c', env: 'learn', pdata: { id: 'p' }, did: 'dev-1' }, edata: { type: 'app' }, ...extra });
    const events = [
      base('denorm-1', { object: { id: 'do_1', type: 'Content', rollup: { l1: 'do_col' } } }),
      base('denorm-2', { actor: { id: 'user-9', type: 'User' }, context: { channel: 'c', env: 'learn', pdata: { id: 'p' }, did: 'dev-unknown' }, object: { id: 'qr1234', type: 'DialCode' } }),
      base('denorm-old', { ets: now - 200 * 86_400_000 }),
      base('denorm-future', { ets: now + 3 * 86_400_000 }),
    ];
    const describedBefore = JSON.parse((await (await fetch(`${server.url}/api/v1/pipelines`)).text())).pipelines.find((p: { name: string }) => p.name === 'sunbird-telemetry');
    assert.equal((await postJson(`${server.url}/v1/telemetry`, JSON.stringify({ id: 'api.sunbird.telemetry', ver: '3.0', params: { msgid: 'denorm-batch' }, events }))).status, 200);
    const denorm = await waitFor(async () => {
      const { body } = await getJson(`${server.url}/api/v1/search?stream=telemetry.denorm&q=${encodeURIComponent('mid:denorm-*')}&limit=10`);
      return body.total === 3 ? body.hits.map((hit: { record: Event }) => hit.record) as Event[] : undefined;
    }, 30_000, 'three denormalized events');
    const byMid = new Map(denorm.map((event) => [event.mid, event]));
    const first = byMid.get('denorm-1')!;
    assert.deepEqual(first.devicedata, { id: 'dev-1', devicespec: { os: 'Android 10' }, state: 'Karnataka' });
    assert.equal(first.userdata.userlogintype, 'Student');
    assert.equal(first.contentdata.name, 'Fractions');
    assert.equal(first.collectiondata.name, 'Maths');
    assert.deepEqual([first.flags.device_denorm, first.flags.user_denorm, first.flags.content_denorm, first.flags.coll_denorm], [true, true, true, true]);
    const second = byMid.get('denorm-2')!;
    assert.deepEqual([second.flags.device_denorm, second.flags.user_denorm, second.flags.dialcode_denorm], [false, false, true]);
    assert.deepEqual(second.userdata, { usersignintype: 'Anonymous', userlogintype: 'NA' }, 'an unknown user gets the defaults');
    assert.equal(second.dialcodedata.batchcode, 'b1');
    const future = byMid.get('denorm-future')!;
    assert.ok(future.ets < now + 86_400_000 && new Date(future.ets).toISOString().endsWith('T23:59:59.999Z'), 'a future ets is clamped to the end of today');
    assert.equal(byMid.has('denorm-old'), false);
    // the seed's summaries: events per eid (or channel, pdata.id, actor.type) per day, through the stats API
    const summary = (await getJson(`${server.url}/api/v1/stats?stream=telemetry.denorm&q=${encodeURIComponent('mid:denorm-*')}&by=eid,actor.type&agg=count&interval=1d`)).body;
    const today = new Date(Math.floor(now / 86_400_000) * 86_400_000).toISOString();
    // all three stamped with today's sync time (@timestamp), the record's time
    assert.deepEqual(summary.groups.map((group: { key: Record<string, string>; values: { count: number } }) => [group.key._time, group.key.eid, group.key['actor.type'], group.values.count]),
      [[today, 'START', 'User', 3]]);
    const describedAfter = JSON.parse((await (await fetch(`${server.url}/api/v1/pipelines`)).text())).pipelines.find((p: { name: string }) => p.name === 'sunbird-telemetry');
    assert.ok(describedAfter.dropped >= describedBefore.dropped + 1, `dropped ${describedBefore.dropped} → ${describedAfter.dropped}`);
  });

  it('replays the preprocessor\'s dead letters as the events they were, each letter once', async () => {
    const letters = async () => {
      const { body } = await getJson(`${server.url}/api/v1/search?stream=telemetry.failed&q=${encodeURIComponent('metadata.src:PipelinePreprocessor')}&limit=5000`);
      return (body.hits as Array<{ record: Event }>).map((hit) => JSON.stringify(hit.record)).sort();
    };
    const before = await letters();
    assert.ok(before.length > 50, `${before.length} letters from the tests before`);
    const replay = await tributary(['dlq', 'replay', 'sunbird-telemetry', '--url', server.url, '--json']);
    assert.equal(replay.code, 0, replay.stderr);
    assert.equal(JSON.parse(replay.stdout).replayed, before.length);
    // still invalid, each fails again into the same letter: the event came back exactly as it was
    const after = await waitFor(async () => {
      const now = await letters();
      return now.length >= before.length * 2 ? now : undefined;
    }, 30_000, 'the replayed events to fail again');
    assert.deepEqual(after, before.flatMap((letter) => [letter, letter]));
    // the next replay takes only the letters that arrived since: the ones the replayed events made
    assert.equal(JSON.parse((await tributary(['dlq', 'replay', 'sunbird-telemetry', '--url', server.url, '--json'])).stdout).replayed, before.length, 'each letter once');
  });
});

describe('preset sunbird-telemetry, two processes sharing dedup keys and reference tables through one Redis', { skip: await skipWithoutRedis() }, () => {
  const first = childServerForSuite('sunbird-redis-a', ['--redis', REDIS_URL]);
  const second = childServerForSuite('sunbird-redis-b', ['--redis', REDIS_URL]);
  // keys live an hour in Redis: this run's ids are its own
  const run = `${Date.now().toString(36)}-${process.pid}`;

  it('drops in one process a batch or an event the other has seen', async () => {
    const now = Date.now();
    const event = (mid: string): Event => ({ eid: 'START', ets: now, ver: '3.0', mid, actor: { id: 'u', type: 'User' }, context: { channel: 'c', env: 'learn', pdata: { id: 'p' } }, edata: { type: 'app' } });
    const batch = (msgid: string, mids: string[]) => JSON.stringify({ id: 'api.sunbird.telemetry', ver: '3.0', params: { msgid: `${msgid}-${run}` }, events: mids.map((mid) => event(`${mid}-${run}`)) });
    const count = async (url: string, stream: string, q = '*') => (await getJson(`${url}/api/v1/search?stream=${stream}&q=${encodeURIComponent(q)}&limit=0`)).body.total as number;
    assert.equal((await postJson(`${first.server().url}/v1/telemetry`, batch('one', ['a', 'b']))).status, 200);
    await waitFor(async () => ((await count(first.server().url, 'telemetry.unique')) === 2 ? true : undefined), 20_000, 'the first process\'s unique events');
    // the same batch again, to the other process: a duplicate batch; then a new batch re-sending b
    assert.equal((await postJson(`${second.server().url}/v1/telemetry`, batch('one', ['a', 'b']))).status, 200);
    assert.equal((await postJson(`${second.server().url}/v1/telemetry`, batch('two', ['b', 'c']))).status, 200);
    const other = second.server().url;
    await waitFor(async () => ((await count(other, 'telemetry.extractor.duplicate')) === 1 && (await count(other, 'telemetry.duplicate')) === 1 && (await count(other, 'telemetry.unique')) === 1 ? true : undefined),
      20_000, 'the second process to see the first\'s batch and event as duplicates');
    assert.equal(await count(other, 'telemetry.duplicate', `mid:"b-${run}"`), 1);
    assert.equal(await count(other, 'telemetry.unique', `mid:"c-${run}"`), 1);
  });

  it('denormalizes in one process with reference data pushed to the other', async () => {
    const device = `dev-${run}`;
    const put = await fetch(`${first.server().url}/api/v1/sunbird/reference/device`, { method: 'PUT', body: JSON.stringify({ id: device, state: 'Kerala' }) });
    assert.equal(put.status, 200);
    assert.equal((await getJson(`${second.server().url}/api/v1/sunbird/reference/device/${device}`)).body.state, 'Kerala', 'the other process reads the row back');
    const event = { eid: 'START', ets: Date.now(), ver: '3.0', mid: `denorm-${run}`, actor: { id: 'u', type: 'User' }, context: { channel: 'c', env: 'learn', pdata: { id: 'p' }, did: device }, edata: { type: 'app' } };
    const other = second.server().url;
    assert.equal((await postJson(`${other}/v1/telemetry`, JSON.stringify({ id: 'api.sunbird.telemetry', ver: '3.0', params: { msgid: `denorm-${run}` }, events: [event] }))).status, 200);
    const [denormalized] = await waitFor(async () => {
      const { body } = await getJson(`${other}/api/v1/search?stream=telemetry.denorm&q=${encodeURIComponent(`mid:"denorm-${run}"`)}&limit=1`);
      return body.total === 1 ? body.hits.map((hit: { record: Event }) => hit.record) : undefined;
    }, 20_000, 'the denormalized event');
    assert.deepEqual(denormalized.devicedata, { id: device, state: 'Kerala' });
    assert.equal(denormalized.flags.device_denorm, true);
  });
});
