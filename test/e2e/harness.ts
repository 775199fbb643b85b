// Starts a real Tributary (in this process, or as a child process that can be killed) on a temp
// data dir and an ephemeral port, and talks to it over HTTP as a user would.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import { after, before } from 'node:test';
import { loadConfig } from '../../src/config/load.ts';
import { startTributary, type Tributary } from '../../src/tributary.ts';
import type { ConfigOverrides } from '../../src/config/config.ts';

export const ROOT = path.resolve(import.meta.dirname, '../..');
export const NODE = process.execPath;
const BIN = path.join(ROOT, 'bin/tributary.js');
const execFileAsync = promisify(execFile);

/** Runs `tributary ARGS` to its end, as a user would, with its exit code and output. */
export async function tributary(args: string[], cwd = ROOT): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await execFileAsync(NODE, [BIN, ...args], { cwd });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failure = error as { code: number; stdout: string; stderr: string };
    return { code: failure.code, stdout: failure.stdout, stderr: failure.stderr };
  }
}

/** Creates an API key in the data dir with `tributary keys create` and returns its secret. */
export async function createKey(dataDir: string, ...args: string[]): Promise<string> {
  const run = await tributary(['keys', 'create', '--data-dir', dataDir, ...args]);
  if (run.code !== 0) throw new Error(`keys create failed: ${run.stderr}`);
  return run.stdout.trim();
}

export function tempDir(prefix: string): string {
  return mkdtempSync(path.join(tmpdir(), `tributary-${prefix}-`));
}

export async function startInProcess(overrides: ConfigOverrides = {}, dataDir = tempDir('e2e')): Promise<Tributary & { dataDir: string; cleanup(): Promise<void> }> {
  const config = loadConfig({ cwd: dataDir, env: {}, flags: { port: 0, host: '127.0.0.1', dataDir, ...overrides } });
  const tributary = await startTributary(config);
  return Object.assign(tributary, {
    dataDir,
    async cleanup() {
      await tributary.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  });
}

export interface ChildServer {
  url: string;
  child: ChildProcess;
  output: () => string;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** Runs `tributary start` as a child process, as a user would, and waits until it listens. */
export async function startChild(dataDir: string, extraArgs: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<ChildServer> {
  const child = spawn(NODE, [path.join(ROOT, 'bin/tributary.js'), 'start', '--port', '0', '--host', '127.0.0.1', '--data-dir', dataDir, ...extraArgs], {
    cwd: dataDir,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start in 30 s:\n${output}`)), 30_000);
    const check = () => {
      const match = /listening on (https?:\/\/\S+)/.exec(output);
      if (match) { clearTimeout(timer); resolve(match[1]!); }
    };
    child.stdout!.on('data', check);
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`server exited with ${code}:\n${output}`)); });
  });
  return {
    url, child, output: () => output,
    async kill(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}

export async function postJson(url: string, body: string | Buffer, headers: Record<string, string> = { 'content-type': 'application/json' }): Promise<{ status: number; body: any }> {
  const response = await fetch(url, { method: 'POST', body, headers });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

export async function getJson(url: string): Promise<{ status: number; body: any }> {
  const response = await fetch(url);
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

/** Polls until check returns a value other than undefined, or fails after timeoutMs. */
export async function waitFor<T>(check: () => Promise<T | undefined>, timeoutMs = 10_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

/** Waits until the store holds `expected` records in total (matching q). */
export async function waitForTotal(baseUrl: string, expected: number, query = '', timeoutMs = 15_000): Promise<void> {
  await waitFor(async () => {
    const { body } = await getJson(`${baseUrl}/api/v1/search?limit=1&q=${encodeURIComponent(query)}`);
    return body.total === expected ? true : undefined;
  }, timeoutMs, `${expected} records to be searchable`);
}

/** Waits until `expected` records of the stream match q; their bodies, newest first. */
export async function streamRecords(baseUrl: string, stream: string, q: string, expected: number, timeoutMs = 15_000): Promise<any[]> {
  return waitFor(async () => {
    const { body } = await getJson(`${baseUrl}/api/v1/search?stream=${stream}&limit=${Math.max(expected, 1)}&q=${encodeURIComponent(q)}`);
    return body.total === expected ? body.hits.map((hit: { record: unknown }) => hit.record) : undefined;
  }, timeoutMs, `${expected} records of ${stream} matching '${q}'`);
}

/**
 * A child server for the tests of the enclosing describe: started before them on a temp data dir
 * with `args`, killed and its data dir removed after them. `server()` is the running one.
 */
export function childServerForSuite(prefix: string, args: string[] = []): { server: () => ChildServer } {
  const dataDir = tempDir(prefix);
  let running: ChildServer | undefined;
  before(async () => { running = await startChild(dataDir, args); });
  after(async () => {
    await running?.kill();
    rmSync(dataDir, { recursive: true, force: true });
  });
  return { server: () => running! };
}
