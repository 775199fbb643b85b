// The Sunbird telemetry preset's own steps (src/presets/sunbird-telemetry/): the extractor's split
// of a batch, the preprocessor's corrections, and the routing with SHARE flattening.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { PipelineRecord } from '../../src/pipelines/step.ts';
import { sunbirdExtractStep } from '../../src/presets/sunbird-telemetry/extract-step.ts';
import { corrected } from '../../src/presets/sunbird-telemetry/preprocess-step.ts';
import { shareItems, sunbirdRouteStep } from '../../src/presets/sunbird-telemetry/route-step.ts';
import { skipped } from '../../src/presets/sunbird-telemetry/denormalize-step.ts';

const context = { now: () => 0 };
const rec = (body: Record<string, unknown>, offset = 7): PipelineRecord => ({ body, origin: { topic: 'telemetry.ingest', partition: 0, offset, ingestedAt: 1_700_000_000_000 } });
const event = (eid: string, extra: Record<string, unknown> = {}) => ({ eid, ets: 1, ver: '3.0', mid: `${eid}:1`, actor: { id: 'u', type: 'User' }, context: { channel: 'c', env: 'learn', pdata: { id: 'p' } }, edata: {}, ...extra });

describe('sunbird-extract', () => {
  it('splits a batch into stamped events with ids of their own, LOG and oversize apart, and one audit event', async () => {
    const step = await sunbirdExtractStep.create({ maxEventBytes: 300, channel: 'default' }, context);
    const big = event('START', { edata: { type: 'x'.repeat(400) } });
    const result = await step.process([rec({ id: 'api.sunbird.telemetry', params: { msgid: 'm' }, syncts: 1_600_000_000_000, events: [event('START'), event('LOG'), big, 'not an event'] })]);
    assert.deepEqual(result.records.map((r) => [r.body.eid ?? null, r.output ?? 'raw', r.id]), [
      ['START', 'raw', 'telemetry.ingest/0/7/0'], ['LOG', 'log', 'telemetry.ingest/0/7/1'], ['START', 'failed', 'telemetry.ingest/0/7/2'],
      [null, 'failed', 'telemetry.ingest/0/7/3'], ['LOG', 'log', 'telemetry.ingest/0/7/audit'],
    ]);
    const [start, , oversize, , audit] = result.records.map((r) => r.body as Record<string, any>);
    assert.equal(start!.syncts, 1_600_000_000_000, 'the batch\'s syncts');
    assert.equal(start!['@timestamp'], '2020-09-13T12:26:40.000Z');
    assert.deepEqual(start!.flags, { ex_processed: true });
    assert.deepEqual(oversize!.metadata, { ex_error: 'Event size is Exceeded', src: 'TelemetryExtractor' });
    assert.equal(oversize!.flags.ex_processed, false);
    assert.deepEqual(audit!.edata.params, [{ ver: '3.0', events_count: 4, sync_status: 'SUCCESS' }]);
    assert.match(audit!.mid, /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    // read from the log with its size: an event written again larger than the batch it came in is still found
    const measured = await sunbirdExtractStep.create({ maxEventBytes: 2000, channel: 'default' }, context);
    const text = JSON.stringify({ events: [event('START'), event('START', { edata: { values: Array.from({ length: 100 }, () => 1e20) } })] }).replaceAll('100000000000000000000', '1e20');
    assert.ok(Buffer.byteLength(text) < 2000, `the batch's text is ${Buffer.byteLength(text)} bytes`);
    const sized = await measured.process([{ body: JSON.parse(text) as Record<string, unknown>, origin: { ...rec({}).origin, bytes: Buffer.byteLength(text) } }]);
    assert.deepEqual(sized.records.map((r) => r.output ?? 'raw'), ['raw', 'failed', 'log']);
    const again = await step.process([rec({ id: 'api.sunbird.telemetry', events: [] })]);
    assert.equal((again.records[0]!.body as Record<string, any>).syncts, 1_700_000_000_000, 'without its own syncts: when the batch reached Tributary');
    assert.equal((again.records[0]!.body as Record<string, any>).mid, audit!.mid, 'the same batch position, the same audit mid');
  });

  it('sends a batch without events to the bad-batch output, and a duplicate batch on as it is', async () => {
    const step = await sunbirdExtractStep.create({ maxEventBytes: 1000, channel: 'default' }, context);
    const result = await step.process([rec({ params: { msgid: 'm' } }), { ...rec({ params: { msgid: 'm' }, events: [event('START')] }), output: 'batch-duplicate' }]);
    assert.deepEqual(result.records.map((r) => r.output), ['bad-batch', 'batch-duplicate']);
    assert.equal((result.records[0]!.body.metadata as Record<string, unknown>).ex_error, 'the batch has no events');
  });
});

describe('sunbird-preprocess corrections', () => {
  it('strips a federated actor prefix, upper-cases a DialCode id, fills a blank channel and the time stamps', () => {
    const input = event('INTERACT', { actor: { id: 'f:5a8a3f2b:abc-123', type: 'User' }, object: { id: 'ab12cd', type: 'DialCode' }, context: { channel: ' ', env: 'x', pdata: { id: 'p' } }, syncts: 1_600_000_000_000 });
    const out = corrected(input, 'default-channel') as Record<string, any>;
    assert.equal(out.actor.id, 'abc-123');
    assert.equal(out.object.id, 'AB12CD');
    assert.equal(out.context.channel, 'default-channel');
    assert.equal(out['@timestamp'], '2020-09-13T12:26:40.000Z');
    assert.equal(out.type, 'events');
    assert.equal(out.flags.pp_validation_processed, true);
    assert.equal((input.actor as Record<string, unknown>).id, 'f:5a8a3f2b:abc-123', 'the input is left as it was');
    assert.equal((corrected(event('START', { '@timestamp': '2020-09-13T12:26:40.000Z' }), 'd') as Record<string, unknown>).syncts, 1_600_000_000_000);
  });
});

describe('sunbird-route', () => {
  it('routes by eid, with the hub for IMPRESSION, INTERACT, START and END', async () => {
    const step = await sunbirdRouteStep.create({}, context);
    const result = await step.process(['START', 'INTERACT', 'AUDIT', 'CB_AUDIT', 'ERROR', 'SEARCH'].map((eid, i) => rec(event(eid), i)));
    assert.deepEqual(result.records.map((r) => `${r.body.eid}→${r.output}`), [
      'START→primary', 'START→unique', 'INTERACT→secondary', 'INTERACT→unique', 'AUDIT→primary', 'AUDIT→audit', 'AUDIT→unique',
      'CB_AUDIT→primary', 'CB_AUDIT→cb-audit', 'ERROR→error', 'SEARCH→primary', 'SEARCH→unique',
    ]);
    assert.equal((result.records[0]!.body.context as Record<string, unknown>).hub, 'learn');
    assert.equal((result.records[10]!.body.context as Record<string, unknown>).hub, undefined, 'SEARCH gets no hub');
  });

  it('flattens a SHARE into one item per params entry, or per item without params', () => {
    const share = event('SHARE', { object: { id: 'do_1', type: 'TextBook' }, edata: { dir: 'In', type: 'File', items: [
      { id: 'c1', type: 'CONTENT', ver: '1', params: [{ transfers: 0, size: 10 }, { transfers: 3 }] },
      { id: 'c2', type: 'CONTENT', ver: '2' },
    ] } });
    const items = shareItems(share);
    assert.deepEqual(items.map((item) => [item.eid, (item.edata as Record<string, unknown>).type, (item.edata as Record<string, unknown>).size, (item.object as Record<string, any>).id, (item.object as Record<string, any>).rollup.l1]), [
      ['SHARE_ITEM', 'download', 10, 'c1', 'do_1'], ['SHARE_ITEM', 'import', undefined, 'c1', 'do_1'], ['SHARE_ITEM', 'download', undefined, 'c2', 'do_1'],
    ]);
    assert.equal(new Set(items.map((item) => item.mid)).size, 3);
    assert.deepEqual(shareItems(share).map((item) => item.mid), items.map((item) => item.mid), 'the same SHARE gives the same item mids');
  });
});

describe('sunbird-denormalize', () => {
  it('skips INTERRUPT and the summaries other than SUMMARY and ME_WORKFLOW_SUMMARY', () => {
    assert.deepEqual(['INTERRUPT', 'ME_SESSION_SUMMARY', 'SUMMARY', 'ME_WORKFLOW_SUMMARY', 'START'].map(skipped), [true, true, false, false, false]);
  });
});

