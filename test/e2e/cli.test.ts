// The `tributary` command as a user runs it.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { startInProcess, postJson, waitForTotal, tempDir, tributary } from './harness.ts';


describe('tributary CLI', () => {
  let server: Awaited<ReturnType<typeof startInProcess>>;
  before(async () => {
    server = await startInProcess();
    const now = Date.now();
    const logs = [
      { level: 'error', message: 'Failed to connect to DB', resourceId: 'server-1234', timestamp: new Date(now - 60_000).toISOString() },
      { level: 'error', message: 'Failed to connect to DB', resourceId: 'server-9', timestamp: new Date(now - 3 * 3_600_000).toISOString() },
      { level: 'info', message: 'Failed to connect to cache, retrying', timestamp: new Date(now - 120_000).toISOString() },
      { level: 'error', message: 'disk full', timestamp: new Date(now - 30_000).toISOString() },
    ];
    assert.equal((await postJson(`${server.url}/api/v1/logs`, JSON.stringify(logs))).status, 202);
    await waitForTotal(server.url, 4);
  });
  after(() => server.cleanup());

  it('lists its commands with --help', async () => {
    const { code, stdout } = await tributary(['--help']);
    assert.equal(code, 0);
    assert.match(stdout, /start/);
    assert.match(stdout, /search/);
  });

  it('prints the matching logs of the last hour', async () => {
    const { code, stdout, stderr } = await tributary(['search', 'level:error "Failed to connect"', '--since', '1h', '--url', server.url]);
    assert.equal(code, 0, stderr);
    const lines = stdout.trim().split('\n');
    assert.equal(lines.length, 1);
    assert.match(lines[0]!, /ERROR Failed to connect to DB/);
    assert.match(lines[0]!, /server-1234/);
    assert.match(stderr, /1 of 1 matching records/);
  });

  it('prints JSON lines with --json, newest first', async () => {
    const { stdout } = await tributary(['search', 'level:error', '--json', '--url', server.url]);
    const hits = stdout.trim().split('\n').map((line) => JSON.parse(line));
    assert.deepEqual(hits.map((hit) => hit.record.message), ['disk full', 'Failed to connect to DB', 'Failed to connect to DB']);
  });

  it('points at the error in a bad query', async () => {
    const { code, stderr } = await tributary(['search', 'level:(error', '--url', server.url]);
    assert.equal(code, 1);
    assert.match(stderr, /tributary search: q: /);
    assert.match(stderr, /\^/);
  });

  it('tells the user what to do when no server runs', async () => {
    const { code, stderr } = await tributary(['search', 'x', '--url', 'http://127.0.0.1:9']);
    assert.equal(code, 1);
    assert.match(stderr, /cannot reach Tributary at http:\/\/127\.0\.0\.1:9: start it with 'npx tributary start'/);
  });

  it('fails to start on a bad config with the key and the reason', async () => {
    const dir = tempDir('cli-config');
    writeFileSync(path.join(dir, 'tributary.yaml'), 'port: 3000\nlimits:\n  maxDepth: -1\n');
    const { code, stderr } = await tributary(['start', '--data-dir', dir], dir);
    assert.equal(code, 2);
    assert.match(stderr, /limits\.maxDepth: must be >= 1/);
  });
});
