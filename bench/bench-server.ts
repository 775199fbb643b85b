// The server under test as a child process, for bench/run.ts: start on a data dir (port 0), wait
// for "Tributary listening on …" and /readyz, stop with SIGTERM, read /metrics.

import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { sleep } from './http-post.ts';

export interface ServerHandle {
  pid: number;
  url: string;
  child: ChildProcess;
  /** ms from spawn until /readyz answered 200 */
  startupMs: number;
  /** Set when the process exits: its code, or the signal name. */
  exit: { code: number | null; signal: string | null } | undefined;
  exited: Promise<void>;
  logFile: string;
}

export interface StartServerOptions {
  node: string;
  /** bin/tributary.js */
  bin: string;
  dataDir: string;
  /** Working directory (so no tributary.yaml of the caller's directory is picked up). */
  cwd: string;
  /** stdout and stderr of the server are appended here. */
  logFile: string;
  timeoutMs?: number;
}

const LISTENING = /Tributary listening on (http:\/\/\S+)/;

/** Environment without Tributary settings, so only the flags decide. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k.startsWith('TRIBUTARY_') || k === 'PORT' || k === 'HOST') continue;
    env[k] = v;
  }
  return env;
}

export async function tailOf(file: string, lines = 20): Promise<string> {
  try {
    return (await readFile(file, 'utf8')).trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

export async function startServer(o: StartServerOptions): Promise<ServerHandle> {
  const started = performance.now();
  const log = createWriteStream(o.logFile, { flags: 'a' });
  // BENCH_NODE_OPTIONS, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`, profiles the server
  const nodeArgs = (process.env.BENCH_NODE_OPTIONS ?? '').split(' ').filter(Boolean);
  const child = spawn(o.node, [...nodeArgs, o.bin, 'start', '--port', '0', '--host', '127.0.0.1', '--data-dir', o.dataDir, '--log', 'embedded'], {
    cwd: o.cwd, env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'],
  });
  const handle: Partial<ServerHandle> & { exit: ServerHandle['exit'] } = { child, logFile: o.logFile, exit: undefined };
  handle.exited = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      handle.exit = { code, signal };
      resolve();
    });
    child.once('error', (error) => {
      handle.exit = { code: null, signal: `spawn error: ${error.message}` };
      resolve();
    });
  });
  child.stderr!.pipe(log, { end: false });
  let buffered = '';
  let listening = false;
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not print "Tributary listening on" within ${o.timeoutMs ?? 60_000} ms`)), o.timeoutMs ?? 60_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      log.write(chunk);
      if (listening) return;
      buffered += chunk.toString('utf8');
      const match = LISTENING.exec(buffered);
      if (match) {
        listening = true;
        buffered = '';
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    void handle.exited!.then(() => {
      clearTimeout(timer);
      reject(new Error(`server exited before listening (${JSON.stringify(handle.exit)})`));
    });
  }).catch(async (error: Error) => {
    child.kill('SIGKILL');
    await handle.exited;
    throw new Error(`${error.message}\n--- server log (${o.logFile}) ---\n${await tailOf(o.logFile)}`);
  });
  // Ready = /readyz 200 (the indexer is running and the store is open).
  const deadline = performance.now() + (o.timeoutMs ?? 60_000);
  for (;;) {
    try {
      const res = await fetch(`${url}/readyz`);
      await res.arrayBuffer();
      if (res.ok) break;
    } catch {
      // not yet
    }
    if (handle.exit || performance.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`server not ready at ${url}/readyz\n${await tailOf(o.logFile)}`);
    }
    await sleep(20);
  }
  handle.pid = child.pid!;
  handle.url = url;
  handle.startupMs = Math.round(performance.now() - started);
  return handle as ServerHandle;
}

/** SIGTERM, then SIGKILL after timeoutMs. Returns ms until exit and whether it was clean. */
export async function stopServer(h: ServerHandle, timeoutMs = 60_000): Promise<{ ms: number; clean: boolean }> {
  const started = performance.now();
  if (!h.exit) {
    h.child.kill('SIGTERM');
    const timer = setTimeout(() => h.child.kill('SIGKILL'), timeoutMs);
    await h.exited;
    clearTimeout(timer);
  }
  return { ms: Math.round(performance.now() - started), clean: h.exit?.code === 0 };
}

export interface ServerMetrics {
  /** tributary_ingested_records_total, all streams */
  ingested: number;
  /** tributary_indexed_records_total, all streams */
  indexed: number;
  /** tributary_processor_lag summed over groups and partitions: log end − indexed offset */
  lag: number;
}

/** Sums the samples of one metric in Prometheus text format (any labels). */
export function sumMetric(text: string, name: string): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const rest = line.slice(name.length);
    if (rest[0] !== '{' && rest[0] !== ' ') continue;
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (Number.isFinite(value)) sum += value;
  }
  return sum;
}

export async function readMetrics(url: string): Promise<ServerMetrics> {
  const res = await fetch(`${url}/metrics`);
  const text = await res.text();
  if (!res.ok) throw new Error(`GET /metrics: ${res.status} ${text.slice(0, 200)}`);
  return {
    ingested: sumMetric(text, 'tributary_ingested_records_total'),
    indexed: sumMetric(text, 'tributary_indexed_records_total'),
    lag: sumMetric(text, 'tributary_processor_lag'),
  };
}
