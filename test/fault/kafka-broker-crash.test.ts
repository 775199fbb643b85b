// Real broker crash: a Kafka broker of its own (port 19092, so the shared test broker is not
// touched) is SIGKILLed and restarted while clients ingest over HTTP into Tributary on that
// broker, once at once and once after an outage longer than a produce's retry window. Without
// restarting Tributary, every record that got a 202 becomes searchable exactly once.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { ROOT, tempDir, startChild, getJson, waitFor, type ChildServer } from '../e2e/harness.ts';
import { skipWithoutBroker } from '../support/kafka.ts';
import { ingestUntilStopped, allKeys, countCopies, waitForZeroLag } from './ingest-load.ts';

const PORT = 19092;
const BROKER = `127.0.0.1:${PORT}`;
const brokerData = tempDir('kafka-crash-broker');
const brokerEnv = { ...process.env, KAFKA_PORT: String(PORT), KAFKA_DATA_DIR: brokerData };

function kafka(command: 'start' | 'stop' | 'crash'): void {
  execFileSync('bash', [path.join(ROOT, 'scripts/kafka.sh'), command], { env: brokerEnv, stdio: ['ignore', 'ignore', 'pipe'], timeout: 180_000 });
}

// the shared broker answering proves the jars and Java are here; this test runs its own
const skip = await skipWithoutBroker();
/** CI rides out 40 s; `npm run test:faults` the campaign's 60. */
const OUTAGE_S = Number(process.env.BROKER_OUTAGE_S ?? 40);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('Kafka broker SIGKILLed while clients ingest', { skip }, () => {
  const dataDir = tempDir('kafka-crash');
  let server: ChildServer | undefined;

  before(() => kafka('start'));
  after(async () => {
    await server?.kill();
    kafka('stop');
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(brokerData, { recursive: true, force: true });
  });

  it('loses no acknowledged record, duplicates none, and resumes without a restart', async () => {
    server = await startChild(dataDir, ['--log', 'kafka', '--kafka-brokers', BROKER]);
    const url = server.url;
    const load = ingestUntilStopped(url, 'k', 'crash');
    await waitFor(async () => (load.statuses.get(202) ?? 0) >= 20 ? true : undefined, 30_000, 'ingest to get going');

    kafka('crash');
    const down = Date.now();
    await sleep(4000);
    const health = await getJson(`${url}/healthz`);
    assert.equal(health.status, 200, 'the server stays up while the broker is down');
    const ackedWhileDown = load.statuses.get(202) ?? 0;
    kafka('start');
    console.log(`# broker was down ${((Date.now() - down) / 1000).toFixed(1)} s`);

    // ingest must recover on its own: new 202s after the broker is back
    await waitFor(async () => (load.statuses.get(202) ?? 0) > ackedWhileDown + 20 ? true : undefined, 60_000, 'ingest to recover after the broker restart');
    await sleep(1000);
    const acked = await load.stop();
    console.log(`# ${acked.size} records acknowledged; responses by status: ${JSON.stringify(Object.fromEntries(load.statuses))}`);

    await everyAcknowledgedOnce(url, acked);
    for (const [status] of load.statuses) assert.ok(status === 202 || status === 503, `a failed write answers 503, not ${status}`);
  });

  it(`rides out a ${OUTAGE_S} s outage: 503 past the retry window, then ingest and indexing resume by themselves`, async () => {
    const url = server!.url;
    const load = ingestUntilStopped(url, 'outage', 'outage');
    await waitFor(async () => (load.statuses.get(202) ?? 0) >= 20 ? true : undefined, 30_000, 'ingest to get going');
    kafka('crash');
    const down = Date.now();
    // past the 30 s a produce keeps retrying, a write is refused, not held without end
    await waitFor(async () => ((load.statuses.get(503) ?? 0) > 0 ? true : undefined), 60_000, 'a 503 once the retry window has passed');
    const refusedAfterS = (Date.now() - down) / 1000;
    await sleep(Math.max(0, OUTAGE_S * 1000 - (Date.now() - down)));
    assert.equal((await getJson(`${url}/healthz`)).status, 200, 'the server stays up through the outage');
    const acceptedBefore = load.statuses.get(202) ?? 0;
    kafka('start');
    console.log(`# broker down ${((Date.now() - down) / 1000).toFixed(1)} s; first 503 after ${refusedAfterS.toFixed(1)} s`);
    await waitFor(async () => (load.statuses.get(202) ?? 0) > acceptedBefore + 20 ? true : undefined, 90_000, 'ingest to recover after the outage');
    const acked = await load.stop();
    console.log(`# ${acked.size} records acknowledged; responses by status: ${JSON.stringify(Object.fromEntries(load.statuses))}`);
    await everyAcknowledgedOnce(url, acked, 'outage');
    for (const [status] of load.statuses) assert.ok(status === 202 || status === 503, `a failed write answers 503, not ${status}`);
  });
});

/** Every acknowledged key searchable exactly once, and the indexer caught up. */
async function everyAcknowledgedOnce(url: string, acked: Set<string>, stream?: string): Promise<void> {
  const query = stream ? `_exists_:u AND stream:${stream}` : '_exists_:u';
  await waitFor(async () => {
    const { body } = await getJson(`${url}/api/v1/search?${new URLSearchParams({ q: query, limit: '0' })}`);
    return body.total >= acked.size ? true : undefined;
  }, 90_000, `${acked.size} acknowledged records to be searchable`);
  await waitForZeroLag(url, 60_000);
  const seen = countCopies(await allKeys(url));
  assert.deepEqual([...acked].filter((key) => (seen.get(key) ?? 0) > 1).slice(0, 10), [], 'no record stored twice');
  const lost = [...acked].filter((key) => !seen.has(key));
  assert.deepEqual(lost.slice(0, 10), [], `${lost.length} acknowledged records lost`);
}
