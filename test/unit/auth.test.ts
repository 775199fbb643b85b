import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { authEnabled, credentialOf, needOf } from '../../src/auth/http-auth.ts';
import { KeyStore } from '../../src/auth/keys.ts';
import { Sessions, SignInLimiter, csrfMatches } from '../../src/auth/sessions.ts';
import { UserStore } from '../../src/auth/users.ts';

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
    assert.equal(needOf('POST', '/api/v1/session'), 'public', 'signing in is how a credential is got');
    assert.equal(needOf('DELETE', '/api/v1/session'), 'signedIn');
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

describe('sessions and sign-in limits', () => {
  it('ends a session at its time, and forgets a token signed out', () => {
    const sessions = new Sessions(60_000);
    const user = { name: 'ada', role: 'reader' as const, createdAt: '', passwordSetAt: '' };
    const { token, session } = sessions.start(user, 1000);
    assert.equal(sessions.get(token, 60_999), session);
    assert.equal(sessions.get(token, 61_000), undefined, 'expired');
    const again = sessions.start(user, 2000);
    sessions.end(again.token);
    assert.equal(sessions.get(again.token, 2001), undefined);
    assert.equal(csrfMatches(again.session, again.session.csrf), true);
    assert.equal(csrfMatches(again.session, 'x'), false);
    assert.equal(csrfMatches(again.session, undefined), false);
  });

  it('lets tries through again once the failures leave the window', () => {
    const limiter = new SignInLimiter(3, 10_000);
    const keys = ['1.2.3.4|ada'];
    for (const at of [0, 1000, 2000]) {
      assert.equal(limiter.waitSeconds(keys, at), null);
      limiter.failed(keys, at);
    }
    assert.equal(limiter.waitSeconds(keys, 2500), 8, 'until the first failure is 10 s old');
    assert.equal(limiter.waitSeconds(keys, 10_001), null);
    limiter.failed(keys, 10_001);
    limiter.succeeded(keys);
    assert.equal(limiter.waitSeconds(keys, 10_002), null);
  });

  it('keeps passwords as salted scrypt hashes and checks them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tributary-users-'));
    try {
      const users = new UserStore(dir);
      await users.create({ name: 'ada', role: 'reader', password: 'correct horse battery' });
      await users.create({ name: 'bob', role: 'admin', password: 'correct horse battery' });
      const stored = JSON.parse(readFileSync(join(dir, 'auth', 'users.json'), 'utf8')) as Array<{ salt: string; scrypt: string }>;
      assert.notEqual(stored[0]!.scrypt, stored[1]!.scrypt, 'the same password hashes apart');
      assert.doesNotMatch(JSON.stringify(stored), /correct horse/);
      assert.equal((await users.verify('ada', 'correct horse battery'))?.role, 'reader');
      assert.equal(await users.verify('ada', 'correct horse batterY'), null);
      assert.equal(await users.verify('nobody', 'correct horse battery'), null);
      await assert.rejects(users.create({ name: 'ada', role: 'reader', password: 'another password' }), /exists/);
      await assert.rejects(users.create({ name: 'eve', role: 'ingest' as 'reader', password: 'another password' }), /ingest is for API keys/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
