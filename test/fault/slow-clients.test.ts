// Slow and idle clients (slowloris): hundreds of connections that send their headers, or their
// body, a byte at a time never finish a request. The server answers everyone else meanwhile, and
// drops each of them once ingest.requestTimeoutMs has passed (2 s here; 60 s by default).
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { getJson, postJson, startChild, tempDir, waitFor, type ChildServer } from '../e2e/harness.ts';

const SLOW_CLIENTS = 300;
const TIMEOUT_MS = 2_000;

interface Slow {
  socket: Socket;
  closedAt?: number;
  answer: string;
}

/** A client that sends a request's start and then one byte every 300 ms, never finishing. */
function slowClient(url: URL, part: 'headers' | 'body'): Slow {
  const socket = connect(Number(url.port), url.hostname);
  const slow: Slow = { socket, answer: '' };
  const start = part === 'headers'
    ? 'POST /api/v1/logs HTTP/1.1\r\nHost: x\r\nX-Slow: '
    : 'POST /api/v1/logs HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-ndjson\r\nContent-Length: 100000\r\n\r\n{"message":"';
  socket.on('connect', () => socket.write(start));
  const drip = setInterval(() => { if (!socket.destroyed) socket.write('a'); }, 300);
  socket.on('data', (chunk) => { slow.answer += chunk.toString(); });
  socket.on('error', () => undefined);
  socket.on('close', () => {
    clearInterval(drip);
    slow.closedAt = Date.now();
  });
  return slow;
}

describe('slow clients', () => {
  const dir = tempDir('slow-clients');
  let server: ChildServer | undefined;
  after(async () => {
    await server?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it(`drops ${SLOW_CLIENTS} connections that never finish a request, and answers everyone else meanwhile`, { timeout: 60_000 }, async () => {
    writeFileSync(join(dir, 'tributary.yaml'), `ingest:\n  requestTimeoutMs: ${TIMEOUT_MS}\n`);
    mkdirSync(join(dir, 'data'), { recursive: true });
    server = await startChild(join(dir, 'data'), ['--config', join(dir, 'tributary.yaml')]);
    const url = new URL(server.url);
    const opened = Date.now();
    const slow = Array.from({ length: SLOW_CLIENTS }, (_, i) => slowClient(url, i % 2 ? 'headers' : 'body'));
    await new Promise((resolve) => setTimeout(resolve, 500));
    // while they hold their connections, others are served
    const health = await getJson(`${server.url}/healthz`);
    assert.equal(health.status, 200);
    assert.equal((await postJson(`${server.url}/api/v1/logs?stream=fine`, '{"message":"a patient client"}', { 'content-type': 'application/json' })).status, 202);
    // every slow one is dropped: within the timeout and the check interval (a quarter of it), with margin
    await waitFor(async () => (slow.every((client) => client.closedAt !== undefined) ? true : undefined), 15_000, 'every slow connection closed');
    const longest = Math.max(...slow.map((client) => client.closedAt! - opened));
    assert.ok(longest < TIMEOUT_MS * 3, `the last slow connection was closed after ${longest} ms`);
    assert.ok(slow.every((client) => client.answer === '' || client.answer.startsWith('HTTP/1.1 408')), 'answered 408 or closed');
    assert.ok(slow.some((client) => client.answer.startsWith('HTTP/1.1 408')), 'slow requests are told 408');
    // and the server is healthy after, the patient client's record stored
    assert.equal((await getJson(`${server.url}/healthz`)).status, 200);
    await waitFor(async () => ((await getJson(`${server!.url}/api/v1/search?stream=fine&limit=0`)).body.total === 1 ? true : undefined), 10_000, 'the record');
  });
});
