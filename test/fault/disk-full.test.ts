// Disk full: the data dir on a small tmpfs fills up while clients ingest. Ingest refuses with 503
// and a message naming the full disk (never a 500, never a crash); when the filesystem grows,
// ingest and indexing resume by themselves; every acknowledged record is searchable exactly once,
// also after a restart on the same files. Needs root (to mount); under CI=true it must run.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { tempDir, startChild, getJson, waitFor, type ChildServer } from '../e2e/harness.ts';
import { ingestUntilStopped, allKeys, countCopies } from './ingest-load.ts';

function mountable(): string | false {
  if (process.getuid?.() === 0) return false;
  const reason = 'mounting a small tmpfs needs root';
  if (process.env.CI === 'true') throw new Error(`${reason} — CI=true must run the disk-full test`);
  return reason;
}

const skip = mountable();

describe('the data dir\'s disk fills up during ingest', { skip }, () => {
  const mountPoint = tempDir('disk-full');
  let server: ChildServer | undefined;
  let mounted = false;

  after(async () => {
    await server?.kill();
    if (mounted) execFileSync('umount', [mountPoint]);
    rmSync(mountPoint, { recursive: true, force: true });
  });

  it('refuses cleanly while full, resumes by itself when space returns, and keeps every acknowledged record once', async () => {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=32m', 'tmpfs', mountPoint]);
    mounted = true;
    const dataDir = path.join(mountPoint, 'data');
    mkdirSync(dataDir);
    server = await startChild(dataDir);
    // records of some size, so the store's writes fail too, not only the log's
    const load = ingestUntilStopped(server.url, 'full', 'orders', { padding: 300 });

    await waitFor(async () => ((load.statuses.get(503) ?? 0) > 5 ? true : undefined), 120_000, 'ingest refused once the disk is full');
    // a record of its own, sent until refused (the log may take one more while it still has room)
    const answer = await waitFor(async () => {
      const response = await fetch(`${server!.url}/api/v1/logs?stream=orders`, { method: 'POST', body: JSON.stringify({ message: 'x'.repeat(4000) }), headers: { 'content-type': 'application/json' } });
      return response.status === 503 ? await response.json() as { error: { code: string; message: string } } : undefined;
    }, 30_000, 'a refusal naming the full disk');
    assert.equal(answer.error.code, 'disk_full');
    assert.match(answer.error.message, /disk is full.*free space/);
    assert.equal((await getJson(`${server.url}/healthz`)).status, 200, 'the server is up');
    // the store's commits fail too, and are retried, while the disk stays full
    await waitFor(async () => (/Failed to commit/.test(server!.output()) ? true : undefined), 30_000, 'a store write failing on the full disk');
    await new Promise((resolve) => setTimeout(resolve, 3000));

    execFileSync('mount', ['-o', 'remount,size=256m', mountPoint]);
    const refusedBefore = load.statuses.get(503)!;
    const acceptedBefore = load.statuses.get(202) ?? 0;
    await waitFor(async () => ((load.statuses.get(202) ?? 0) > acceptedBefore + 20 ? true : undefined), 60_000, 'ingest accepted again once space returned');
    const acked = await load.stop();
    // 429: the indexer, unable to write, held ingest back (backpressure); 503: the log could not write
    assert.deepEqual([...load.statuses.keys()].filter((status) => ![202, 429, 503].includes(status)), [], `only 202, 429 and 503: ${JSON.stringify([...load.statuses])}`);
    console.log(`# ${acked.size} acknowledged; ${refusedBefore} requests refused while full`);

    const check = async (url: string, when: string) => {
      await waitFor(async () => ((await getJson(`${url}/api/v1/search?q=_exists_:u&limit=0`)).body.total >= acked.size ? true : undefined), 60_000, `${acked.size} records (${when})`);
      const seen = countCopies(await allKeys(url));
      assert.deepEqual([...seen].filter(([, n]) => n > 1).slice(0, 5), [], `no record twice (${when})`);
      const lost = [...acked].filter((key) => !seen.has(key));
      assert.deepEqual(lost.slice(0, 5), [], `${lost.length} acknowledged records lost (${when})`);
    };
    await check(server.url, 'after space returned');
    await server.kill();
    server = await startChild(dataDir);
    await check(server.url, 'after a restart on the same files');
  });
});
