// The seed presets' generators (user-login, api-requests) and `tributary gen`: determinism, the
// seeds' record shapes (sample lines copied from the seeds' files), invalid shares, rate parsing.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import {
  generateUserLogins, isValidUserLogin, userLoginLine, userLoginEvents, US_STATES, USER_LOGIN_REQUIRED,
} from '../../src/presets/user-login/generate.ts';
import { API_PATHS, API_REQUEST_LINE, API_STATUSES, apiRequestLines, generateApiRequestLines } from '../../src/presets/api-requests/generate.ts';
import { parseRate } from '../../src/cli/gen-command.ts';

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '../..');

// seed 001 input.user-login.samples.jsonl, lines 1 and 2 (line 2 is the seed's dead-letter example)
const SEED_LOGIN = '{"user_id": "ac853026-90a7-4c4d-9aad-98fc851f97a7", "app_version": "2.3.0", "ip": "157.156.46.154", "locale": "LA", "device_id": "cf654cc7-2e68-463c-b0f4-7d21b068d687", "timestamp": 1736653976, "device_type": "android"}';
const SEED_LOGIN_DLQ = '{"user_id": "9f7ccb91-6cee-49dc-ad0b-652b890df32b", "app_version": "2.3.0", "ip": "155.175.73.138", "locale": "VA", "device_id": "ff7eb2d0-2447-46eb-ae87-67a926fec298", "timestamp": 1737421077}';
// seed 004 api_requests.sample.log, first lines
const SEED_API_LINES = ['2024-09-25 05:42:20 cust_40 /api/v1/resource1 400 0.316', '2024-09-18 01:43:13 cust_39 /api/v1/resource1 403 1.709'];

const UUID4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
const START = 1_736_653_976;

