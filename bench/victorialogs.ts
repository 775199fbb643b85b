// VictoriaLogs run beside Tributary on the same NDJSON file, with the same loader, when a binary
// is at hand (`npm run bench -- --victorialogs /path/to/victoria-logs`): its ingest rate, records
// per CPU-second, peak RSS and disk, and each query row in LogsQL. Absolute figures move between
// machines of this kind; only a ratio measured in one run beside the peer counts.
//
// Freshness probes run during its load as during Tributary's (one a second, polled every 20 ms),
// so both ingest figures carry the same searches and both freshness figures are measured here.
//
// The binary is built by hand from a fetched repository (never committed). Its counts are shown
// beside ours, not checked: LogsQL's words are whole words and its field values are compared as
// written (`level:error` misses `ERROR`), where Tributary's are substrings and normalized levels.

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DatasetQueries } from './datasets/dataset.ts';
import { MESSAGE_FIELDS, type BenchQuery } from './datasets/rows.ts';
import type { Truth } from './datasets/truth.ts';
import { sleep } from './http-post.ts';
import type { LoadSummary } from './loadgen.ts';
import { probeFreshness, type FreshnessResult } from './freshness.ts';
import { percentile } from './percentile.ts';
import { directorySize, readProcessStats, waitUntilSettled } from './sysstats.ts';

const BENCH_DIR = fileURLToPath(new URL('.', import.meta.url));

export interface PeerQueryFigure {
  /** Row name, or the aggregation id. */
  id: string;
  logsql: string;
  newestMs?: number;
  countMs?: number;
  /** VictoriaLogs' own count, for the reader (semantics differ, see above). */
  count?: number;
  ms?: number;
}

export interface MeasuredPeer {
  name: string;
  records: number;
  ingest: { recordsPerSec: number; mbPerSec: number; cores: number; recordsPerCpuSecond: number; loadDurationS: number };
  peakRssBytes: number;
  /** Its freshness under the same load and probes as Tributary's. */
  freshness: FreshnessResult;
  disk: { bytes: number; bytesPerRecord: number; ratioToNdjson: number };
  /** How long after its load the server kept working (merges) before the warm queries began. */
  settle: { settled: boolean; afterMs: number };
  queries: PeerQueryFigure[];
}

/** A row in LogsQL: the nearest filter VictoriaLogs has to what the row asks. */
export function logsqlOf(row: BenchQuery, queries: DatasetQueries): string {
  const time = row.from === undefined ? '' : `_time:[${row.from}, ${row.to}] `;
  switch (row.name) {
    case 'level_error': return `${time}level:error`;
    case 'phrase': return `${time}${JSON.stringify(queries.phrase)}`;
    case 'one_day_range': return `${time}*`;
    case 'error_word_two_days': return `${time}${queries.hasLevels ? 'level:error ' : ''}${queries.word}`;
    case 'message_regex': return `${time}~${JSON.stringify(queries.regex)}`;
    case 'number_match': return `${time}${queries.numberMatch!.field}:=${queries.numberMatch!.value}`;
    default: {
      const exact = queries.exact.find((e) => e.name === row.name);
      if (!exact) throw new Error(`no LogsQL for row ${row.name}`);
      return `${time}${exact.field}:=${JSON.stringify(exact.value)}`;
    }
  }
}

