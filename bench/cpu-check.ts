// Two-core availability check: runs a CPU loop in one worker thread for ~1 s, then in two worker
// threads at once for ~1 s, and compares total throughput. About 2× means two free cores; under
// 1.7× the machine is busy (someone else is using a core) and benchmark figures are suspect.
//
//   node bench/cpu-check.ts [--duration-ms 1000] [--threshold 1.7] [--strict]
//
// Prints JSON; with --strict the exit code is 2 when busy.

import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';

export interface CpuCheckResult {
  /** Loop iterations per second of one thread alone. */
  singleRate: number;
  /** Loop iterations per second of each of two threads running together. */
  pairRates: [number, number];
  /** (pair total) / single; ≈ 2 on two free cores. */
  ratio: number;
  threshold: number;
  busy: boolean;
  loadavg1m: number;
}

// CommonJS source for an eval'd worker: wait for "go", spin until the deadline, report the rate.
const SPIN_WORKER = `
const { parentPort } = require('node:worker_threads');
parentPort.postMessage('ready');
parentPort.once('message', (durationMs) => {
  const start = performance.now();
  const end = start + durationMs;
  let x = 0x9e3779b9 | 0, iterations = 0, now = start;
  while (now < end) {
    for (let i = 0; i < 50000; i++) { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; }
    iterations += 50000;
    now = performance.now();
  }
  parentPort.postMessage({ rate: iterations / ((now - start) / 1000), x });
});
`;

async function spin(threads: number, durationMs: number): Promise<number[]> {
  const workers = Array.from({ length: threads }, () => new Worker(SPIN_WORKER, { eval: true }));
  try {
    await Promise.all(workers.map((w) => new Promise<void>((resolve, reject) => {
      w.once('message', () => resolve());
      w.once('error', reject);
    })));
    const results = workers.map((w) => new Promise<number>((resolve, reject) => {
      w.once('message', (m: { rate: number }) => resolve(m.rate));
      w.once('error', reject);
    }));
    for (const w of workers) w.postMessage(durationMs);
    return await Promise.all(results);
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

export async function checkCpu(o: { durationMs?: number; threshold?: number } = {}): Promise<CpuCheckResult> {
  const durationMs = o.durationMs ?? 1000;
  const threshold = o.threshold ?? 1.7;
  const [singleRate] = await spin(1, durationMs);
  const [a, b] = await spin(2, durationMs);
  const ratio = (a! + b!) / singleRate!;
  return {
    singleRate: Math.round(singleRate!),
    pairRates: [Math.round(a!), Math.round(b!)],
    ratio: Number(ratio.toFixed(3)),
    threshold,
    busy: ratio < threshold,
    loadavg1m: loadavg()[0]!,
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'duration-ms': { type: 'string', default: '1000' },
      threshold: { type: 'string', default: '1.7' },
      strict: { type: 'boolean', default: false },
    },
  });
  const result = await checkCpu({ durationMs: Number(values['duration-ms']), threshold: Number(values.threshold) });
  process.stdout.write(JSON.stringify(result, null, 2) + '\n');
  if (result.busy) {
    process.stderr.write(`cpu-check: busy — two threads ran ${result.ratio}× one thread (want ≥ ${result.threshold}×)\n`);
    if (values.strict) process.exitCode = 2;
  }
}

if (import.meta.main) {
  main().catch((error: unknown) => {
    process.stderr.write(`cpu-check: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
}
