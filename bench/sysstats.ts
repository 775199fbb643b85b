// Process and disk figures for benchmark reports, read from Linux /proc and the file system:
// CPU time and RSS of a process (optionally with its descendants), sampled peak RSS over a run,
// and the size of a directory on disk (allocated blocks, like du).
//
//   node bench/sysstats.ts --pid N [--tree] [--duration-s 10] [--interval-ms 200]   sample a process
//   node bench/sysstats.ts --du PATH                                                 size of a directory

import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { sleep } from './http-post.ts';

export interface ProcessStats {
  pid: number;
  /** CPU time of the process itself (all threads), ms. */
  userMs: number;
  systemMs: number;
  /** Resident set size now (VmRSS). */
  rssBytes: number;
  /** The kernel's peak resident set size (VmHWM). */
  peakRssBytes: number;
}

let clockTicksPerSecond: number | undefined;

function clockTicks(): number {
  if (clockTicksPerSecond === undefined) {
    try {
      clockTicksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicksPerSecond = 100;
    }
  }
  return clockTicksPerSecond;
}

/** Fields of /proc/<pid>/stat from field 3 (state) on; the command name may hold spaces and parens. */
function statFields(pid: number): string[] {
  const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return text.slice(text.lastIndexOf(')') + 2).trim().split(' ');
}

function statusKb(status: string, key: string): number {
  const match = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status);
  return match ? Number(match[1]) * 1024 : 0;
}

export function readProcessStats(pid: number): ProcessStats {
  const fields = statFields(pid);
  const tickMs = 1000 / clockTicks();
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return {
    pid,
    userMs: Number(fields[11]) * tickMs, // field 14 utime
    systemMs: Number(fields[12]) * tickMs, // field 15 stime
    rssBytes: statusKb(status, 'VmRSS'),
    peakRssBytes: statusKb(status, 'VmHWM'),
  };
}

/** The pid and all its living descendants. */
export function processTree(rootPid: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const ppid = Number(statFields(Number(name))[1]); // field 4 ppid
      children.set(ppid, [...(children.get(ppid) ?? []), Number(name)]);
    } catch {
      // the process ended while we looked
    }
  }
  const tree: number[] = [];
  const queue = [rootPid];
  while (queue.length > 0) {
    const pid = queue.shift()!;
    tree.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return tree;
}

/** Sums over the process and its descendants (peakRssBytes is the sum of each one's own peak). */
export function readProcessTreeStats(rootPid: number): ProcessStats {
  const total: ProcessStats = { pid: rootPid, userMs: 0, systemMs: 0, rssBytes: 0, peakRssBytes: 0 };
  for (const pid of processTree(rootPid)) {
    try {
      const s = readProcessStats(pid);
      total.userMs += s.userMs;
      total.systemMs += s.systemMs;
      total.rssBytes += s.rssBytes;
      total.peakRssBytes += s.peakRssBytes;
    } catch (error) {
      if (pid === rootPid) throw error;
    }
  }
  return total;
}

/**
 * Waits until a process stops working on its own after a load (a store's moves, merges and
 * checkpoints): until it uses less than `maxCores` over a `windowMs` window, at most `timeoutMs`.
 * Warm queries are timed at rest, after that, for Tributary and its peer alike.
 */
export async function waitUntilSettled(read: () => ProcessStats, o: { windowMs?: number; maxCores?: number; timeoutMs?: number } = {}): Promise<{ settled: boolean; afterMs: number }> {
  // long enough to span work a store starts on its own a few seconds after writes stop
  const windowMs = o.windowMs ?? 10_000;
  const maxCores = o.maxCores ?? 0.1;
  const started = performance.now();
  let before = read();
  while (performance.now() - started < (o.timeoutMs ?? 120_000)) {
    await new Promise((resolve) => setTimeout(resolve, windowMs));
    const now = read();
    const cores = (now.userMs + now.systemMs - before.userMs - before.systemMs) / windowMs;
    if (cores < maxCores) return { settled: true, afterMs: Math.round(performance.now() - started) };
    before = now;
  }
  return { settled: false, afterMs: Math.round(performance.now() - started) };
}

