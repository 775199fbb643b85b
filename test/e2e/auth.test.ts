// API keys as a user meets them: a server reachable from the network refuses to start without a
// key, every endpoint but the health checks refuses a request without one, a key does what its
// role allows and writes only to its streams, a revoked key stops at once, denials are audited.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { createKey, startChild, tempDir, tributary, waitFor, type ChildServer } from './harness.ts';

async function call(url: string, init: RequestInit & { key?: string; header?: 'bearer' | 'apikey' | 'x-api-key' | 'es' } = {}): Promise<{ status: number; body: any }> {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...(init.headers as Record<string, string> | undefined) };
  if (init.key) {
    const key = init.key;
    if (init.header === 'x-api-key') headers['x-api-key'] = key;
    else if (init.header === 'apikey') headers.authorization = `ApiKey ${key}`;
    else if (init.header === 'es') headers.authorization = `ApiKey ${Buffer.from(`${key.split('_')[1]}:${key}`).toString('base64')}`;
    else headers.authorization = `Bearer ${key}`;
  }
  const response = await fetch(url, { ...init, headers });
  const text = await response.text();
  return { status: response.status, body: text.startsWith('{') ? JSON.parse(text) : text };
}

describe('authentication with API keys', () => {
  const dataDir = tempDir('auth');
  let server: ChildServer;
  let admin: string;
  let reader: string;
  let appWriter: string;

  before(async () => {
    admin = await createKey(dataDir, '--name', 'ops', '--role', 'admin');
    reader = await createKey(dataDir, '--name', 'grafana', '--role', 'reader');
    appWriter = await createKey(dataDir, '--name', 'filebeat', '--role', 'ingest', '--streams', 'app');
    server = await startChild(dataDir, ['--auth', 'on']);
  });
  after(async () => {
    await server?.kill();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('refuses to start listening to the network without a key, saying how to make one', async () => {
    const empty = tempDir('auth-empty');
    try {
      const run = await tributary(['start', '--port', '0', '--host', '0.0.0.0', '--data-dir', empty]);
      assert.equal(run.code, 1);
      assert.match(run.stderr, /no API key or user: create a key with `npx tributary keys create/);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it('answers health checks without a key, and nothing else', async () => {
    assert.equal((await call(`${server.url}/healthz`)).status, 200);
    for (const [method, path] of [['GET', '/api/v1/search?q=*'], ['POST', '/api/v1/logs'], ['GET', '/api/v1/streams'], ['GET', '/metrics'], ['POST', '/_bulk'], ['GET', '/api/v1/topics']]) {
      const answer = await call(`${server.url}${path}`, { method, ...(method === 'POST' ? { body: '{"message":"x"}' } : {}) });
      assert.equal(answer.status, 401, `${method} ${path}`);
      assert.match(answer.body.error.message, /requires an API key/);
    }
    assert.equal((await call(`${server.url}/api/v1/search`, { key: 'trb_00000000_notarealkeynotarealkeynotarealkeynotarealkey0' })).status, 401);
  });

  it('serves the explorer\'s page to a browser without a key (it holds no data), and its reads still need one', async () => {
    const page = await fetch(`${server.url}/`, { headers: { accept: 'text/html' } });
    assert.equal(page.status, 200);
    const html = await page.text();
    const script = /src="(\/ui\/assets\/[^"]+\.js)"/.exec(html)![1]!;
    const asset = await fetch(`${server.url}${script}`);
    assert.equal(asset.status, 200);
    assert.match(asset.headers.get('cache-control')!, /immutable/);
    assert.equal((await fetch(`${server.url}/ui/pipelines`, { headers: { accept: 'text/html' } })).status, 200);
    // a client that is not a browser asking for / is a shipper's probe: it needs a key
    assert.equal((await call(`${server.url}/`)).status, 401);
    assert.equal((await call(`${server.url}/api/v1/export?q=*`)).status, 401);
  });

  it('an ingest key writes to its streams only, in any header form, and cannot read', async () => {
    for (const header of ['bearer', 'apikey', 'x-api-key', 'es'] as const) {
      const answer = await call(`${server.url}/api/v1/logs?stream=app`, { method: 'POST', key: appWriter, header, body: JSON.stringify({ message: `from ${header}` }) });
      assert.equal(answer.status, 202, `${header}: ${JSON.stringify(answer.body)}`);
    }
    const elsewhere = await call(`${server.url}/api/v1/logs?stream=billing`, { method: 'POST', key: appWriter, body: '{"message":"no"}' });
    assert.equal(elsewhere.status, 403);
    assert.match(elsewhere.body.error.message, /may write to app, not to stream 'billing'/);
    const bulk = await call(`${server.url}/billing/_bulk`, { method: 'POST', key: appWriter, headers: { 'content-type': 'application/x-ndjson' }, body: '{"create":{}}\n{"message":"no"}\n' });
    assert.equal(bulk.status, 403);
    assert.equal((await call(`${server.url}/`, { key: appWriter, headers: { accept: 'application/json' } })).status, 200, 'a shipper\'s probe');
    assert.equal((await call(`${server.url}/api/v1/search?q=*`, { key: appWriter })).status, 403);
  });

  it('a reader searches but cannot write or administer; an admin can', async () => {
    const hits = await waitFor(async () => {
      const answer = await call(`${server.url}/api/v1/search?q=*&stream=app`, { key: reader });
      return answer.status === 200 && answer.body.total === 4 ? answer.body : undefined;
    }, 15_000, 'the four records of the ingest key');
    assert.equal(hits.total, 4);
    assert.equal((await call(`${server.url}/api/v1/logs?stream=app`, { method: 'POST', key: reader, body: '{"message":"no"}' })).status, 403);
    assert.equal((await call(`${server.url}/api/v1/topics`, { method: 'POST', key: reader, body: '{"name":"t1","partitions":1}' })).status, 403);
    assert.equal((await call(`${server.url}/api/v1/logs?stream=billing`, { method: 'POST', key: admin, body: '{"message":"ok"}' })).status, 202);
  });

  it('a reader confined to streams sees those only', async () => {
    const appReader = await createKey(dataDir, '--name', 'app-team', '--role', 'reader', '--streams', 'app');
    const own = await call(`${server.url}/api/v1/search?q=*`, { key: appReader });
    assert.equal(own.status, 200);
    assert.ok(own.body.hits.length > 0 && own.body.hits.every((hit: any) => hit.stream === 'app'), JSON.stringify(own.body.hits.map((hit: any) => hit.stream)));
    const other = await call(`${server.url}/api/v1/search?q=*&stream=billing`, { key: appReader });
    assert.equal(other.status, 403);
    assert.match(other.body.error.message, /may read app, not 'billing'/);
    const streams = await call(`${server.url}/api/v1/streams`, { key: appReader });
    assert.deepEqual(streams.body.streams.map((s: any) => s.stream), ['app']);
    const stats = await call(`${server.url}/api/v1/stats?by=stream&agg=count`, { key: appReader });
    assert.deepEqual(stats.body.groups.map((g: any) => g.key.stream), ['app']);
  });

  it('a key over its rate limit gets 429 with Retry-After, and writes again after it', async () => {
    const limited = await createKey(dataDir, '--name', 'chatty', '--role', 'ingest', '--max-records-per-second', '5');
    const batch = (n: number) => Array.from({ length: n }, (_, i) => JSON.stringify({ message: `burst ${i}` })).join('\n');
    const post = (n: number) => fetch(`${server.url}/api/v1/logs?stream=limited`, {
      method: 'POST', headers: { authorization: `Bearer ${limited}`, 'content-type': 'application/x-ndjson' }, body: batch(n),
    });
    assert.equal((await post(20)).status, 202, 'a batch larger than a second\'s share passes when the bucket is full');
    const refused = await post(1);
    assert.equal(refused.status, 429);
    const wait = Number(refused.headers.get('retry-after'));
    assert.ok(wait >= 1 && wait <= 4, `Retry-After ${wait}`);
    assert.match(((await refused.json()) as any).error.message, /rate limit/);
    await new Promise((resolve) => setTimeout(resolve, wait * 1000 + 100));
    assert.equal((await post(1)).status, 202);
  });

  it('a revoked key stops working at the next request', async () => {
    const temporary = await createKey(dataDir, '--name', 'temp', '--role', 'reader');
    assert.equal((await call(`${server.url}/api/v1/streams`, { key: temporary })).status, 200);
    const id = temporary.split('_')[1]!;
    const revoke = await tributary(['keys', 'revoke', id, '--data-dir', dataDir]);
    assert.equal(revoke.code, 0, revoke.stderr);
    const refused = await call(`${server.url}/api/v1/streams`, { key: temporary });
    assert.equal(refused.status, 401);
    assert.match(refused.body.error.message, /unknown or revoked/);
    const listed = await tributary(['keys', 'list', '--data-dir', dataDir]);
    assert.match(listed.stdout, new RegExp(`${id}\\s+temp\\s+reader`));
    assert.doesNotMatch(listed.stdout, /trb_/, 'secrets are never listed');
  });

  it('every denial is a record in the _audit stream, naming who and what', async () => {
    const audit = await waitFor(async () => {
      const answer = await call(`${server.url}/api/v1/search?q=outcome:403&stream=_audit&limit=100`, { key: admin });
      return answer.status === 200 && answer.body.total >= 3 ? answer.body : undefined;
    }, 15_000, 'audit records');
    const billing = audit.hits.map((hit: any) => hit.record).find((record: any) => /billing/.test(record.message) && record.path === '/api/v1/logs');
    assert.ok(billing, JSON.stringify(audit.hits.map((hit: any) => hit.record)));
    const unauthenticated = await call(`${server.url}/api/v1/search?q=outcome:401&stream=_audit&limit=0`, { key: admin });
    assert.ok(unauthenticated.body.total >= 6);
  });
});
