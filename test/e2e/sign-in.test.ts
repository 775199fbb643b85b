// Users as a person meets them: made with `tributary users create` (the password piped, never a
// flag), signing in sets an HttpOnly SameSite cookie, the cookie reads as its role allows, a change
// made with it needs the session's CSRF token, signing out or a new password ends it, guessing is
// slowed to 429, every sign-in is audited, and the explorer's page signs in in a real browser.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { NODE, ROOT, startChild, tempDir, waitFor, type ChildServer } from './harness.ts';
import { launchBrowser, screenshot, skipWithoutChromium } from '../support/browser.ts';

const BIN = path.join(ROOT, 'bin', 'tributary.js');

function users(dataDir: string, args: string[], password?: string): { code: number; stdout: string; stderr: string } {
  const run = spawnSync(NODE, [BIN, 'users', ...args, '--data-dir', dataDir], { input: password === undefined ? '' : `${password}\n`, encoding: 'utf8' });
  return { code: run.status ?? -1, stdout: run.stdout, stderr: run.stderr };
}

interface Answer {
  status: number;
  body: any;
  headers: Headers;
}

async function call(url: string, init: { method?: string; cookie?: string; csrf?: string; body?: unknown } = {}): Promise<Answer> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (init.cookie) headers.cookie = init.cookie;
  if (init.csrf) headers['x-csrf-token'] = init.csrf;
  const response = await fetch(url, { method: init.method ?? 'GET', headers, body: init.body === undefined ? undefined : JSON.stringify(init.body) });
  const text = await response.text();
  return { status: response.status, body: text.startsWith('{') ? JSON.parse(text) : text, headers: response.headers };
}

async function signIn(url: string, username: string, password: string): Promise<{ answer: Answer; cookie: string; csrf: string }> {
  const answer = await call(`${url}/api/v1/session`, { method: 'POST', body: { username, password } });
  const setCookie = answer.headers.get('set-cookie') ?? '';
  return { answer, cookie: setCookie.split(';')[0]!, csrf: answer.body?.csrfToken };
}

