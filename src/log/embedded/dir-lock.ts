import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { lstat, open, readdir, realpath, rm, writeFile } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import type { Server } from 'node:net';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { LogError } from '../log.ts';

// The data-dir lock is a listening Unix socket inside the dir, `.lock.<pid>.<random>`. The kernel
// closes it when its process exits (whatever its PID, whoever reuses that PID later, and whether or
// not the dead process has been reaped yet), and a connect to it is then refused: "a lock socket
// accepts" is the test of a live holder. It holds across containers sharing the volume (one kernel,
// one socket inode), where PIDs mean nothing, and needs no lock file to be removed by hand.
//
// Every starter binds a socket of its own, under a fresh name, so no name is ever contended and a
// dead holder's socket never has to be removed before the dir can be taken. Then it lists the dir
// and connects to every other lock socket; each answers one line, its owner's identity and whether
// it holds the dir or is still starting. Any holder: refused, naming it. Other starters (racing at
// the same moment): the first name in order waits, the others give way. Of two starters the one
// that lists second sees the first, which was listening before it listed, so at most one wins.
//
// `.lock` holds the holder's PID and identity for people and for older Tributary versions (which
// refuse to start while that PID is alive); it is never read to decide anything.

export const LOCK_FILE = '.lock';
const SOCKET_PREFIX = '.lock.';
/** Unix socket addresses hold 108 bytes on Linux, 104 on macOS, the terminating NUL included. */
const MAX_SOCKET_PATH = 100;
/** A socket that refuses connections and is older than this is a dead holder's: its file is removed. */
const STALE_SOCKET_MS = 5_000;
/** How long a starter waits for a holder's answer, and for another starter racing it to give way. */
const PROBE_TIMEOUT_MS = 2_000;
const RACE_TIMEOUT_MS = 5_000;

interface Identity {
  pid: number;
  host: string;
  /** 'starting' while the socket's owner is still checking for other holders. */
  state: 'starting' | 'held';
  since: string;
}

interface Peer {
  name: string;
  /**
   * What the peer answered; null when it accepted but did not answer in time (a holder, busy);
   * 'closing' when it accepted and then closed without answering: its process is exiting (a
   * multi-threaded process shows as a zombie while its last threads still hold its sockets).
   */
  identity: Identity | null | 'closing';
}

/** Dirs (real paths) this process holds, so a second open in-process is refused by name. */
const heldDirs = new Set<string>();

/** Takes the data dir for this process until the returned release is called (or the process dies). */
export async function acquireDirLock(dir: string): Promise<() => Promise<void>> {
  const key = await realpath(dir);
  if (heldDirs.has(key)) {
    throw new LogError('LOCKED', `log data dir ${dir} is in use by this process (opened twice); close the log that has it open first, or use another dir`);
  }
  heldDirs.add(key);
  try {
    const release = process.platform === 'win32' ? await acquirePipeLock(dir, key) : await acquireSocketLock(dir);
    let released: Promise<void> | null = null;
    return () => (released ??= release().finally(() => heldDirs.delete(key)));
  } catch (error) {
    heldDirs.delete(key);
    throw error;
  }
}

async function acquireSocketLock(dir: string): Promise<() => Promise<void>> {
  const identity: Identity = { pid: process.pid, host: hostname(), state: 'starting', since: new Date().toISOString() };
  const aliased = await SocketDir.open(dir);
  try {
    const { name, server } = await listenOnNewSocket(aliased, identity);
    const socketPath = join(dir, name);
    try {
      const stale = await waitForSoleHolder(aliased, name);
      identity.state = 'held';
      identity.since = new Date().toISOString();
      await writeFile(join(dir, LOCK_FILE), `${process.pid}\n${JSON.stringify({ ...identity, socket: name })}\n`);
      await removeStaleSockets(dir, stale);
    } catch (error) {
      await rm(socketPath, { force: true });
      await closeServer(server);
      throw error;
    }
    return async () => {
      // the files first: once the socket file is gone the next holder may write `.lock`
      await rm(join(dir, LOCK_FILE), { force: true });
      await rm(socketPath, { force: true });
      await closeServer(server);
    };
  } finally {
    await aliased.close();
  }
}

