// Backpressure: past ingest.maxBacklog records waiting to be indexed, ingest holds requests until
// the indexer catches up (clients see only a slower 202), and refuses with 429 + Retry-After when
// the backlog does not drain within ingest.backlogWaitMs. Acknowledged records are all searchable.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startInProcess, postJson, waitForTotal } from './harness.ts';

function ndjson(count: number, from: number): string {
  return Array.from({ length: count }, (_, i) => JSON.stringify({ level: 'info', message: `request ${from + i} done`, n: from + i })).join('\n');
}

async function backlog(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return [...text.matchAll(/^tributary_processor_lag\{[^}]*\} (\d+)$/gm)].reduce((sum, match) => sum + Number(match[1]), 0);
}

const headers = { 'content-type': 'application/x-ndjson' };

describe('ingest backpressure', () => {
  it('holds requests past the backlog bound: every request is accepted and the backlog stays bounded', async () => {
    const maxBacklog = 2000;
    const server = await startInProcess({ 'ingest.maxBacklog': maxBacklog, 'ingest.backlogWaitMs': 60_000 });
    try {
      const workers = 4;
      const perRequest = 1000;
      const requestsPerWorker = 25;
      let peak = 0;
      let sending = true;
      const sampler = (async () => {
        while (sending) {
          peak = Math.max(peak, await backlog(server.url));
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      })();
      const statuses = await Promise.all(Array.from({ length: workers }, async (_, worker) => {
        const out: number[] = [];
        for (let r = 0; r < requestsPerWorker; r++) {
          const from = (worker * requestsPerWorker + r) * perRequest;
          out.push((await postJson(`${server.url}/api/v1/logs`, ndjson(perRequest, from), headers)).status);
        }
        return out;
      }));
      sending = false;
      await sampler;
      assert.deepEqual(new Set(statuses.flat()), new Set([202]));
      // requests admitted on one measurement can each add a full request
      assert.ok(peak <= maxBacklog + workers * perRequest, `backlog peaked at ${peak}`);
      await waitForTotal(server.url, workers * requestsPerWorker * perRequest, '', 30_000);
    } finally {
      await server.cleanup();
    }
  });

  it('refuses with 429 and Retry-After when the backlog does not drain in time, and accepts again once it has', async () => {
    const server = await startInProcess({ 'ingest.maxBacklog': 1, 'ingest.backlogWaitMs': 0 });
    try {
      assert.equal((await postJson(`${server.url}/api/v1/logs`, ndjson(20_000, 0), headers)).status, 202);
      const refused = await fetch(`${server.url}/api/v1/logs`, { method: 'POST', body: ndjson(1, 20_000), headers });
      const body = await refused.json() as { error: { code: string; message: string } };
      assert.equal(refused.status, 429);
      assert.equal(refused.headers.get('retry-after'), '1');
      assert.equal(body.error.code, 'backlog_full');
      assert.match(body.error.message, /records are waiting to be indexed \(ingest\.maxBacklog is 1\).*retry after/);
      await waitForTotal(server.url, 20_000);
      assert.equal((await postJson(`${server.url}/api/v1/logs`, ndjson(1, 20_000), headers)).status, 202);
      await waitForTotal(server.url, 20_001);
    } finally {
      await server.cleanup();
    }
  });
});
