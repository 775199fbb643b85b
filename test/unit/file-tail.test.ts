// The file tailer (src/sources/file-tail/tailer.ts) against real files in a temp directory:
// appends, partial lines, rotation, truncation, restarts, crashes, failing deliveries, volume.
import { spawn } from 'node:child_process';
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { appendFile, mkdtemp, readFile, rename, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileTailer, type TailDelivery, type TailOptions } from '../../src/sources/file-tail/tailer.ts';
import { LineQueue } from '../../src/sources/file-tail/line-queue.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Stops run before a test's temp directory goes. */
const stoppers = new WeakMap<TestContext, (() => Promise<void>)[]>();

async function tempDir(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'tributary-tail-'));
  stoppers.set(t, []);
  t.after(async () => {
    for (const stop of stoppers.get(t)!.reverse()) await stop();
    await rm(dir, { recursive: true, force: true });
  });
  return dir;
}

const lines = (prefix: string, from: number, to: number) =>
  Array.from({ length: to - from }, (_, i) => `${prefix}-${from + i}`);
const text = (list: string[]) => list.map((line) => `${line}\n`).join('');

async function until(what: string, condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

/** A tailer whose deliveries are recorded as strings; `fail` makes the next deliveries reject. */
function tailer(t: TestContext, dir: string, extra: Partial<TailOptions> = {}) {
  const got: string[] = [];
  const deliveries: TailDelivery[] = [];
  const errors: Error[] = [];
  const oversized: { path: string; bytes: number }[] = [];
  const control = { fail: 0, frozen: false, delayMs: 0, attempts: [] as string[][] };
  const tail = new FileTailer(
    { path: join(dir, 'app.log'), checkpointFile: join(dir, 'state', 'tail.json'), pollMs: 30, checkpointEveryMs: 50, ...extra },
    async (delivery) => {
      const batch = delivery.lines.map((line) => line.toString('utf8'));
      control.attempts.push(batch);
      if (control.delayMs > 0) await sleep(control.delayMs);
      if (control.frozen) throw new Error('frozen');
      if (control.fail > 0) {
        control.fail -= 1;
        throw new Error('downstream unavailable');
      }
      deliveries.push(delivery);
      got.push(...batch);
    },
    { onError: (error) => errors.push(error), onOversized: (path, bytes) => oversized.push({ path, bytes }) },
  );
  let stopped = false;
  const stop = async () => {
    if (!stopped) await tail.stop();
    stopped = true;
  };
  stoppers.get(t)!.push(stop);
  return { tail, got, deliveries, errors, oversized, control, stop };
}

for (const watch of [true, false]) test(`lines appended over time arrive in order, exactly once (watch: ${watch})`, async (t) => {
  const dir = await tempDir(t);
  const log = join(dir, 'app.log');
  await writeFile(log, text(lines('a', 0, 50)));
  const { tail, got, errors } = tailer(t, dir, { maxBatchLines: 7, watch });
  await tail.start();
  for (let round = 1; round < 6; round += 1) {
    await sleep(40);
    await appendFile(log, text(lines('a', round * 50, round * 50 + 50)));
  }
  await until('300 lines', () => got.length >= 300);
  await sleep(150);
  assert.deepEqual(got, lines('a', 0, 300));
  assert.equal(tail.pendingBytes, 0);
  assert.deepEqual(errors, []);
});

test('a partial line waits for its newline; \\r\\n endings are stripped', async (t) => {
  const dir = await tempDir(t);
  const log = join(dir, 'app.log');
  await writeFile(log, 'first\r\nsecond half');
  const { tail, got } = tailer(t, dir);
  await tail.start();
  await until('first line', () => got.length >= 1);
  await sleep(200);
  assert.deepEqual(got, ['first']);
  assert.equal(tail.pendingBytes, 'second half'.length);
  await appendFile(log, ' done\nthird');
  await until('second line', () => got.length >= 2);
  await sleep(100);
  assert.deepEqual(got, ['first', 'second half done']);
});

test('rotation by rename: rest of the old file, then the new one from 0', async (t) => {
  const dir = await tempDir(t);
  const log = join(dir, 'app.log');
  await writeFile(log, text(lines('old', 0, 100)));
  const { tail, got, errors } = tailer(t, dir);
  await tail.start();
  await until('first lines', () => got.length >= 100);
  // Right before the rename, more lines (the last one unterminated) go to the old file.
  await appendFile(log, text(lines('old', 100, 150)) + 'old-unterminated');
  await rename(log, `${log}.1`);
  await writeFile(log, text(lines('new', 0, 20)));
  await appendFile(log, text(lines('new', 20, 40)));
  await until('all lines', () => got.length >= 191);
  await sleep(150);
  assert.deepEqual(got, [...lines('old', 0, 150), 'old-unterminated', ...lines('new', 0, 40)]);
  assert.deepEqual(errors, []);
});

test('rotations in quick succession while busy lose no file', async (t) => {
  const dir = await tempDir(t);
  const log = join(dir, 'app.log');
  await writeFile(log, text(lines('r0', 0, 3000)));
  // Slow deliveries keep the tailer behind while the files rotate under it.
  const { tail, got, control } = tailer(t, dir, { maxBatchLines: 100, pollMs: 20 });
  control.delayMs = 5;
  await tail.start();
  const expected = lines('r0', 0, 3000);
  for (let r = 1; r <= 4; r += 1) {
    await sleep(60);
    await rename(log, `${log}.${r}`);
    await writeFile(log, text(lines(`r${r}`, 0, 500)));
    expected.push(...lines(`r${r}`, 0, 500));
  }
  await until('all lines', () => got.length >= expected.length, 10000);
  await sleep(100);
  assert.deepEqual(got, expected);
});

test('truncation (copytruncate) starts the file again from 0', async (t) => {
  const dir = await tempDir(t);
  const log = join(dir, 'app.log');
  await writeFile(log, text(lines('before', 0, 100)));
  const { tail, got } = tailer(t, dir);
  await tail.start();
  await until('first lines', () => got.length >= 100);
  await truncate(log, 0);
  await appendFile(log, text(lines('after', 0, 10)));
  await until('lines after truncation', () => got.length >= 110);
  await sleep(150);
  assert.deepEqual(got, [...lines('before', 0, 100), ...lines('after', 0, 10)]);
});

test('stop then start resumes from the checkpoint without re-delivering', async (t) => {
  const dir = await tempDir(t);
  const log = join(dir, 'app.log');
  await writeFile(log, text(lines('a', 0, 120)) + 'partial');
  const first = tailer(t, dir);
  await first.tail.start();
  await until('first lines', () => first.got.length >= 120);
  await first.stop();
  const checkpoint = JSON.parse(await readFile(join(dir, 'state', 'tail.json'), 'utf8'));
  assert.equal(checkpoint.offset, Buffer.byteLength(text(lines('a', 0, 120))));
  await appendFile(log, ' line\n' + text(lines('a', 120, 150)));
  const second = tailer(t, dir);
  await second.tail.start();
  await until('new lines', () => second.got.length >= 31);
  await sleep(150);
  assert.deepEqual(first.got, lines('a', 0, 120));
  assert.deepEqual(second.got, ['partial line', ...lines('a', 120, 150)]);
});

test('after a crash (no stop), a new tailer on the same checkpoint loses nothing', async (t) => {
  const dir = await tempDir(t);
  const log = join(dir, 'app.log');
  const all = lines('c', 0, 5000);
  const first = tailer(t, dir, { maxBatchLines: 50, checkpointEveryMs: 20 });
  await first.tail.start();
  let written = 0;
  const writer = (async () => {
    while (written < all.length) {
      await appendFile(log, text(all.slice(written, written + 250)));
      written += 250;
      await sleep(10);
    }
  })();
  await until('some lines', () => first.got.length >= 1500);
  // The "crash": the first tailer delivers nothing more and saves nothing more from here on.
  first.control.frozen = true;
  // a delivery or a save already under way when it froze lands first (a process killed then would have written it too)
  await sleep(150);
  const checkpoint = JSON.parse(await readFile(join(dir, 'state', 'tail.json'), 'utf8'));
  const content = await readFile(log);
  const resumeAt = content.subarray(0, checkpoint.offset).toString('utf8').split('\n').length - 1;
  assert.ok(resumeAt > 0 && resumeAt <= first.got.length, `checkpoint at line ${resumeAt}, delivered ${first.got.length}`);
  assert.equal(content[checkpoint.offset - 1], 0x0a, 'checkpoint on a line boundary');
  const delivered = first.got.length;

  const second = tailer(t, dir, { maxBatchLines: 50 });
  await second.tail.start();
  await writer;
  await until('the rest', () => second.got.length >= all.length - resumeAt);
  await sleep(100);
  assert.deepEqual(first.got, all.slice(0, delivered));
  assert.deepEqual(second.got, all.slice(resumeAt));
  await second.stop();
  first.control.frozen = false; // let the stopped-for-good tailer finish its in-flight retry quickly
});

test('rotation while stopped: rest of app.log.1, then the new app.log', async (t) => {
  const dir = await tempDir(t);
  const log = join(dir, 'app.log');
  await writeFile(log, text(lines('old', 0, 30)));
  const first = tailer(t, dir);
  await first.tail.start();
  await until('first lines', () => first.got.length >= 30);
  await first.stop();
  await appendFile(log, text(lines('old', 30, 60)));
  await rename(log, `${log}.1`);
  await writeFile(log, text(lines('new', 0, 25)));
  const second = tailer(t, dir);
  await second.tail.start();
  await until('rest', () => second.got.length >= 55);
  await sleep(150);
  assert.deepEqual(second.got, [...lines('old', 30, 60), ...lines('new', 0, 25)]);
  assert.deepEqual(second.deliveries[0]!.path, `${log}.1`);
  // And a later restart continues in the new file.
  await second.stop();
  await appendFile(log, text(lines('new', 25, 30)));
  const third = tailer(t, dir);
  await third.tail.start();
  await until('new lines', () => third.got.length >= 5);
  await sleep(100);
  assert.deepEqual(third.got, lines('new', 25, 30));
});

test('a different file at the path after a restart is read from 0', async (t) => {
  const dir = await tempDir(t);
  const log = join(dir, 'app.log');
  await writeFile(log, text(lines('x', 0, 40)));
  const first = tailer(t, dir);
  await first.tail.start();
  await until('lines', () => first.got.length >= 40);
  await first.stop();
  await rm(log);
  await writeFile(log, text(lines('y', 0, 50))); // may even reuse the inode: the fingerprint differs
  const second = tailer(t, dir);
  await second.tail.start();
  await until('lines', () => second.got.length >= 50);
  await sleep(100);
  assert.deepEqual(second.got, lines('y', 0, 50));
});

test('a rejecting deliver is retried with the same lines; nothing lost or repeated', async (t) => {
  const dir = await tempDir(t);
  const log = join(dir, 'app.log');
  await writeFile(log, text(lines('r', 0, 25)));
  const { tail, got, errors, control } = tailer(t, dir, { maxBatchLines: 10 });
  control.fail = 3;
  await tail.start();
  await until('all lines', () => got.length >= 25);
  await appendFile(log, text(lines('r', 25, 30)));
  await until('more lines', () => got.length >= 30);
  await sleep(100);
  assert.deepEqual(got, lines('r', 0, 30));
  assert.equal(errors.length, 3);
  assert.deepEqual(control.attempts.slice(0, 4), Array(4).fill(lines('r', 0, 10)));
});

test('a file created after start is read from 0', async (t) => {
  const dir = await tempDir(t);
  const log = join(dir, 'app.log');
  const { tail, got } = tailer(t, dir, { startAt: 'end' });
  await tail.start();
  await sleep(100);
  assert.equal(got.length, 0);
  await writeFile(log, text(lines('late', 0, 10)));
  await until('lines', () => got.length >= 10);
  await sleep(100);
  assert.deepEqual(got, lines('late', 0, 10));
});

test("startAt 'end' skips what is there, keeping a partial last line whole", async (t) => {
  const dir = await tempDir(t);
  const log = join(dir, 'app.log');
  await writeFile(log, text(lines('old', 0, 10)) + 'half');
  const { tail, got } = tailer(t, dir, { startAt: 'end' });
  await tail.start();
  await appendFile(log, ' line\nfresh\n');
  await until('lines', () => got.length >= 2);
  await sleep(100);
  assert.deepEqual(got, ['half line', 'fresh']);
});

test('over-long lines go to onOversized, the lines around them are delivered', async (t) => {
  const dir = await tempDir(t);
  const log = join(dir, 'app.log');
  const long = 'x'.repeat(500);
  await writeFile(log, `a\n${long}\nb\n${long}${long}`);
  // Reads smaller than the long lines: an over-long line also spans several reads.
  const { tail, got, oversized } = tailer(t, dir, { maxLineBytes: 100, readChunkBytes: 64 });
  await tail.start();
  await until('b', () => got.length >= 2);
  await appendFile(log, '\nc\n');
  await until('c', () => got.length >= 3);
  await sleep(100);
  assert.deepEqual(got, ['a', 'b', 'c']);
  assert.deepEqual(oversized, [{ path: log, bytes: 500 }, { path: log, bytes: 1000 }]);
});

test('100,000 lines written in bursts all arrive, in order', async (t) => {
  const dir = await tempDir(t);
  const log = join(dir, 'app.log');
  const { tail, got } = tailer(t, dir);
  await tail.start();
  const total = 100_000;
  const burst = 5000;
  const started = Date.now();
  for (let from = 0; from < total; from += burst) {
    const chunk = Array.from({ length: burst }, (_, i) => `{"seq":${from + i},"msg":"line number ${from + i} of the burst test"}`);
    await appendFile(log, text(chunk));
    await sleep(10);
  }
  await until('all lines', () => got.length >= total, 15000);
  const elapsed = Date.now() - started;
  await sleep(100);
  assert.equal(got.length, total);
  for (let i = 0; i < total; i += 1) {
    if (got[i] !== `{"seq":${i},"msg":"line number ${i} of the burst test"}`) assert.fail(`line ${i}: ${got[i]}`);
  }
  assert.ok(elapsed < 10_000, `took ${elapsed} ms`);
});

test('SIGKILL mid-stream: a restart from the checkpoint loses no line', async (t) => {
  const dir = await tempDir(t);
  const log = join(dir, 'app.log');
  const out = join(dir, 'delivered.txt');
  const checkpointFile = join(dir, 'state', 'tail.json');
  const tailerUrl = new URL('../../src/sources/file-tail/tailer.ts', import.meta.url).href;
  // The child "stores" each batch durably (append + fsync) before deliver resolves.
  const script = join(dir, 'child.mjs');
  await writeFile(script, `
    import { openSync, writeSync, fsyncSync } from 'node:fs';
    import { FileTailer } from ${JSON.stringify(tailerUrl)};
    const out = openSync(${JSON.stringify(out)}, 'a');
    const tail = new FileTailer({ path: ${JSON.stringify(log)}, checkpointFile: ${JSON.stringify(checkpointFile)}, pollMs: 20, checkpointEveryMs: 30, maxBatchLines: 100 },
      async ({ lines }) => { writeSync(out, lines.map((line) => line + '\\n').join('')); fsyncSync(out); });
    await tail.start();
  `);
  const all = lines('k', 0, 20_000);
  const child = spawn(process.execPath, [script], { stdio: ['ignore', 'ignore', 'inherit'] });
  const exited = new Promise((resolve) => child.on('exit', resolve));
  t.after(() => child.kill('SIGKILL'));
  let written = 0;
  const writer = (async () => {
    while (written < all.length) {
      await appendFile(log, text(all.slice(written, written + 500)));
      written += 500;
      await sleep(5);
    }
  })();
  const deliveredCount = async () => (await readFile(out, 'utf8').catch(() => '')).split('\n').length - 1;
  const deadline = Date.now() + 5000;
  while ((await deliveredCount()) < 3000 && Date.now() < deadline) await sleep(10);
  child.kill('SIGKILL');
  await exited;
  const before = (await readFile(out, 'utf8')).split('\n').slice(0, -1);
  assert.ok(before.length >= 3000, `child delivered ${before.length}`);
  const checkpoint = JSON.parse(await readFile(checkpointFile, 'utf8'));
  const resumeAt = (await readFile(log)).subarray(0, checkpoint.offset).toString('utf8').split('\n').length - 1;

  const { tail, got } = tailer(t, dir);
  await tail.start();
  await writer;
  await until('the rest', () => got.length >= all.length - resumeAt);
  await sleep(100);
  assert.deepEqual(before, all.slice(0, before.length));
  assert.ok(resumeAt <= before.length, `resumes at ${resumeAt} after ${before.length} delivered`);
  assert.deepEqual(got, all.slice(resumeAt));
});

test('a queue that never drains while catching up lets delivered lines go, and delivers every line in order', () => {
  const queue = new LineQueue(1024);
  let position = 0;
  let next = 0;
  let delivered = 0;
  let mostRetained = 0;
  for (let step = 0; step < 2000; step++) {
    // reads add 300 lines a step, deliveries take 250: the queue grows and never empties
    const text = Array.from({ length: 300 }, () => `line ${next++}\n`).join('');
    const data = Buffer.concat([queue.carry, Buffer.from(text)]);
    position += text.length;
    queue.add(data, queue.carry.length, position);
    const batch = queue.peek(250);
    assert.ok(batch?.kind === 'lines');
    for (const line of batch.lines) assert.equal(line.toString(), `line ${delivered++}`);
    queue.consume(batch.count);
    mostRetained = Math.max(mostRetained, queue.retained);
  }
  assert.equal(queue.length, 2000 * 50);
  // what waits (100k lines) is held, and at most about as much again of delivered ones, not all 500k
  assert.ok(mostRetained <= 2 * queue.length + 1024, `${mostRetained} lines held for ${queue.length} waiting`);
});
