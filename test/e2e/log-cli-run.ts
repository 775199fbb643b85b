// Runs the `tributary` command as a child process, with stdin, for the log CLI tests.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { ROOT, NODE } from './harness.ts';

const BIN = path.join(ROOT, 'bin/tributary.js');

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The environment without the caller's TRIBUTARY_* settings, plus the given ones. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of Object.keys(env)) if (name.startsWith('TRIBUTARY_')) delete env[name];
  return { ...env, ...extra };
}

export function startCli(args: string[], env: NodeJS.ProcessEnv = cleanEnv()): { child: ChildProcess; result: Promise<RunResult>; stdout: () => string } {
  const child = spawn(NODE, [BIN, ...args], { cwd: ROOT, env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk) => (stdout += chunk));
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  const result = new Promise<RunResult>((resolve, reject) => {
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`tributary ${args.join(' ')} ran over 60 s:\n${stdout}\n${stderr}`)); }, 60_000);
    child.once('close', (code) => { clearTimeout(timer); resolve({ code, stdout, stderr }); });
  });
  return { child, result, stdout: () => stdout };
}

export function runCli(args: string[], input = '', env?: NodeJS.ProcessEnv): Promise<RunResult> {
  const { child, result } = startCli(args, env);
  child.stdin!.end(input);
  return result;
}

/** Lines of stdout, without the last empty one. */
export function lines(text: string): string[] {
  return text.split('\n').filter((line) => line !== '');
}