describe('user-login generator', () => {
  const events = generateUserLogins(20_000, { seed: 7, startTimeSec: START });
  const seedKeys = Object.keys(JSON.parse(SEED_LOGIN) as object);

  it('is deterministic: the same seed gives the same records, another seed others', () => {
    assert.deepEqual(generateUserLogins(500, { seed: 7, startTimeSec: START }), events.slice(0, 500));
    assert.notDeepEqual(generateUserLogins(50, { seed: 8, startTimeSec: START }), events.slice(0, 50));
  });

  it('valid records have the seed’s keys in its order and its value shapes', () => {
    for (const { record, valid } of events.filter((e) => e.valid)) {
      assert.ok(valid);
      assert.deepEqual(Object.keys(record), seedKeys);
      assert.match(record.user_id!, UUID4);
      assert.match(record.device_id!, UUID4);
      assert.equal(record.app_version, '2.3.0');
      const octets = IPV4.exec(record.ip!);
      assert.ok(octets && octets.slice(1).every((o) => Number(o) <= 255), record.ip);
      assert.ok((US_STATES as readonly string[]).includes(record.locale!));
      assert.ok(Number.isInteger(record.timestamp));
      assert.ok(record.device_type === 'android' || record.device_type === 'iOS');
    }
  });

  it('renders lines the way the seed’s producer does (json.dumps separators)', () => {
    assert.equal(userLoginLine(JSON.parse(SEED_LOGIN)), SEED_LOGIN);
    assert.equal(userLoginLine(JSON.parse(SEED_LOGIN_DLQ)), SEED_LOGIN_DLQ);
    const line = userLoginLine(events[0]!.record);
    assert.deepEqual(JSON.parse(line), events[0]!.record);
    assert.match(line, /^\{"user_id": "[^"]+", "app_version": "[^"]+", "ip": "[^"]+", "locale": "[A-Z]{2}", "device_id": "[^"]+", "timestamp": \d+, "device_type": "(android|iOS)"\}$/);
  });

  it('honours the invalid share; invalid records miss required fields, mostly device_type', () => {
    const invalid = events.filter((e) => !e.valid);
    const share = invalid.length / events.length;
    assert.ok(share > 0.04 && share < 0.06, `invalid share ${share}`);
    for (const { record, valid } of events) assert.equal(isValidUserLogin(record), valid);
    const missingDeviceType = invalid.filter((e) => !('device_type' in e.record)).length / invalid.length;
    assert.ok(missingDeviceType > 0.6, `missing device_type in ${missingDeviceType} of invalid records`);
    assert.ok(invalid.some((e) => 'device_type' in e.record), 'other fields go missing too');
    assert.equal(isValidUserLogin(JSON.parse(SEED_LOGIN)), true);
    assert.equal(isValidUserLogin(JSON.parse(SEED_LOGIN_DLQ)), false);
    const { device_id: _, ...withoutDeviceId } = JSON.parse(SEED_LOGIN) as Record<string, unknown>;
    assert.equal(isValidUserLogin(withoutDeviceId), true, 'device_id is not required');
    assert.deepEqual([...USER_LOGIN_REQUIRED].sort(), ['app_version', 'device_type', 'ip', 'locale', 'timestamp', 'user_id']);
    assert.ok(generateUserLogins(2000, { seed: 1, invalidShare: 0 }).every((e) => e.valid));
    const all = generateUserLogins(200, { seed: 1, invalidShare: 1 });
    assert.ok(all.every((e) => !e.valid && !isValidUserLogin(e.record)));
  });

  it('advances event time by secondsPerRecord from startTimeSec', () => {
    const stamps = generateUserLogins(100, { seed: 3, startTimeSec: START, secondsPerRecord: 30, invalidShare: 0 }).map((e) => e.record.timestamp);
    assert.equal(stamps[0], START);
    assert.equal(stamps[99], START + 99 * 30);
    const halves = events.map((e) => e.record.timestamp).filter((t) => t !== undefined);
    for (let i = 1; i < halves.length; i++) assert.ok(halves[i]! >= halves[i - 1]!);
    assert.ok(halves.at(-1)! - START <= 10_000 && halves.at(-1)! - START >= 9_990, 'default 2 records per second');
  });

  it('fresh users by default; a users pool repeats them, with their device and locale', () => {
    const userIds = events.map((e) => e.record.user_id).filter((id) => id !== undefined);
    assert.equal(new Set(userIds).size, userIds.length);
    const pooled = generateUserLogins(5000, { seed: 5, users: 100, invalidShare: 0 });
    const byUser = new Map<string, string>();
    for (const { record } of pooled) {
      const identity = `${record.device_id} ${record.device_type} ${record.locale}`;
      assert.equal(byUser.get(record.user_id!) ?? identity, identity);
      byUser.set(record.user_id!, identity);
    }
    assert.ok(byUser.size > 90 && byUser.size <= 100, `${byUser.size} users`);
  });

  it('mixes in other app versions on request', () => {
    const mixed = generateUserLogins(5000, { seed: 2, otherVersionShare: 0.1, invalidShare: 0 });
    const others = mixed.filter((e) => e.record.app_version !== '2.3.0');
    assert.ok(others.length > 350 && others.length < 650, `${others.length} other versions`);
    assert.ok(others.every((e) => /^\d+\.\d+\.\d+$/.test(e.record.app_version!)));
  });

  it('rejects bad options', () => {
    assert.throws(() => userLoginEvents({ invalidShare: 1.5 }).next(), RangeError);
    assert.throws(() => userLoginEvents({ users: 0 }).next(), RangeError);
  });
});

