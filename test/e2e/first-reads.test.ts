// A search link opened cold: the server starts the explorer's first read of rows as it sends the
// page, and the page's own read, carrying the page's token, gets that answer. It must be the answer
// the read would have had, for the same caller only, and only once.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { createKey, startChild, tempDir, waitFor, type ChildServer } from './harness.ts';

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

describe("the explorer's first read, started with the page", () => {
  const dataDir = tempDir('first-reads');
  let server: ChildServer;
  let admin: string;
  let reader: string;
  let appReader: string;

  /** The tag of the page at `path`, as the server sent it: the token and the server's clock. */
  async function openPage(path: string, headers: Record<string, string>): Promise<{ token: string; now: number } | null> {
    const response = await fetch(`${server.url}${path}`, { headers: { accept: 'text/html', ...headers } });
    assert.equal(response.status, 200);
    const tag = /<meta name="tributary-first-read" content="([\w-]+) (\d+)">/.exec(await response.text());
    return tag ? { token: tag[1]!, now: Number(tag[2]) } : null;
  }

  async function search(params: Record<string, string>, headers: Record<string, string>): Promise<{ status: number; ids: string[] }> {
    const response = await fetch(`${server.url}/api/v1/search?${new URLSearchParams(params)}`, { headers });
    const body = await response.json() as { hits?: Array<{ id: string }> };
    return { status: response.status, ids: body.hits?.map((hit) => hit.id) ?? [] };
  }

  before(async () => {
    admin = await createKey(dataDir, '--name', 'ops', '--role', 'admin');
    reader = await createKey(dataDir, '--name', 'everyone', '--role', 'reader');
    appReader = await createKey(dataDir, '--name', 'app-team', '--role', 'reader', '--streams', 'app');
    server = await startChild(dataDir, ['--auth', 'on']);
    const now = Date.now();
    for (const stream of ['app', 'billing']) {
      const lines = Array.from({ length: 30 }, (_, n) => JSON.stringify({
        timestamp: new Date(now - (n + 1) * 60_000).toISOString(), level: n % 3 ? 'info' : 'error', message: `${stream} request ${n}`,
      })).join('\n');
      const posted = await fetch(`${server.url}/api/v1/logs?stream=${stream}`, { method: 'POST', headers: { ...bearer(admin), 'content-type': 'application/x-ndjson' }, body: lines });
      assert.equal(posted.status, 202);
    }
    await waitFor(async () => ((await search({ q: 'request', limit: '100' }, bearer(admin))).ids.length === 60 ? true : undefined), 15_000, 'records searchable');
  });
  after(async () => {
    await server?.kill();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("answers the page's read as the read itself would, once", async () => {
    const page = await openPage('/?q=level%3Aerror', bearer(reader));
    assert.ok(page, 'the page carries the first read');
    const params = { q: 'level:error', limit: '200', total: 'false' };
    const direct = await search(params, bearer(reader));
    assert.equal(direct.ids.length, 20);
    assert.deepEqual(await search({ ...params, first: page.token }, bearer(reader)), direct);
    // the token is spent: the same read again is run again, with the same answer
    assert.deepEqual(await search({ ...params, first: page.token }, bearer(reader)), direct);
  });

  it("ends a relative range at the server's clock, which the page reads from the tag", async () => {
    const page = await openPage('/?q=request&range=1h', bearer(reader));
    assert.ok(page);
    const params = { q: 'request', from: new Date(page.now - 3_600_000).toISOString(), to: new Date(page.now).toISOString(), limit: '200', total: 'false' };
    const answer = await search({ ...params, first: page.token }, bearer(reader));
    assert.equal(answer.ids.length, 60);
    assert.deepEqual(answer, await search(params, bearer(reader)));
  });

  it("gives the page's answer to no other caller and to no other read", async () => {
    const page = await openPage('/?q=request', bearer(reader));
    assert.ok(page);
    const params = { q: 'request', limit: '200', total: 'false' };
    assert.equal((await search({ ...params, first: page.token }, {})).status, 401, 'no credentials: refused before any answer');
    const confined = await search({ ...params, first: page.token }, bearer(appReader));
    assert.equal(confined.ids.length, 30, 'a reader of app alone gets its own answer, not the whole store');
    const other = await openPage('/?q=request', bearer(reader));
    const narrower = await search({ ...params, q: 'request AND level:error', first: other!.token }, bearer(reader));
    assert.equal(narrower.ids.length, 20, 'a read with other parameters is run as asked');
  });

  it('starts nothing for a saved search link, for pages other than the explorer, nor without credentials', async () => {
    assert.equal(await openPage('/?saved=abc', bearer(reader)), null);
    assert.equal(await openPage('/?q=request', {}), null, 'the page asks who is there first');
    assert.equal(await openPage('/ui/pipelines', bearer(reader)), null);
    assert.ok(await openPage('/ui/', bearer(reader)));
  });
});
