// HTTPS with a configured certificate: records go in and come back over TLS, plain HTTP is not
// answered on that port, and a certificate that cannot be read stops the start with its name.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startChild, tempDir, tributary, waitFor, type ChildServer } from './harness.ts';

function httpsCall(url: string, ca: Buffer, method = 'GET', body?: string): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, ca, headers: body ? { 'content-type': 'application/json' } : {} }, (res) => {
      let text = '';
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(text) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('HTTPS', () => {
  const dir = tempDir('tls');
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  let server: ChildServer;

  before(async () => {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '2',
      '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
    mkdirSync(join(dir, 'data'));
    server = await startChild(join(dir, 'data'), ['--tls-cert', cert, '--tls-key', key]);
  });
  after(async () => {
    await server?.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it('takes and answers requests over TLS only', async () => {
    assert.match(server.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    const ca = readFileSync(cert);
    const posted = await httpsCall(`${server.url}/api/v1/logs`, ca, 'POST', '{"level":"info","message":"over tls"}');
    assert.equal(posted.status, 202);
    const found = await waitFor(async () => {
      const answer = await httpsCall(`${server.url}/api/v1/search?q=${encodeURIComponent('"over tls"')}`, ca);
      return answer.body.total === 1 ? answer.body : undefined;
    }, 15_000, 'the record over TLS');
    assert.equal(found.hits[0].record.message, 'over tls');
    await assert.rejects(fetch(server.url.replace('https:', 'http:') + '/healthz'), 'plain HTTP is not answered');
  });

  it('names the certificate it cannot read', async () => {
    const run = await tributary(['start', '--port', '0', '--data-dir', join(dir, 'data2'), '--tls-cert', join(dir, 'missing.pem'), '--tls-key', key]);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /tls\.cert: cannot read .*missing\.pem/);
  });
});
