// The user-login preset (seed 001) end to end, as a user runs it: `tributary start`, login events
// posted to stream user-login, metric-event and dead-letter-queue read back through search. Every
// metric-event must equal a brute-force computation over the same input, every invalid record
// must be one dead letter, and a kill -9 in the middle of the stream (mid-window) must neither
// lose nor double-count anything.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { generateUserLogins } from '../../src/presets/user-login/generate.ts';
import { getJson, startChild, tempDir, waitFor } from './harness.ts';
import { all, checkDeadLetters, checkMetrics, post, settled, START } from './user-login-checks.ts';

describe('preset user-login (seed 001)', () => {
  it('emits one exact metric-event per 5-minute window and one dead letter per invalid record, across a kill -9 mid-window', async () => {
    const dataDir = tempDir('user-login');
    const configFile = path.join(dataDir, 'tributary.yaml');
    // a short idle timeout closes the last window soon after the input stops
    writeFileSync(configFile, 'presets:\n  user-login:\n    window:\n      idleTimeout: 2s\n');
    const input = generateUserLogins(6000, { seed: 11, startTimeSec: START + 17, secondsPerRecord: 0.37, users: 400, otherVersionShare: 0.1 }).map(({ record }) => record as unknown as Record<string, unknown>);
    let server = await startChild(dataDir, ['--config', configFile]);
    try {
      await post(server, input.slice(0, 3500));
      // some windows closed, one open with part of its records: then the process dies
      await waitFor(async () => ((await getJson(`${server.url}/api/v1/search?stream=metric-event&limit=0`)).body.total >= 2 ? true : undefined), 20_000, 'first windows');
      await server.kill('SIGKILL');
      server = await startChild(dataDir, ['--config', configFile]);
      await post(server, input.slice(3500));
      await settled(server.url, input);
      // a second kill and restart with nothing new must not emit anything again
      await server.kill('SIGKILL');
      server = await startChild(dataDir, ['--config', configFile]);
      await new Promise((resolve) => setTimeout(resolve, 3000));
      checkMetrics(await all(server.url, 'metric-event'), input);
      checkDeadLetters(await all(server.url, 'dead-letter-queue'), input);
      const { body } = await getJson(`${server.url}/api/v1/pipelines/user-login`);
      assert.equal(body.group, 'pipeline-user-login');
      assert.deepEqual(body.steps, ['validate', 'window']);
      assert.equal(body.lag, 0);
    } finally {
      await server.kill();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
