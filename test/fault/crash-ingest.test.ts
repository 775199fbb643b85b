// Real crashes: the server process is SIGKILLed while clients ingest. After a restart on the same
// data dir, every record that got a 202 is searchable exactly once.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { tempDir, startChild, getJson, waitFor, type ChildServer } from '../e2e/harness.ts';
import { ingestUntilStopped, allKeys, countCopies, waitForZeroLag } from './ingest-load.ts';

/** CI runs 3 rounds; `npm run test:faults` the campaign's 20. */
const ROUNDS = Number(process.env.CRASH_ROUNDS ?? 3);

describe('crash while ingesting', () => {
  const dataDir = tempDir('crash');
  let server: ChildServer | undefined;
  after(async () => {
    await server?.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('loses no acknowledged record and duplicates none across SIGKILLs', async () => {
    const acked = new Set<string>();
    for (let round = 0; round < ROUNDS; round++) {
      server = await startChild(dataDir);
      const load = ingestUntilStopped(server.url, round);
      await new Promise((resolve) => setTimeout(resolve, 1200 + (round % 5) * 300));
      server.child.kill('SIGKILL');
      for (const key of await load.stop()) acked.add(key);
      await server.kill();
    }
    assert.ok(acked.size > 1000, `clients got ${acked.size} records acknowledged before the kills`);
    console.log(`# ${acked.size} records acknowledged across ${ROUNDS} SIGKILLed runs`);

    server = await startChild(dataDir);
    const url = server.url;
    await waitFor(async () => {
      const { body } = await getJson(`${url}/api/v1/search?q=_exists_:u&limit=1`);
      return body.total >= acked.size ? true : undefined;
    }, 60_000, `${acked.size} acknowledged records to be searchable`);
    await waitForZeroLag(url);

    const seen = countCopies(await allKeys(url));
    const duplicates = [...seen].filter(([, n]) => n > 1);
    assert.deepEqual(duplicates, [], 'no record stored twice');
    const lost = [...acked].filter((key) => !seen.has(key));
    assert.deepEqual(lost.slice(0, 10), [], `${lost.length} acknowledged records lost`);
  });
});
