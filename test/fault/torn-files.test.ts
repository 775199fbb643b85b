// Torn and damaged files found at start: a torn last write to the embedded log is cut and every
// acknowledged record is still there; damage followed by acknowledged records, or a damaged store
// file, stops the start with a message saying what happened and what to do. Never a silent loss.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, openSync, readdirSync, rmSync, writeSync, closeSync } from 'node:fs';
import path from 'node:path';
import { tempDir, startChild, tributary, getJson, postJson, waitFor, type ChildServer } from '../e2e/harness.ts';
import { allKeys, countCopies } from './ingest-load.ts';

const dirs: string[] = [];
let server: ChildServer | undefined;

after(async () => {
  await server?.kill('SIGKILL');
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** Three acknowledged requests of 50 records each, searchable, then the server SIGKILLed. */
async function acknowledgedThenKilled(name: string): Promise<{ dataDir: string; keys: string[] }> {
  const dataDir = tempDir(name);
  dirs.push(dataDir);
  server = await startChild(dataDir);
  const keys: string[] = [];
  for (let request = 0; request < 3; request++) {
    const batch = Array.from({ length: 50 }, (_, i) => `${name}-${request}-${i}`);
    const answer = await postJson(`${server.url}/api/v1/logs?stream=orders`, batch.map((u) => JSON.stringify({ u, message: `torn test ${u}` })).join('\n'), { 'content-type': 'application/x-ndjson' });
    assert.equal(answer.status, 202);
    keys.push(...batch);
  }
  const url = server.url;
  await waitFor(async () => ((await getJson(`${url}/api/v1/search?q=_exists_:u&limit=0`)).body.total === keys.length ? true : undefined), 30_000, 'the records searchable');
  await server.kill('SIGKILL');
  server = undefined;
  return { dataDir, keys };
}

/** The newest segment file of a partition of the stream's topic. */
function lastSegment(dataDir: string, partition: number): string {
  const dir = path.join(dataDir, 'log', 'orders', String(partition));
  const files = readdirSync(dir).filter((file) => file.endsWith('.log')).sort();
  return path.join(dir, files.at(-1)!);
}

function overwrite(file: string, at: number, bytes: Buffer): void {
  const fd = openSync(file, 'r+');
  writeSync(fd, bytes, 0, bytes.length, at);
  closeSync(fd);
}

describe('torn and damaged files found at start', () => {
  it('cuts a torn last write and keeps every acknowledged record', async () => {
    const { dataDir, keys } = await acknowledgedThenKilled('torn');
    // what a crash in the middle of a write leaves: the start of a batch header, then nothing
    appendFileSync(lastSegment(dataDir, 0), Buffer.concat([Buffer.from('TRB1'), Buffer.from([1, 0, 0, 0]), Buffer.alloc(20, 7)]));
    server = await startChild(dataDir);
    assert.match(server.output(), /log recovery: .*partial batch header.*cutting 28 bytes/);
    const seen = countCopies(await allKeys(server.url));
    assert.deepEqual(keys.filter((key) => seen.get(key) !== 1), [], 'every acknowledged record once');
    assert.equal((await postJson(`${server.url}/api/v1/logs?stream=orders`, JSON.stringify({ u: 'after', message: 'after recovery' }))).status, 202);
    await server.kill();
    server = undefined;
  });

  it('refuses to start when acknowledged records follow the damage, naming the file and what to do', async () => {
    const { dataDir } = await acknowledgedThenKilled('damaged');
    const file = lastSegment(dataDir, 0);
    overwrite(file, 60, Buffer.from('flipped'));
    const run = await tributary(['start', '--port', '0', '--data-dir', dataDir]);
    assert.equal(run.code, 1, run.stdout);
    assert.match(run.stderr, new RegExp(`${path.basename(file)} is damaged at byte 0 \\(CRC mismatch`));
    assert.match(run.stderr, /intact records follow it .* the log will not cut them/);
    assert.match(run.stderr, /restore the data dir from a backup, or cut the file at the damage \(truncate -s 0 /);
  });

  it('refuses to start on a damaged store file, naming it and what to do', async () => {
    const { dataDir, keys } = await acknowledgedThenKilled('store');
    // a clean stop first, so the records are in the store file itself, not only its WAL
    server = await startChild(dataDir);
    await waitFor(async () => ((await getJson(`${server!.url}/api/v1/search?q=_exists_:u&limit=0`)).body.total === keys.length ? true : undefined), 30_000, 'the records');
    await server.kill('SIGTERM');
    server = undefined;
    overwrite(path.join(dataDir, 'store', 'records.duckdb'), 8192, Buffer.alloc(4096, 0x41));
    const run = await tributary(['start', '--port', '0', '--data-dir', dataDir]);
    assert.equal(run.code, 1, run.stdout);
    assert.match(run.stderr, /the embedded store in .*store is damaged \(.*(checksum|Corrupt)/i);
    assert.match(run.stderr, /restore it from a backup, or move .* aside and start again/);
  });
});