/** Lists the dir until this starter is the only live one; answers the dead holders' sockets. */
async function waitForSoleHolder(aliased: SocketDir, name: string): Promise<string[]> {
  const deadline = Date.now() + RACE_TIMEOUT_MS;
  for (;;) {
    const { live, dead } = await otherSockets(aliased, name);
    if (live.length === 0) return dead;
    const holder = live.find((peer) => peer.identity === null || (peer.identity !== 'closing' && peer.identity.state === 'held'));
    if (holder) throw inUse(aliased.dir, holder, '');
    // only starters racing this one, or exiting holders: of the starters, the first name in order
    // waits and every other gives way; an exiting holder is waited for
    const starters = live.filter((peer) => peer.identity !== 'closing');
    const first = starters.reduce<Peer | null>((a, b) => (a && a.name < b.name ? a : b), null);
    if (first && first.name < name) throw inUse(aliased.dir, first, ', which is starting on it at this same moment');
    if (Date.now() > deadline) {
      throw inUse(aliased.dir, first ?? live[0]!, first ? ', which has been starting on it for too long' : ', which has been exiting for too long');
    }
    await sleep(20);
  }
}

async function otherSockets(aliased: SocketDir, own: string): Promise<{ live: Peer[]; dead: string[] }> {
  const names = (await readdir(aliased.dir, { withFileTypes: true }))
    .filter((entry) => entry.name.startsWith(SOCKET_PREFIX) && entry.name !== own && entry.isSocket())
    .map((entry) => entry.name);
  const live: Peer[] = [];
  const dead: string[] = [];
  await Promise.all(
    names.map(async (name) => {
      const answer = await probe(aliased.address(name));
      if (answer === 'dead') dead.push(name);
      else if (answer !== 'gone') live.push({ name, identity: answer });
    }),
  );
  return { live, dead };
}

type ProbeResult = Peer['identity'] | 'dead' | 'gone';

/**
 * Connects to a lock socket: 'dead' (refused: nobody listens), 'gone' (the file was removed),
 * 'closing' (closed without a word), else what it answers (null: nothing in time).
 */
function probe(address: string): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const socket = connect(address);
    let received = '';
    let connected = false;
    const finish = (result: ProbeResult) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const answered = () => (received.includes('\n') ? parseIdentity(received) : 'closing');
    const timer = setTimeout(() => finish(connected && received.includes('\n') ? parseIdentity(received) : null), PROBE_TIMEOUT_MS);
    socket.setEncoding('utf8');
    socket.on('connect', () => (connected = true));
    socket.on('data', (chunk: string) => {
      received += chunk;
      if (received.includes('\n')) finish(parseIdentity(received));
    });
    socket.on('end', () => finish(answered()));
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (connected) finish(answered());
      // a reset before the connect completes is a holder dying (its sockets close as its threads
      // exit); anything but that, refused or removed (a full backlog, no permission) may be a live holder
      else finish(error.code === 'ECONNREFUSED' ? 'dead' : error.code === 'ENOENT' ? 'gone' : error.code === 'ECONNRESET' || error.code === 'EPIPE' ? 'closing' : null);
    });
  });
}

function parseIdentity(text: string): Identity | null {
  try {
    const value = JSON.parse(text.split('\n')[0]!) as Identity;
    return Number.isInteger(value.pid) && typeof value.host === 'string' && (value.state === 'starting' || value.state === 'held') ? value : null;
  } catch {
    return null;
  }
}

