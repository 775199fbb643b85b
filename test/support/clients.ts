// Protocol clients no one here wrote (Elastic's Python client…), installed by scripts/clients.sh.
// Under CI=true a missing client is a failure; elsewhere its tests skip with the reason.
import { spawnSync } from 'node:child_process';

const CI = process.env.CI === 'true';

/** false when the Python module imports, else the skip reason; throws under CI=true. */
export function skipWithoutPythonModule(module: string): string | false {
  if (spawnSync('python3', ['-c', `import ${module}`]).status === 0) return false;
  const reason = `the Python module '${module}' is not installed (bash scripts/clients.sh installs it)`;
  if (CI) throw new Error(`${reason} — CI=true must run its tests`);
  return reason;
}

/** Runs a Python client script; its stdout is one JSON object. */
export function runPythonClient(script: string, args: string[]): unknown {
  const run = spawnSync('python3', [script, ...args], { encoding: 'utf8', timeout: 120_000 });
  if (run.status !== 0) throw new Error(`${script} failed (${run.status}):\n${run.stderr}`);
  return JSON.parse(run.stdout);
}