describe('api-requests generator', () => {
  const now = Date.UTC(2024, 8, 27, 12, 0, 0);
  const lines = generateApiRequestLines(20_000, { seed: 42, now });

  it('is deterministic: the same seed gives the same lines, another seed others', () => {
    assert.deepEqual(generateApiRequestLines(500, { seed: 42, now }), lines.slice(0, 500));
    assert.notDeepEqual(generateApiRequestLines(50, { seed: 43, now }), lines.slice(0, 50));
  });

  it('writes the seed’s line format and value sets, timestamps in the window', () => {
    for (const sample of SEED_API_LINES) assert.match(sample, API_REQUEST_LINE);
    const customers = new Set<string>();
    const statuses = new Map<number, number>();
    const paths = new Set<string>();
    let minDuration = Infinity;
    let maxDuration = -Infinity;
    for (const line of lines) {
      const m = API_REQUEST_LINE.exec(line);
      assert.ok(m, line);
      const [, date, time, customer, requestPath, status, duration] = m;
      const ms = Date.parse(`${date}T${time}Z`);
      assert.ok(ms >= now - 30 * 86_400_000 && ms <= now, line);
      customers.add(customer!);
      paths.add(requestPath!);
      statuses.set(Number(status), (statuses.get(Number(status)) ?? 0) + 1);
      minDuration = Math.min(minDuration, Number(duration));
      maxDuration = Math.max(maxDuration, Number(duration));
    }
    assert.deepEqual([...customers].sort(), Array.from({ length: 50 }, (_, i) => `cust_${i + 1}`).sort());
    assert.deepEqual([...paths].sort(), [...API_PATHS]);
    assert.deepEqual([...statuses.keys()].sort(), [...API_STATUSES]);
    for (const n of statuses.values()) assert.ok(Math.abs(n / lines.length - 1 / 7) < 0.015, `status share ${n / lines.length}`);
    assert.ok(minDuration >= 0.1 && maxDuration <= 2.0 && minDuration < 0.15 && maxDuration > 1.95);
    const times = lines.slice(0, 100).map((l) => l.slice(0, 19));
    assert.notDeepEqual(times, [...times].sort(), 'not in time order, as the seed');
  });

  it('honours customers and days', () => {
    for (const line of generateApiRequestLines(2000, { seed: 1, now, customers: 3, days: 1 })) {
      const [, date, time, customer] = API_REQUEST_LINE.exec(line)!;
      assert.ok(['cust_1', 'cust_2', 'cust_3'].includes(customer!));
      assert.ok(Date.parse(`${date}T${time}Z`) >= now - 86_400_000);
    }
  });

  it('writes a share of malformed lines on request, none by default', () => {
    const generated = [...take(apiRequestLines({ seed: 9, now, malformedShare: 0.2 }), 10_000)];
    const malformed = generated.filter((g) => !g.valid);
    assert.ok(malformed.length > 1800 && malformed.length < 2200, `${malformed.length} malformed`);
    for (const { line, valid } of generated) {
      const m = API_REQUEST_LINE.exec(line);
      const realDate = m !== null && new Date(`${m[1]}T${m[2]}Z`).toISOString().slice(0, 10) === m[1];
      assert.equal(m !== null && realDate, valid, line);
    }
    assert.ok(malformed.some((g) => g.line.split(' ').length < 6));
    assert.ok(malformed.some((g) => /-02-3[01] /.test(g.line)));
  });
});