async function waitHealthy(url: string, child: ReturnType<typeof spawn>): Promise<void> {
  const deadline = performance.now() + 30_000;
  while (performance.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`victoria-logs exited with ${child.exitCode}`);
    try {
      if ((await fetch(`${url}/health`)).ok) return;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error('victoria-logs did not become healthy in 30 s');
}

async function select(url: string, path: string, params: Record<string, string>): Promise<{ ms: number; text: string }> {
  const t = performance.now();
  const res = await fetch(`${url}${path}`, { method: 'POST', body: new URLSearchParams(params) });
  const text = await res.text();
  if (!res.ok) throw new Error(`victoria-logs ${path} ${JSON.stringify(params)}: HTTP ${res.status} ${text.slice(0, 200)}`);
  return { ms: performance.now() - t, text };
}

async function timed(url: string, path: string, params: Record<string, string>, runs: number): Promise<{ ms: number; text: string }> {
  const first = await select(url, path, params);
  const times: number[] = [];
  for (let r = 0; r < runs; r++) times.push((await select(url, path, params)).ms);
  return { ms: Number(percentile(times, 50).toFixed(2)), text: first.text };
}

export async function runVictoriaLogs(o: {
  binary: string; file: string; queries: DatasetQueries; truth: Truth; warmRuns: number; progress: (message: string) => void;
  probe: (marker: string, now: Date) => Record<string, unknown>;
}): Promise<MeasuredPeer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-victorialogs-'));
  const port = 20_000 + Math.floor(Math.random() * 20_000);
  const url = `http://127.0.0.1:${port}`;
  // the datasets' times are in the past: without a long retention VictoriaLogs drops them with a 200
  const child = spawn(o.binary, [`-storageDataPath=${dataDir}`, `-httpListenAddr=127.0.0.1:${port}`, '-retentionPeriod=100y', '-loggerLevel=ERROR'],
    { stdio: ['ignore', 'ignore', 'pipe'] });
  try {
    await waitHealthy(url, child);
    const pid = child.pid!;
    // the message is the first of these a record has, as in Tributary
    const insert = `${url}/insert/jsonline?_time_field=${encodeURIComponent(o.queries.timeField)}&_msg_field=${MESSAGE_FIELDS.join(',')}`;
    const before = readProcessStats(pid);
    const loadgen = spawn(process.execPath, [join(BENCH_DIR, 'loadgen.ts'), '--url', insert, '--file', o.file, '--concurrency', '4', '--batch', '1000',
      '--header', 'Content-Type: application/stream+json', '--quiet'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    loadgen.stdout.on('data', (chunk: Buffer) => { out += chunk.toString('utf8'); });
    const stopProbes = new AbortController();
    // as Tributary's probes: records since a minute before the load, a bare word (VictoriaLogs: in the message)
    const freshnessRun = probeFreshness({
      ingestUrl: insert, searchUrl: `${url}/select/logsql/query?start=${encodeURIComponent(new Date(Date.now() - 60_000).toISOString())}`,
      searchParam: 'query', found: (text) => text.trim().length > 0,
      durationMs: 24 * 3600_000, intervalMs: 1000, pollMs: 20, probe: o.probe, timeoutMs: 120_000, signal: stopProbes.signal,
    });
    const code = await new Promise<number | null>((resolve) => loadgen.once('exit', resolve));
    stopProbes.abort();
    if (code !== 0) throw new Error(`loader for victoria-logs exited ${code}`);
    const load = JSON.parse(out) as LoadSummary;
    await fetch(`${url}/internal/force_flush`);
    const after = readProcessStats(pid);
    const cpuS = (after.userMs + after.systemMs - before.userMs - before.systemMs) / 1000;
    const freshness = await freshnessRun;
    o.progress(`[victorialogs] freshness p50 ${freshness.latencyMs.p50.toFixed(0)} ms, p99 ${freshness.latencyMs.p99.toFixed(0)} ms (${freshness.visible} of ${freshness.probes} probes)`);
    o.progress(`[victorialogs] ${load.recordsAccepted.toLocaleString('en-US')} records at ${load.recordsPerSec.toLocaleString('en-US')} rec/s, ${Math.round(load.recordsAccepted / cpuS).toLocaleString('en-US')} per CPU-second`);
    const settle = await waitUntilSettled(() => readProcessStats(pid));
    o.progress(`[victorialogs] ${settle.settled ? 'at rest' : 'still busy'} ${(settle.afterMs / 1000).toFixed(1)} s after its load`);

    const figures: PeerQueryFigure[] = [];
    for (const row of o.truth.rows) {
      const logsql = logsqlOf(row, o.queries);
      const newest = await timed(url, '/select/logsql/query', { query: `${logsql} | sort by (_time desc) | limit 100` }, o.warmRuns);
      const count = await timed(url, '/select/logsql/query', { query: `${logsql} | count()` }, o.warmRuns);
      const n = Number((JSON.parse(count.text.trim() || '{}') as Record<string, string>)['count(*)']);
      figures.push({ id: row.name, logsql, newestMs: newest.ms, countMs: count.ms, count: n });
    }
    const { stats, distinct } = o.queries;
    if (stats) {
      const logsql = `* | stats by (${stats.by}) count() n, avg(${stats.numeric}) a, quantile(0.99, ${stats.numeric}) p`;
      figures.push({ id: 'per_group_stats', logsql, ms: (await timed(url, '/select/logsql/query', { query: logsql }, o.warmRuns)).ms });
    }
    const span = { start: new Date(o.truth.span.startMs).toISOString(), end: new Date(o.truth.span.endMs).toISOString() };
    figures.push({ id: 'hits_per_hour', logsql: '* (hits, step 1h)', ms: (await timed(url, '/select/logsql/hits', { query: '*', ...span, step: '1h' }, o.warmRuns)).ms });
    if (distinct) {
      const logsql = `* | stats count_uniq(${distinct}) d`;
      figures.push({ id: 'distinct', logsql, ms: (await timed(url, '/select/logsql/query', { query: logsql }, o.warmRuns)).ms });
    }
    const peakRssBytes = readProcessStats(pid).peakRssBytes;
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
    const disk = (await directorySize(dataDir)).diskBytes;
    return {
      name: 'VictoriaLogs (measured beside, same file and loader)',
      records: load.recordsAccepted,
      ingest: {
        recordsPerSec: load.recordsPerSec, mbPerSec: load.mbPerSec, cores: Number((cpuS / (load.durationMs / 1000)).toFixed(2)),
        recordsPerCpuSecond: Math.round(load.recordsAccepted / cpuS), loadDurationS: Number((load.durationMs / 1000).toFixed(2)),
      },
      peakRssBytes,
      freshness,
      settle,
      disk: { bytes: disk, bytesPerRecord: Number((disk / load.recordsAccepted).toFixed(1)), ratioToNdjson: Number((disk / load.rawBytesSent).toFixed(3)) },
      queries: figures,
    };
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  }
}
