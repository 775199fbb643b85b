import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { authEnabled, credentialOf, needOf } from '../../src/auth/http-auth.ts';
import { KeyStore } from '../../src/auth/keys.ts';

describe('auth', () => {
  it('on unless listening on loopback only, or as told', () => {
    assert.equal(authEnabled({ host: '127.0.0.1', auth: { mode: 'auto' } }), false);
    assert.equal(authEnabled({ host: '::1', auth: { mode: 'auto' } }), false);
    assert.equal(authEnabled({ host: 'localhost', auth: { mode: 'auto' } }), false);
    assert.equal(authEnabled({ host: '0.0.0.0', auth: { mode: 'auto' } }), true);
    assert.equal(authEnabled({ host: '10.1.2.3', auth: { mode: 'auto' } }), true);
    assert.equal(authEnabled({ host: '127.0.0.1', auth: { mode: 'on' } }), true);
    assert.equal(authEnabled({ host: '0.0.0.0', auth: { mode: 'off' } }), false);
  });

  it('writes of records need ingest, other writes admin, reads reader, probes either', () => {
    assert.equal(needOf('GET', '/healthz'), 'public');
    for (const path of ['/', '/api/v1/logs', '/v1/logs', '/loki/api/v1/push', '/_bulk', '/app/_bulk', '/app/_doc/7', '/_index_template/filebeat']) assert.equal(needOf('POST', path), 'ingest', path);
    for (const [method, path] of [['POST', '/api/v1/topics'], ['DELETE', '/api/v1/topics/x'], ['POST', '/api/v1/topics/x/messages'], ['DELETE', '/api/v1/consumers/1'], ['POST', '/api/v1/pipelines/p/replay'], ['POST', '/api/v1/anything-new']]) {
      assert.equal(needOf(method!, path!), 'admin', `${method} ${path}`);
    }
    assert.equal(needOf('GET', '/api/v1/search'), 'reader');
    assert.equal(needOf('GET', '/metrics'), 'reader');
    assert.equal(needOf('GET', '/'), 'probe');
    assert.equal(needOf('GET', '/_license'), 'probe');
  });

  it('reads the key from Bearer, ApiKey (plain or Elasticsearch base64 id:key) and X-API-Key', () => {
    const key = 'trb_abcd1234_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx';
    assert.equal(credentialOf({ headers: { authorization: `Bearer ${key}` } }), key);
    assert.equal(credentialOf({ headers: { authorization: `ApiKey ${key}` } }), key);
    assert.equal(credentialOf({ headers: { authorization: `ApiKey ${Buffer.from(`abcd1234:${key}`).toString('base64')}` } }), key);
    assert.equal(credentialOf({ headers: { 'x-api-key': key } }), key);
    assert.equal(credentialOf({ headers: { authorization: 'Basic dXNlcjpwYXNz' } }), undefined);
    assert.equal(credentialOf({ headers: {} }), undefined);
  });

  it('keeps keys hashed, verifies them, and forgets a revoked one at once', () => {
    const dir = mkdtempSync(join(tmpdir(), 'keys-'));
    try {
      const keys = new KeyStore(dir);
      assert.equal(keys.hasActiveKeys(), false);
      const { key, secret } = keys.create({ name: 'ci', role: 'ingest', streams: ['app'] });
      assert.match(secret, /^trb_[a-z0-9]{8}_[A-Za-z0-9_-]{43}$/);
      const other = new KeyStore(dir); // another process, as the server beside the CLI
      assert.deepEqual(other.verify(secret), key);
      assert.equal(other.verify(`${secret.slice(0, -1)}${secret.endsWith('A') ? 'B' : 'A'}`), null);
      assert.ok(!JSON.stringify(other.list()).includes(secret.slice(14)), 'the secret is not stored');
      keys.revoke(key.id);
      assert.equal(other.verify(secret), null);
      assert.equal(other.hasActiveKeys(), false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