async function listenOnNewSocket(aliased: SocketDir, identity: Identity): Promise<{ name: string; server: Server }> {
  for (;;) {
    const name = `${SOCKET_PREFIX}${process.pid}.${randomBytes(4).toString('hex')}`;
    try {
      return { name, server: await listenAnswering(aliased.address(name), identity) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') continue;
      throw new LogError(
        'LOCKED',
        `log data dir ${aliased.dir}: cannot create its lock socket ${join(aliased.dir, name)} (${(error as Error).message}); ` +
          'the data dir must be writable and on a local filesystem that supports Unix sockets',
      );
    }
  }
}

/** Listens on address, answering every connection with one line: the identity. */
function listenAnswering(address: string, identity: Identity): Promise<Server> {
  const server = createServer((socket) => {
    socket.on('error', () => {});
    socket.end(`${JSON.stringify(identity)}\n`);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(address, () => {
      server.off('error', reject);
      server.on('error', () => {});
      server.unref();
      resolve(server);
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

async function removeStaleSockets(dir: string, names: string[]): Promise<void> {
  // a starter's socket refuses connections between its bind and its listen: only old ones are dead for sure
  const cutoff = Date.now() - STALE_SOCKET_MS;
  for (const name of names) {
    try {
      if ((await lstat(join(dir, name))).mtimeMs < cutoff) await rm(join(dir, name), { force: true });
    } catch {
      // gone already
    }
  }
}

function inUse(dir: string, peer: Peer, note: string): LogError {
  const identity = peer.identity;
  const pid = identity && identity !== 'closing' ? identity.pid : Number(peer.name.split('.')[2]);
  const who =
    identity === null
      ? `process ${pid} (its lock socket accepts connections but did not answer within ${PROBE_TIMEOUT_MS} ms)`
      : identity === 'closing'
        ? `process ${pid}`
        : `process ${pid} on host ${identity.host}${identity.state === 'held' ? ` (holding it since ${identity.since})` : ''}`;
  return new LogError(
    'LOCKED',
    `log data dir ${dir} is in use by ${who}${note}; stop it or use another dir ` +
      `(lock socket ${join(dir, peer.name)}: delete it only if no process uses the dir)`,
  );
}

/**
 * Addresses of sockets in a dir. A path too long for a socket address goes through the dir's open
 * descriptor (/proc/self/fd/N/name, Linux), which resolves to the same file.
 */
class SocketDir {
  readonly dir: string;
  readonly #handle: FileHandle | null;

  private constructor(dir: string, handle: FileHandle | null) {
    this.dir = dir;
    this.#handle = handle;
  }

  static async open(dir: string): Promise<SocketDir> {
    const longest = join(dir, `${SOCKET_PREFIX}${'9'.repeat(10)}.${'f'.repeat(8)}`);
    if (Buffer.byteLength(longest) <= MAX_SOCKET_PATH) return new SocketDir(dir, null);
    if (!existsSync('/proc/self/fd')) {
      throw new LogError(
        'LOCKED',
        `log data dir ${dir}: its path is too long for the lock socket in it (at most ${MAX_SOCKET_PATH - (longest.length - dir.length)} bytes); ` +
          'use a shorter path, or a symbolic link to the dir',
      );
    }
    return new SocketDir(dir, await open(dir, 'r'));
  }

  address(name: string): string {
    return this.#handle ? `/proc/self/fd/${this.#handle.fd}/${name}` : join(this.dir, name);
  }

  async close(): Promise<void> {
    await this.#handle?.close();
  }
}

/**
 * Windows: a named pipe per data dir (its real path), which only one process can create and which
 * goes away with that process.
 */
async function acquirePipeLock(dir: string, key: string): Promise<() => Promise<void>> {
  const pipe = `\\\\.\\pipe\\tributary-lock-${createHash('sha256').update(key.toLowerCase()).digest('hex').slice(0, 40)}`;
  const identity: Identity = { pid: process.pid, host: hostname(), state: 'held', since: new Date().toISOString() };
  let server: Server;
  try {
    server = await listenAnswering(pipe, identity);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
    const answer = await probe(pipe);
    const who = typeof answer === 'object' && answer !== null ? `process ${answer.pid} (holding it since ${answer.since})` : 'another process';
    throw new LogError('LOCKED', `log data dir ${dir} is in use by ${who}; stop it or use another dir (lock pipe ${pipe})`);
  }
  await writeFile(join(dir, LOCK_FILE), `${process.pid}\n${JSON.stringify({ ...identity, pipe })}\n`);
  return async () => {
    await rm(join(dir, LOCK_FILE), { force: true });
    await closeServer(server);
  };
}