export interface ResourceSummary {
  durationMs: number;
  cpuMs: number;
  /** cpuMs / durationMs */
  avgCores: number;
  /** Largest sampled RSS (summed over the tree when sampling a tree). */
  peakSampledRssBytes: number;
  avgRssBytes: number;
  /** The kernel's own peak (VmHWM) at the end; catches spikes between samples. */
  peakRssBytes: number;
  samples: number;
}

export interface ResourceSampler {
  stop(): ResourceSummary;
}

/** Samples a process (and its descendants with tree: true) until stop(). */
export function sampleResources(pid: number, o: { intervalMs?: number; tree?: boolean } = {}): ResourceSampler {
  const read = (): ProcessStats => (o.tree ? readProcessTreeStats(pid) : readProcessStats(pid));
  const first = read();
  const startedAt = performance.now();
  let last = first;
  let peak = first.rssBytes;
  let rssSum = first.rssBytes;
  let samples = 1;
  const take = (): void => {
    try {
      last = read();
    } catch {
      return; // the process is gone: keep the last sample
    }
    peak = Math.max(peak, last.rssBytes);
    rssSum += last.rssBytes;
    samples++;
  };
  const timer = setInterval(take, o.intervalMs ?? 200);
  timer.unref();
  return {
    stop(): ResourceSummary {
      clearInterval(timer);
      take();
      const durationMs = performance.now() - startedAt;
      const cpuMs = last.userMs + last.systemMs - first.userMs - first.systemMs;
      return {
        durationMs: Math.round(durationMs),
        cpuMs: Math.round(cpuMs),
        avgCores: Number((cpuMs / durationMs).toFixed(3)),
        peakSampledRssBytes: peak,
        avgRssBytes: Math.round(rssSum / samples),
        peakRssBytes: Math.max(last.peakRssBytes, peak),
        samples,
      };
    },
  };
}

export interface DirectorySize {
  files: number;
  /** Sum of file sizes. */
  apparentBytes: number;
  /** Allocated blocks × 512, as du reports; hard links counted once. */
  diskBytes: number;
}

/** Size of a directory tree on disk (symlinks not followed; files that vanish mid-walk skipped). */
export async function directorySize(path: string): Promise<DirectorySize> {
  const size: DirectorySize = { files: 0, apparentBytes: 0, diskBytes: 0 };
  const seen = new Set<string>();
  const visit = async (p: string, isRoot: boolean): Promise<void> => {
    let st;
    try {
      st = await lstat(p);
    } catch (error) {
      if (!isRoot && (error as { code?: string }).code === 'ENOENT') return;
      throw error;
    }
    const key = `${st.dev}:${st.ino}`;
    if (seen.has(key)) return;
    seen.add(key);
    size.diskBytes += st.blocks * 512;
    if (st.isDirectory()) {
      let names: string[];
      try {
        names = await readdir(p);
      } catch (error) {
        if (!isRoot && (error as { code?: string }).code === 'ENOENT') return;
        throw error;
      }
      for (const name of names) await visit(join(p, name), false);
    } else {
      size.files++;
      size.apparentBytes += st.size;
    }
  };
  await visit(path, true);
  return size;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      pid: { type: 'string' },
      tree: { type: 'boolean', default: false },
      'duration-s': { type: 'string', default: '10' },
      'interval-ms': { type: 'string', default: '200' },
      du: { type: 'string' },
    },
  });
  if (values.du !== undefined) {
    process.stdout.write(JSON.stringify(await directorySize(values.du), null, 2) + '\n');
    return;
  }
  if (values.pid === undefined) throw new Error('--pid N or --du PATH is required');
  const sampler = sampleResources(Number(values.pid), { intervalMs: Number(values['interval-ms']), tree: values.tree });
  await sleep(Number(values['duration-s']) * 1000);
  process.stdout.write(JSON.stringify(sampler.stop(), null, 2) + '\n');
}

if (import.meta.main) {
  main().catch((error: unknown) => {
    process.stderr.write(`sysstats: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
}