describe('tributary gen', () => {
  it('parses rates', () => {
    assert.equal(parseRate('2/s'), 2);
    assert.equal(parseRate('100/m'), 100 / 60);
    assert.equal(parseRate('1000'), 1000);
    assert.equal(parseRate('max'), 'max');
    for (const bad of ['fast', '0/s', '-1/s', '2/x', '', '/s']) {
      assert.throws(() => parseRate(bad), /is not a rate: write N\/s, N\/m .* or max/);
    }
  });

  it('gen api-requests --count 500 --rate max appends 500 valid lines to a file', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'tributary-gen-'));
    try {
      const file = path.join(dir, 'api_requests.log');
      const { stderr } = await run(process.execPath, ['bin/tributary.js', 'gen', 'api-requests', '--count', '500', '--rate', 'max', '--seed', '1', '--out', file], { cwd: ROOT });
      assert.match(stderr, /500 sent/);
      const written = (await readFile(file, 'utf8')).split('\n');
      assert.equal(written.pop(), '');
      assert.equal(written.length, 500);
      for (const line of written) assert.match(line, API_REQUEST_LINE);
      await run(process.execPath, ['bin/tributary.js', 'gen', 'api-requests', '--count', '10', '--rate', 'max', '--out', file], { cwd: ROOT });
      assert.equal((await readFile(file, 'utf8')).split('\n').length - 1, 510, 'appends');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('gen user-login --count 50 --out - writes NDJSON to stdout, reproducibly', async () => {
    const args = ['bin/tributary.js', 'gen', 'user-login', '--count', '50', '--rate', 'max', '--seed', '11', '--start-time', String(START), '--out', '-'];
    const { stdout } = await run(process.execPath, args, { cwd: ROOT });
    const out = stdout.trimEnd().split('\n');
    assert.equal(out.length, 50);
    const expected = generateUserLogins(50, { seed: 11, startTimeSec: START, secondsPerRecord: 0.5 }).map((e) => userLoginLine(e.record));
    assert.deepEqual(out, expected);
  });

  it('gen sunbird --out - writes one telemetry batch per line, the same events for the same seed', async () => {
    const args = ['bin/tributary.js', 'gen', 'sunbird', '--count', '3', '--batch-size', '20', '--rate', 'max', '--seed', '5', '--out', '-'];
    const batches = async () => (await run(process.execPath, args, { cwd: ROOT })).stdout.trimEnd().split('\n').map((line) => JSON.parse(line) as { params: { msgid: string }; events: Array<{ eid: string; mid: string }> });
    const first = await batches();
    assert.equal(first.length, 3);
    assert.ok(first.every((batch) => batch.events.length === 20 && typeof batch.params.msgid === 'string'));
    assert.equal(new Set(first.map((batch) => batch.params.msgid)).size, 3);
    const again = await batches();
    assert.deepEqual(again.map((batch) => batch.events.map((event) => event.mid)), first.map((batch) => batch.events.map((event) => event.mid)));
  });

  it('gen with a bad flag exits 1 with what to write instead', async () => {
    await assert.rejects(run(process.execPath, ['bin/tributary.js', 'gen', 'user-login', '--rate', 'often', '--out', '-'], { cwd: ROOT }), (error: { code: number; stderr: string }) => {
      assert.equal(error.code, 1);
      assert.match(error.stderr, /--rate "often" is not a rate/);
      return true;
    });
  });
});

function* take<T>(source: Iterable<T>, n: number): Generator<T> {
  if (n <= 0) return;
  for (const item of source) {
    yield item;
    if (--n <= 0) return;
  }
}

describe('function-call logs generator (seed 000)', () => {
  it('gives the seed\'s shape: ~1 in 35 a leader activity, the invalid share breaking a field rule, LogIDs unique across seeds', async () => {
    const { functionCallEvents, ratePerSecond } = await import('../../src/presets/function-call-logs/generate.ts');
    const { FUNCTION_CALL_LOG_SCHEMA, LEADER_ACTIVITY_LOG_SCHEMA } = await import('../../src/presets/function-call-logs/preset.ts');
    const { Ajv } = await import('ajv');
    const { default: addFormats } = await import('ajv-formats');
    const ajv = new Ajv();
    addFormats.default(ajv);
    const checkCall = ajv.compile(FUNCTION_CALL_LOG_SCHEMA);
    const checkLeader = ajv.compile(LEADER_ACTIVITY_LOG_SCHEMA);
    const take = (seed: number, n: number) => {
      const out = [];
      const events = functionCallEvents({ seed, users: 500, invalidShare: 0.02, startTimeMs: Date.UTC(2025, 2, 10) });
      for (let i = 0; i < n; i++) out.push(events.next().value!);
      return out;
    };
    const events = take(7, 35_000);
    const leaders = events.filter(({ record }) => 'leader_activity' in record);
    assert.ok(leaders.length > 850 && leaders.length < 1150, `${leaders.length} leader activities in 35,000`);
    const invalid = events.filter(({ valid }) => !valid);
    assert.ok(invalid.length > 550 && invalid.length < 850, `${invalid.length} invalid in 35,000`);
    for (const { record, valid } of events) assert.equal(('leader_activity' in record ? checkLeader : checkCall)(record), valid, JSON.stringify(record));
    const ids = (list: typeof events) => list.map(({ record }) => record.LogID).filter((id) => id !== undefined);
    assert.equal(new Set([...ids(events), ...ids(take(8, 1000))]).size, ids(events).length + ids(take(8, 1000)).length);
    assert.ok(Math.abs(ratePerSecond(500) - 97.2) < 0.1, '500 users log ~97 records a second');
  });
});
