// The data-dir lock with real processes and real files: a lock left by a dead holder is taken over
// whatever PID it names (this process's own after a container restart, a live unrelated process's
// after PID reuse, a killed holder's that is still a zombie), and a live holder still blocks.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { lstat, mkdir, mkdtemp, readdir, readFile, rename, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { acquireDirLock, LOCK_FILE } from '../../src/log/embedded/dir-lock.ts';
import { LogError } from '../../src/log/log.ts';

const onLinux = existsSync('/proc/self/stat');
const tempDirs: string[] = [];
const started: ChildProcess[] = [];

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'tributary-lock-'));
  tempDirs.push(dir);
  return dir;
}

after(async () => {
  for (const child of started) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const dir of tempDirs) await rm(dir, { recursive: true, force: true });
});

// A process that takes the lock with acquireDirLock and prints "held <pid>" (or "locked <message>");
// with LOCK_WAIT_GO it first waits for a "go" line. A "release" line releases it ("released"), the
// end of stdin ends it; with LOCK_STAY it ignores stdin and runs until killed.
const holderCode = `
import { createInterface } from 'node:readline';
const { acquireDirLock } = await import(${JSON.stringify(new URL('../../src/log/embedded/dir-lock.ts', import.meta.url).href)});
const lines = createInterface({ input: process.stdin });
const commands = lines[Symbol.asyncIterator]();
setInterval(() => {}, 1 << 30);
if (process.env.LOCK_WAIT_GO) await commands.next();
let release;
try {
  release = await acquireDirLock(process.env.LOCK_DIR);
  console.log('held ' + process.pid);
} catch (error) {
  console.log('locked ' + error.message);
}
if (!process.env.LOCK_STAY) {
  for await (const line of { [Symbol.asyncIterator]: () => commands }) {
    if (line === 'release' && release) { await release(); console.log('released'); }
  }
  // the interval above (and a held lock's socket) keep the process alive: the end of stdin ends it
  process.exit(0);
}
`;

interface Holder {
  child: ChildProcess;
  lines: string[];
  /** The first output line starting with one of the prefixes. */
  line(...prefixes: string[]): Promise<string>;
  exited: Promise<unknown>;
}

function watch(child: ChildProcess): Holder {
  started.push(child);
  const lines: string[] = [];
  let pending = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    pending += chunk.toString();
    const parts = pending.split('\n');
    pending = parts.pop()!;
    lines.push(...parts);
  });
  const exited = new Promise((resolve) => child.on('exit', resolve));
  return {
    child,
    lines,
    exited,
    line: async (...prefixes) => {
      const deadline = Date.now() + 20_000;
      for (;;) {
        const found = lines.find((l) => prefixes.some((p) => l.startsWith(p)));
        if (found !== undefined) return found;
        if (Date.now() > deadline) throw new Error(`no line starting with ${prefixes.join('|')}; got ${JSON.stringify(lines)}`);
        await sleep(10);
      }
    },
  };
}

function startHolder(dir: string, env: Record<string, string> = {}): Holder {
  return watch(
    spawn(process.execPath, ['--input-type=module', '-e', holderCode], {
      env: { ...process.env, LOCK_DIR: dir, ...env },
      stdio: ['pipe', 'pipe', 'inherit'],
    }),
  );
}

/** A holder killed with SIGKILL: what it leaves (its `.lock`, and its lock socket if any) stays in dir. */
async function lockOfKilledHolder(dir: string): Promise<{ pid: number; socket: string | undefined }> {
  const holder = startHolder(dir);
  const pid = Number((await holder.line('held')).split(' ')[1]);
  holder.child.kill('SIGKILL');
  await holder.exited;
  assert.match(await readFile(join(dir, LOCK_FILE), 'utf8'), new RegExp(`^${pid}\n`));
  return { pid, socket: (await readdir(dir)).find((name) => name.startsWith(`${LOCK_FILE}.`)) };
}

