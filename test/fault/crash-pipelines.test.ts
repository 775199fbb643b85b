// Real crashes with pipelines running: the user-login preset (seed 001: validation, a dead-letter
// queue, 5-minute windows) is fed login events while the server is SIGKILLed mid-request, round
// after round. Whatever the log took (every acknowledged batch, and an in-flight one when it got
// there before the kill), each window's metric-event must equal a brute-force computation over
// it, once, and each invalid record must be one dead letter: nothing lost, nothing counted twice.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { generateUserLogins, userLoginLine, type UserLoginRecord } from '../../src/presets/user-login/generate.ts';
import { tempDir, startChild, waitFor, getJson, type ChildServer } from '../e2e/harness.ts';
import { all, checkDeadLetters, checkMetrics, settled, START } from '../e2e/user-login-checks.ts';

/** CI runs 3 rounds; `npm run test:faults` the campaign's 20. */
const ROUNDS = Number(process.env.CRASH_ROUNDS ?? 3);
const BATCH = 200;

describe('crash while pipelines run', () => {
  const dataDir = tempDir('crash-pipelines');
  const configFile = path.join(dataDir, 'tributary.yaml');
  let server: ChildServer | undefined;
  after(async () => {
    await server?.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('neither loses nor double-counts a window or a dead letter across SIGKILLs mid-request', async () => {
    // an idle timeout longer than a restart, so no window closes for want of input while the process is down
    writeFileSync(configFile, 'presets:\n  user-login:\n    window:\n      idleTimeout: 8s\n');
    const input = generateUserLogins((ROUNDS + 1) * 2400, { seed: 23, startTimeSec: START + 5, secondsPerRecord: 0.3, users: 300, otherVersionShare: 0.1 })
      .map(({ record }) => record as unknown as Record<string, unknown>);
    let next = 0;
    const acknowledged: Array<Record<string, unknown>> = [];
    for (let round = 0; round <= ROUNDS; round++) {
      server = await startChild(dataDir, ['--config', configFile]);
      const url = server.url;
      const last = round === ROUNDS;
      // 4 to 8 requests a round, the kill landing on the last one while it is in flight
      const requests = last ? Infinity : 4 + ((round * 3) % 5);
      for (let sent = 1; sent <= requests && next < input.length; sent++) {
        const batch = input.slice(next, next + BATCH);
        next += batch.length;
        const request = fetch(`${url}/api/v1/logs?stream=user-login`, {
          method: 'POST', body: batch.map((record) => userLoginLine(record as unknown as UserLoginRecord)).join('\n'), headers: { 'content-type': 'application/x-ndjson' },
        }).then(async (response) => { await response.arrayBuffer(); return response.status; }, () => 0);
        if (sent === requests) setTimeout(() => server!.child.kill('SIGKILL'), (round * 7) % 20);
        if (await request === 202) acknowledged.push(...batch);
      }
      if (!last) await server.kill('SIGKILL');
    }
    assert.ok(acknowledged.length > ROUNDS * 500, `${acknowledged.length} records acknowledged`);
    const url = server!.url;

    // the truth is what the log holds: every acknowledged record, and any in-flight batch that made it
    const stored = await waitFor(async () => {
      const records = await all(url, 'user-login');
      return records.length >= acknowledged.length ? records : undefined;
    }, 30_000, 'the input indexed');
    const key = (record: Record<string, unknown>) => userLoginLine(record as unknown as UserLoginRecord);
    const storedKeys = new Set(stored.map(key));
    assert.equal(storedKeys.size, stored.length, 'no input record in the log twice');
    assert.deepEqual(acknowledged.filter((record) => !storedKeys.has(key(record))).slice(0, 3), [], 'every acknowledged record in the log');
    console.log(`# ${acknowledged.length} acknowledged, ${stored.length} in the log across ${ROUNDS} SIGKILLs`);

    await settled(url, stored);
    await new Promise((resolve) => setTimeout(resolve, 2000));
    checkMetrics(await all(url, 'metric-event'), stored);
    checkDeadLetters(await all(url, 'dead-letter-queue'), stored);
    assert.equal((await getJson(`${url}/api/v1/pipelines/user-login`)).body.lag, 0);
  });
});