describe('users who sign in', () => {
  const dataDir = tempDir('sign-in');
  let server: ChildServer;

  before(async () => {
    assert.equal(users(dataDir, ['create', '--name', 'ada', '--role', 'reader'], 'correct horse battery').code, 0);
    assert.equal(users(dataDir, ['create', '--name', 'root', '--role', 'admin'], 'staple staple staple').code, 0);
    server = await startChild(dataDir, ['--auth', 'on']);
  });
  after(async () => {
    await server?.kill();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('refuses a short password and lists users without their hashes', () => {
    const short = users(dataDir, ['create', '--name', 'bob'], 'short');
    assert.equal(short.code, 1);
    assert.match(short.stderr, /at least 10 characters/);
    const listed = users(dataDir, ['list']);
    assert.match(listed.stdout, /ada\s+reader/);
    assert.match(listed.stdout, /root\s+admin/);
    assert.doesNotMatch(listed.stdout, /scrypt|salt/);
  });

  it('signs in with the right password only, into an HttpOnly SameSite cookie that reads as the role allows', async () => {
    assert.equal((await signIn(server.url, 'ada', 'wrong password!')).answer.status, 401);
    assert.equal((await signIn(server.url, 'nobody', 'correct horse battery')).answer.status, 401);
    const { answer, cookie, csrf } = await signIn(server.url, 'ada', 'correct horse battery');
    assert.equal(answer.status, 200);
    assert.deepEqual([answer.body.user, answer.body.role], ['ada', 'reader']);
    const setCookie = answer.headers.get('set-cookie')!;
    assert.match(setCookie, /HttpOnly/i);
    assert.match(setCookie, /SameSite=Strict/i);
    assert.equal((await call(`${server.url}/api/v1/session`, { cookie })).body.user, 'ada');
    assert.equal((await call(`${server.url}/api/v1/search?q=*`, { cookie })).status, 200);
    assert.equal((await call(`${server.url}/api/v1/search?q=*`)).status, 401, 'not without the cookie');
    const write = await call(`${server.url}/api/v1/topics`, { method: 'POST', cookie, csrf, body: { name: 'by-ada', partitions: 1 } });
    assert.equal(write.status, 403, 'a reader cannot administer');
    assert.match(write.body.error.message, /user ada has role reader/);
  });

  it('takes a change made with a session cookie only with its CSRF token', async () => {
    const { cookie, csrf } = await signIn(server.url, 'root', 'staple staple staple');
    const without = await call(`${server.url}/api/v1/topics`, { method: 'POST', cookie, body: { name: 'by-root', partitions: 1 } });
    assert.equal(without.status, 403);
    assert.equal(without.body.error.code, 'csrf');
    const forged = await call(`${server.url}/api/v1/topics`, { method: 'POST', cookie, csrf: 'x'.repeat(csrf.length), body: { name: 'by-root', partitions: 1 } });
    assert.equal(forged.status, 403);
    const made = await call(`${server.url}/api/v1/topics`, { method: 'POST', cookie, csrf, body: { name: 'by-root', partitions: 1 } });
    assert.ok(made.status < 300, JSON.stringify(made.body));
  });

  it('ends a session when its user signs out, gets a new password or is removed', async () => {
    const first = await signIn(server.url, 'ada', 'correct horse battery');
    assert.equal((await call(`${server.url}/api/v1/session`, { method: 'DELETE', cookie: first.cookie, csrf: first.csrf })).status, 200);
    assert.equal((await call(`${server.url}/api/v1/search?q=*`, { cookie: first.cookie })).status, 401);

    const second = await signIn(server.url, 'ada', 'correct horse battery');
    assert.equal(users(dataDir, ['password', 'ada'], 'a brand new password').code, 0);
    assert.equal((await call(`${server.url}/api/v1/search?q=*`, { cookie: second.cookie })).status, 401, 'a new password ends older sessions');
    assert.equal((await signIn(server.url, 'ada', 'a brand new password')).answer.status, 200);

    assert.equal(users(dataDir, ['create', '--name', 'temp', '--role', 'reader'], 'temporary password').code, 0);
    const temp = await signIn(server.url, 'temp', 'temporary password');
    assert.equal(users(dataDir, ['remove', 'temp']).code, 0);
    assert.equal((await call(`${server.url}/api/v1/search?q=*`, { cookie: temp.cookie })).status, 401);
  });

  it('slows guessing: past 5 failed tries even the right password waits, with Retry-After', async () => {
    assert.equal(users(dataDir, ['create', '--name', 'eve-target', '--role', 'reader'], 'the real password').code, 0);
    for (let i = 0; i < 5; i++) assert.equal((await signIn(server.url, 'eve-target', `guess ${i} guess`)).answer.status, 401);
    const limited = await signIn(server.url, 'eve-target', 'the real password');
    assert.equal(limited.answer.status, 429);
    assert.ok(Number(limited.answer.headers.get('retry-after')) > 0);
  });

  it('writes every sign-in, failed or not, to the _audit stream', async () => {
    const { cookie } = await signIn(server.url, 'root', 'staple staple staple');
    const audited = await waitFor(async () => {
      const found = await call(`${server.url}/api/v1/search?${new URLSearchParams({ q: 'path:"/api/v1/session"', stream: '_audit', limit: '100' })}`, { cookie });
      const outcomes = new Set((found.body.hits ?? []).map((hit: { record: { outcome: number; user: string } }) => `${hit.record.user}:${hit.record.outcome}`));
      return ['ada:200', 'ada:401', 'nobody:401', 'eve-target:429', 'root:200'].every((o) => outcomes.has(o)) ? outcomes : undefined;
    }, 10_000, 'sign-ins in _audit');
    assert.ok(audited.size >= 5);
  });

  it('signs in from the explorer in a real browser and shows who is signed in', { skip: skipWithoutChromium() }, async () => {
    const browser = await launchBrowser();
    try {
      const page = await browser.newPage({ viewport: { width: 1400, height: 860 } });
      await page.goto(server.url);
      await page.locator('form.sign-in input[name=username]').waitFor({ timeout: 15_000 });
      await page.fill('form.sign-in input[name=username]', 'root');
      await page.fill('form.sign-in input[name=password]', 'not it at all');
      await page.click('form.sign-in button[type=submit]');
      await page.getByRole('alert').filter({ hasText: 'wrong user name or password' }).waitFor();
      await page.fill('form.sign-in input[name=password]', 'staple staple staple');
      await page.click('form.sign-in button[type=submit]');
      await page.locator('.signed-in').filter({ hasText: 'root (admin)' }).waitFor({ timeout: 15_000 });
      const cookies = await page.context().cookies();
      assert.ok(cookies.some((c) => c.name === 'trb_session' && c.httpOnly && c.sameSite === 'Strict'));
      await screenshot(page, 'signed-in');
      await page.click('.signed-in button');
      await page.locator('form.sign-in').waitFor({ timeout: 15_000 });
    } finally {
      await browser.close();
    }
  });
});