/** Rewrites a dead holder's lock as if that holder had had PID `pid`, at an earlier time. */
async function relabel(dir: string, socket: string | undefined, pid: number): Promise<void> {
  const renamed = socket?.replace(/^\.lock\.\d+\./, `.lock.${pid}.`);
  if (socket && renamed) await rename(join(dir, socket), join(dir, renamed));
  const identity = { pid, host: 'earlier', state: 'held', since: '2020-01-01T00:00:00.000Z', socket: renamed };
  await writeFile(join(dir, LOCK_FILE), `${pid}\n${JSON.stringify(identity)}\n`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** State letter and parent PID from /proc/PID/stat. */
function procStat(pid: number): { state: string; ppid: number } {
  const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const [state, ppid] = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { state: state!, ppid: Number(ppid) };
}

async function assertTakenOver(dir: string): Promise<void> {
  const release = await acquireDirLock(dir);
  try {
    const [pidLine, identity] = (await readFile(join(dir, LOCK_FILE), 'utf8')).split('\n');
    assert.equal(Number(pidLine), process.pid);
    assert.notEqual(JSON.parse(identity!).since, '2020-01-01T00:00:00.000Z', '`.lock` now describes this holder');
  } finally {
    await release();
  }
  assert.ok(!existsSync(join(dir, LOCK_FILE)), 'release removes `.lock`');
}

const locked = (dir: string, pattern: RegExp) => (error: unknown) => {
  assert.ok(error instanceof LogError && error.code === 'LOCKED', String(error));
  assert.ok(error.message.includes(`log data dir ${dir} is in use by`), error.message);
  assert.match(error.message, pattern);
  assert.match(error.message, /stop it or use another dir/);
  return true;
};

describe('data dir lock', () => {
  it('(a) takes over a lock naming this process own PID, left by an earlier incarnation (container restart)', async () => {
    const dir = await tempDir();
    const { socket } = await lockOfKilledHolder(dir);
    await relabel(dir, socket, process.pid);
    await assertTakenOver(dir);
  });

  it('(b) takes over a lock naming a live unrelated process (PID reuse)', async () => {
    const dir = await tempDir();
    const { socket } = await lockOfKilledHolder(dir);
    const unrelated = spawn('sleep', ['30'], { stdio: 'ignore' });
    started.push(unrelated);
    try {
      await relabel(dir, socket, unrelated.pid!);
      assert.ok(isAlive(unrelated.pid!));
      await assertTakenOver(dir);
      assert.ok(isAlive(unrelated.pid!), 'the unrelated process is left alone');
    } finally {
      unrelated.kill('SIGKILL');
    }
  });

  it('(c) takes the lock right after its holder is SIGKILLed, while the holder is still an unreaped zombie', { skip: !onLinux && 'needs /proc' }, async () => {
    const dir = await tempDir();
    // the holder runs under `sleep`, which never reaps it: once killed it stays a zombie
    const shell = watch(
      spawn('sh', ['-c', `"${process.execPath}" --input-type=module -e "$HOLDER_CODE" & exec sleep 60`], {
        env: { ...process.env, LOCK_DIR: dir, LOCK_STAY: '1', HOLDER_CODE: holderCode },
        stdio: ['ignore', 'pipe', 'inherit'],
      }),
    );
    let pid = 0;
    try {
      pid = Number((await shell.line('held')).split(' ')[1]);
      assert.equal(procStat(pid).ppid, shell.child.pid, 'the holder is a child of sleep, not of this process');
      await assert.rejects(acquireDirLock(dir), locked(dir, new RegExp(`process ${pid}\\b`)));
      process.kill(pid, 'SIGKILL');
      const deadline = Date.now() + 10_000;
      while (procStat(pid).state !== 'Z') {
        assert.ok(Date.now() < deadline, 'the killed holder becomes a zombie');
        await sleep(5);
      }
      assert.ok(isAlive(pid), 'kill(pid, 0) still succeeds on the zombie');
      const release = await acquireDirLock(dir);
      assert.equal(procStat(pid).state, 'Z', 'the lock was taken while the holder was not yet reaped');
      await release();
    } finally {
      if (pid && isAlive(pid)) process.kill(pid, 'SIGKILL');
      shell.child.kill('SIGKILL');
      await shell.exited;
    }
  });

  it('(d) a live holder in another process blocks, named in the message, until it releases', async () => {
    const dir = await tempDir();
    const holder = startHolder(dir);
    const pid = Number((await holder.line('held')).split(' ')[1]);
    await assert.rejects(acquireDirLock(dir), locked(dir, new RegExp(`process ${pid}\\b`)));
    // also through the embedded log, as a second Tributary would open it
    const { openEmbeddedLog } = await import('../../src/log/embedded/index.ts');
    await assert.rejects(openEmbeddedLog(dir, { retentionCheckIntervalMs: 0 }), locked(dir, new RegExp(`process ${pid}\\b`)));
    holder.child.stdin!.write('release\n');
    await holder.line('released');
    await assertTakenOver(dir);
    holder.child.stdin!.end();
    await holder.exited;
  });

  it('lets exactly one of several processes starting at the same moment take the dir', async () => {
    const dir = await tempDir();
    const racers = Array.from({ length: 3 }, () => startHolder(dir, { LOCK_WAIT_GO: '1' }));
    await sleep(1500); // let them all load the module, then start them together
    for (const racer of racers) racer.child.stdin!.write('go\n');
    const outcomes = await Promise.all(racers.map((racer) => racer.line('held', 'locked')));
    assert.equal(outcomes.filter((line) => line.startsWith('held')).length, 1, outcomes.join('\n'));
    for (const line of outcomes) if (line.startsWith('locked')) assert.match(line, new RegExp(`log data dir ${dir} is in use by process \\d+`));
    for (const racer of racers) racer.child.stdin!.end();
    await Promise.all(racers.map((racer) => racer.exited));
  });

  it('works in a dir whose path is too long for a Unix socket address', { skip: !onLinux && 'needs /proc' }, async () => {
    const dir = join(await tempDir(), 'd'.repeat(60), 'e'.repeat(60));
    await mkdir(dir, { recursive: true });
    const holder = startHolder(dir);
    const pid = Number((await holder.line('held')).split(' ')[1]);
    await assert.rejects(acquireDirLock(dir), locked(dir, new RegExp(`process ${pid} on host \\S+ \\(holding it since \\d{4}-`)));
    holder.child.kill('SIGKILL');
    await holder.exited;
    const release = await acquireDirLock(dir);
    await release();
  });

  it('refuses a second open in this process, also when both start together, and removes old dead sockets', async () => {
    const dir = await tempDir();
    const { socket } = await lockOfKilledHolder(dir);
    assert.ok(socket && (await lstat(join(dir, socket))).isSocket(), 'the killed holder left its lock socket');
    const minuteAgo = new Date(Date.now() - 60_000);
    await utimes(join(dir, socket), minuteAgo, minuteAgo);
    const outcomes = await Promise.allSettled([acquireDirLock(dir), acquireDirLock(dir)]);
    const won = outcomes.filter((o) => o.status === 'fulfilled');
    const refused = outcomes.filter((o) => o.status === 'rejected');
    assert.equal(won.length, 1);
    assert.equal(refused.length, 1);
    assert.match((refused[0] as PromiseRejectedResult).reason.message, new RegExp(`log data dir ${dir} is in use by this process \\(opened twice\\)`));
    assert.ok(!existsSync(join(dir, socket)), 'the dead holder socket, a minute old, was removed');
    const release = (won[0] as PromiseFulfilledResult<() => Promise<void>>).value;
    await release();
    await release(); // twice is harmless
    assert.deepEqual((await readdir(dir)).filter((name) => name.startsWith(LOCK_FILE)), [], 'release leaves no lock files');
    await (await acquireDirLock(dir))();
  });
});
