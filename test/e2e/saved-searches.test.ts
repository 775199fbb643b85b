// Saved searches kept on the server, and alerts on them: a threshold on the count over a window,
// checked on a schedule, firing a webhook (a real HTTP server here) and writing to _alerts; the
// same alert resolves when the records leave the window. Saved searches outlive a restart.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startInProcess, postJson, getJson, waitFor, tempDir, tributary } from './harness.ts';

const send = async (url: string, method: string, body?: unknown) => {
  const response = await fetch(url, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: response.status, body: await response.json() as any };
};

describe('saved searches and alerts', () => {
  const dataDir = tempDir('saved');
  let server: Awaited<ReturnType<typeof startInProcess>>;
  let hook: Server;
  let hookUrl: string;
  const received: any[] = [];

  before(async () => {
    hook = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk) => (body += chunk));
      request.on('end', () => { received.push(JSON.parse(body)); response.end('ok'); });
    });
    await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
    hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`;
    server = await startInProcess({}, dataDir);
  });
  after(async () => {
    await server.cleanup();
    hook.close();
  });

  it('saves a search, lists it, refuses a bad one naming the problem, and deletes it', async () => {
    const created = await send(`${server.url}/api/v1/saved-searches`, 'POST', { name: 'DB errors', search: { q: 'level:error AND "Failed to connect"', streams: ['logs'], range: '24h', columns: ['resourceId'] } });
    assert.equal(created.status, 201);
    assert.deepEqual(created.body.search, { q: 'level:error AND "Failed to connect"', streams: ['logs'], range: '24h', from: '', to: '', columns: ['resourceId'] });
    const listed = (await getJson(`${server.url}/api/v1/saved-searches`)).body.searches;
    assert.deepEqual(listed.map((s: any) => s.name), ['DB errors']);
    assert.equal((await getJson(`${server.url}/api/v1/saved-searches/${created.body.id}`)).body.name, 'DB errors');

    const bad = await send(`${server.url}/api/v1/saved-searches`, 'POST', { name: 'broken', search: { q: 'level:(error' } });
    assert.equal(bad.status, 400);
    assert.match(bad.body.error.message, /^search\.q: missing '\)'/);
    const badAlert = await send(`${server.url}/api/v1/saved-searches`, 'POST', { name: 'x', search: { q: '' }, alert: { threshold: 'many' } });
    assert.match(badAlert.body.error.message, /alert\.threshold/);
    assert.equal((await send(`${server.url}/api/v1/saved-searches`, 'POST', { search: { q: 'x' } })).body.error.message, 'name: give the search a name');

    assert.equal((await send(`${server.url}/api/v1/saved-searches/${created.body.id}`, 'DELETE')).status, 200);
    assert.equal((await getJson(`${server.url}/api/v1/saved-searches/${created.body.id}`)).status, 404);
  });

  it('fires an alert when the count passes the threshold, then resolves it, each time a webhook call and an _alerts record', { timeout: 30_000 }, async () => {
    const created = await send(`${server.url}/api/v1/saved-searches`, 'POST', {
      name: 'payment failures', search: { q: 'level:error AND service:payments' },
      alert: { comparison: '>=', threshold: 3, window: '4s', every: '1s', webhook: hookUrl },
    });
    assert.equal(created.status, 201);
    const now = Date.now();
    const lines = [0, 1, 2].map((i) => JSON.stringify({ timestamp: new Date(now - i).toISOString(), level: 'error', service: 'payments', message: `charge ${i} declined` }));
    lines.push(JSON.stringify({ timestamp: new Date(now).toISOString(), level: 'error', service: 'search', message: 'other service' }));
    assert.equal((await postJson(`${server.url}/api/v1/logs`, lines.join('\n'), { 'content-type': 'application/x-ndjson' })).status, 202);

    const firing = await waitFor(async () => received.find((body) => body.state === 'firing'), 15_000, 'the firing webhook');
    assert.equal(firing.name, 'payment failures');
    assert.equal(firing.count, 3);
    assert.match(firing.message, /firing: 3 records in the last 4s \(>= 3\)/);
    const state = (await getJson(`${server.url}/api/v1/saved-searches/${created.body.id}`)).body.alertState;
    assert.equal(state.firing, true);

    // the records leave the 4 s window: the alert resolves
    const resolved = await waitFor(async () => received.find((body) => body.state === 'resolved'), 15_000, 'the resolved webhook');
    assert.equal(resolved.count, 0);
    const records = await waitFor(async () => {
      const hits = (await getJson(`${server.url}/api/v1/search?stream=_alerts`)).body.hits;
      return hits.length === 2 ? hits : undefined;
    }, 10_000, 'two _alerts records');
    assert.deepEqual(records.map((hit: any) => [hit.record.state, hit.record.webhook.status]), [['resolved', 200], ['firing', 200]]);
    assert.equal(received.length, 2, 'one call per change of state, not one per check');
  });

  it('keeps saved searches across a restart', async () => {
    await send(`${server.url}/api/v1/saved-searches`, 'POST', { name: 'kept', search: { q: 'level:warn' } });
    await server.close();
    server = await startInProcess({}, dataDir);
    const names = (await getJson(`${server.url}/api/v1/saved-searches`)).body.searches.map((s: any) => s.name);
    assert.ok(names.includes('kept') && names.includes('payment failures'), names.join(', '));
  });

  it('does the same from the CLI: create with an alert, list, delete', async () => {
    const created = await tributary(['saved', 'create', '--url', server.url, '--name', 'slow checkouts', '--query', 'latency_ms:>2000', '--stream', 'checkout', '--alert', '>=10', '--window', '10m']);
    assert.equal(created.code, 0, created.stderr);
    const id = /as ([0-9a-f]+)/.exec(created.stdout)![1]!;
    const listed = await tributary(['saved', 'list', '--url', server.url]);
    assert.match(listed.stdout, new RegExp(`${id}\\s+slow checkouts\\s+latency_ms:>2000\\s+checkout\\s+>= 10 in 10m \\(every 1m\\)`));
    const wrong = await tributary(['saved', 'create', '--url', server.url, '--name', 'x', '--query', 'level:(']);
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /tributary saved create: search\.q: expected a term after '\(' at position 7/);
    assert.equal((await tributary(['saved', 'delete', '--url', server.url, id])).code, 0);
    assert.doesNotMatch((await tributary(['saved', 'list', '--url', server.url])).stdout, /slow checkouts/);
  });
});
