// Preset function-call-logs (seed 000) end to end: services log through tributary/sdk (and post
// to eventsphere), the preset's groups validate, skip duplicate LogIDs and write in batches to
// function_call_logs and leader_activity_logs. What the store holds equals what a brute-force
// pass over the sent records says it should; every invalid record is a dead letter with its
// reason; duplicates are counted.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { FunctionCallLogger, streamFor } from 'tributary/sdk';
import { childServerForSuite, getJson, postJson, streamRecords, tempDir, type ChildServer } from './harness.ts';

const METHODS = ['GET', 'POST', 'PUT', 'DELETE'];
const TYPES = ['info', 'error', 'warning', 'success'];

function functionCall(i: number): Record<string, unknown> {
  return {
    LogID: `LOG${String(i).padStart(7, '0')}`, endpoint: `/api/v1/r${i % 9}`, timestamp: new Date(Date.UTC(2025, 2, 10, 12, 0, 0, i)).toISOString(),
    parameters: { id: i }, function_name: `fn${i % 13}`, http_method_type: METHODS[i % 4], header: { 'Content-Type': 'application/json' },
    log_message: `call ${i}`, log_type: TYPES[i % 4],
  };
}

describe('preset function-call-logs', () => {
  const configDir = tempDir('fcl-config');
  mkdirSync(configDir, { recursive: true });
  // batches every second instead of the seed's 15 minutes
  writeFileSync(path.join(configDir, 'tributary.yaml'), 'presets:\n  function-call-logs:\n    batch:\n      maxWait: 1s\n');
  const suite = childServerForSuite('fcl', ['--config', path.join(configDir, 'tributary.yaml')]);
  let server: ChildServer;

  before(() => {
    server = suite.server();
  });

  it('validates, deduplicates and stores what services send, and routes eventsphere by the seed\'s rule', async () => {
    const sent: Array<Record<string, unknown>> = [];
    for (let i = 0; i < 300; i++) sent.push(functionCall(i));
    // the same LogIDs again (a service retrying), and records breaking the seed's rules
    for (let i = 0; i < 12; i++) sent.push({ ...functionCall(i * 7), log_message: 'sent again' });
    sent.push({ ...functionCall(1000), http_method_type: 'PATCH' }, { ...functionCall(1001), log_type: 'debug' }, (({ LogID: _omit, ...rest }) => rest)(functionCall(1002)));
    for (let i = 0; i < 20; i++) sent.push({ leader_activity: i % 2 ? 'member_status_updated' : 'member_added', after_change_data: { member: `m${i}` }, log_timestamp: new Date(Date.UTC(2025, 2, 10, 13, i)).toISOString() });
    sent.push({ leader_activity: '', log_timestamp: '2025-03-10T13:00:00.000Z' });
    const logger = new FunctionCallLogger({ url: server.url, batchSize: 50, lingerMs: 10 });
    for (const record of sent) assert.ok(logger.log(record));
    await logger.close();
    // producers that cannot use the SDK post to eventsphere
    const routed = [functionCall(2000), functionCall(2001), { leaderAction: 'team_created', leader_activity: 'team_created', log_timestamp: '2025-03-10T14:00:00.000Z' }];
    assert.equal((await postJson(`${server.url}/api/v1/logs?stream=eventsphere`, routed.map((record) => JSON.stringify(record)).join('\n'), { 'content-type': 'application/x-ndjson' })).status, 202);
    const everything = [...sent, ...routed];

    // brute force: one valid record per LogID, whichever copy came first on the log (copies sent
    // without a key may land on two partitions, read in either order)
    const valid = (record: Record<string, unknown>): boolean => streamFor(record) === 'FunctionCallLogs'
      ? typeof record.LogID === 'string' && METHODS.includes(record.http_method_type as string) && TYPES.includes(record.log_type as string)
      : typeof record.leader_activity === 'string' && record.leader_activity.length > 0;
    const copies = new Map<string, Set<string>>();
    for (const record of everything) {
      if (streamFor(record) !== 'FunctionCallLogs' || !valid(record)) continue;
      copies.set(record.LogID as string, (copies.get(record.LogID as string) ?? new Set()).add(JSON.stringify(record)));
    }
    const expectedLeaders = everything.filter((record) => streamFor(record) === 'LeaderActivityLogs' && valid(record));
    const calls = await streamRecords(server.url, 'function_call_logs', '', copies.size, 30_000);
    assert.deepEqual(calls.map((record) => record.LogID).sort(), [...copies.keys()].sort(), 'each LogID once');
    const notSent = calls.filter((record) => !copies.get(record.LogID)!.has(JSON.stringify(record)));
    assert.deepEqual(notSent, [], 'every stored record is one of the copies sent');
    const leaders = await streamRecords(server.url, 'leader_activity_logs', '', expectedLeaders.length, 30_000);
    assert.deepEqual(leaders.map((record) => JSON.stringify(record)).sort(), expectedLeaders.map((record) => JSON.stringify(record)).sort());

    const invalid = everything.filter((record) => !valid(record));
    const letters = await streamRecords(server.url, '_dead_letters', '', invalid.length, 15_000);
    assert.deepEqual(letters.map((letter) => JSON.stringify(letter.record)).sort(), invalid.map((record) => JSON.stringify(record)).sort());
    assert.ok(letters.every((letter) => typeof letter.reason === 'string' && letter.reason.length > 0));
    assert.ok(letters.some((letter) => /http_method_type/.test(letter.reason)), 'the reason names the field');
    const pipeline = (await getJson(`${server.url}/api/v1/pipelines/function-call-logs`)).body;
    assert.equal(pipeline.duplicates, 12);
    assert.equal(pipeline.group, 'FunctionCallLogConsumerGr');
  });
});
