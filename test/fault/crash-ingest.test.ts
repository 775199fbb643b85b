// Real crashes: the server process is SIGKILLed while clients ingest. After a restart on the same
// data dir, every record that got a 202 is searchable exactly once.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { tempDir, startChild, getJson, waitFor, type ChildServer } from '../e2e/harness.ts';

const CLIENTS = 4;
const BATCH = 50;

/** Clients post NDJSON batches until stopped; returns the keys of acknowledged records. */
function ingestUntilStopped(url: string, round: number): { stop: () => Promise<Set<string>> } {
  let running = true;
  const acked = new Set<string>();
  const clients = Array.from({ length: CLIENTS }, async (_, client) => {
    for (let seq = 0; running; seq++) {
      const keys = Array.from({ length: BATCH }, (_, line) => `r${round}-c${client}-s${seq}-l${line}`);
      const body = keys.map((u) => JSON.stringify({ u, level: 'info', message: `crash test ${u}` })).join('\n');
      try {
        const response = await fetch(`${url}/api/v1/logs`, { method: 'POST', body, headers: { 'content-type': 'application/x-ndjson' } });
        if (response.status === 202) for (const key of keys) acked.add(key);
        await response.arrayBuffer();
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 20)); // server gone: keep trying until stopped
      }
    }
  });
  return {
    async stop() {
      running = false;
      await Promise.all(clients);
      return acked;
    },
  };
}

async function allKeys(url: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor: string | null = null;
  do {
    const params = new URLSearchParams({ q: '_exists_:u', limit: '10000', ...(cursor ? { cursor } : {}) });
    const { body } = await getJson(`${url}/api/v1/search?${params}`);
    keys.push(...body.hits.map((hit: { record: { u: string } }) => hit.record.u));
    cursor = body.cursor;
  } while (cursor);
  return keys;
}

describe('crash while ingesting', () => {
  const dataDir = tempDir('crash');
  let server: ChildServer | undefined;
  after(async () => {
    await server?.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('loses no acknowledged record and duplicates none across SIGKILLs', async () => {
    const acked = new Set<string>();
    for (let round = 0; round < 3; round++) {
      server = await startChild(dataDir);
      const load = ingestUntilStopped(server.url, round);
      await new Promise((resolve) => setTimeout(resolve, 1200 + round * 300));
      server.child.kill('SIGKILL');
      for (const key of await load.stop()) acked.add(key);
      await server.kill();
    }
    assert.ok(acked.size > 1000, `clients got ${acked.size} records acknowledged before the kills`);
    console.log(`# ${acked.size} records acknowledged across 3 SIGKILLed runs`);

    server = await startChild(dataDir);
    const url = server.url;
    await waitFor(async () => {
      const { body } = await getJson(`${url}/api/v1/search?q=_exists_:u&limit=1`);
      return body.total >= acked.size ? true : undefined;
    }, 60_000, `${acked.size} acknowledged records to be searchable`);
    // Indexing has caught up with the log once the lag is 0.
    await waitFor(async () => {
      const metrics = await (await fetch(`${url}/metrics`)).text();
      const lags = [...metrics.matchAll(/^tributary_processor_lag\{[^}]*\} (\d+)/gm)].map((m) => Number(m[1]));
      return lags.length > 0 && lags.every((lag) => lag === 0) ? true : undefined;
    }, 30_000, 'indexer lag 0');

    const keys = await allKeys(url);
    const seen = new Map<string, number>();
    for (const key of keys) seen.set(key, (seen.get(key) ?? 0) + 1);
    const duplicates = [...seen].filter(([, n]) => n > 1);
    assert.deepEqual(duplicates, [], 'no record stored twice');
    const lost = [...acked].filter((key) => !seen.has(key));
    assert.deepEqual(lost.slice(0, 10), [], `${lost.length} acknowledged records lost`);
  });
});
