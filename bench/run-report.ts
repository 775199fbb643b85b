// The result of one bench/run.ts run: its JSON shape, the markdown table (ours beside
// VictoriaLogs, targets met/missed) and the change against the previous result.

import type { CpuCheckResult } from './cpu-check.ts';
import type { FreshnessResult } from './freshness.ts';
import type { PeerFigures, TARGETS } from './peers.ts';
import type { MeasuredPeer } from './victorialogs.ts';

export interface QueryResult {
  id: string;
  /** The query row (bench-queries name, or the aggregation). */
  row: string;
  kind: 'newest' | 'count' | 'aggregation';
  label: string;
  path: string;
  /** VictoriaLogs' figure for the same query on the same dataset, when one was measured. */
  peerMs: number | null;
  targetMs: number | null;
  warm: { runs: number; medianMs: number; p99Ms: number; minMs: number; serverTookMedianMs: number | null; samplesMs: number[] };
  /** First request after a restart of the server on the same data dir (OS page cache stays warm). */
  cold: { ms: number; serverStartupMs: number } | null;
  /** The untimed warm-up request right after ingest. */
  firstRunMs: number;
  /** A count row's answer (checked exact). */
  count?: number;
}

export interface DiskFigures {
  totalBytes: number;
  storeBytes: number;
  logBytes: number;
}

export interface BenchResult {
  schema: 1;
  /** Absent in results from before there were several datasets: those are `dyte`. */
  dataset?: { name: string; description: string; file?: string };
  /** The store engine; absent: embedded. */
  store?: 'embedded' | 'opensearch';
  mode: 'quick' | 'full';
  records: number;
  seed: number;
  commit: string;
  dirty: boolean;
  startedAt: string;
  finishedAt: string;
  durationS: number;
  machine: { cpus: number; totalMemoryGb: number; node: string };
  cpuChecks: Record<string, CpuCheckResult>;
  busy: boolean;
  /** How long after the load the server kept working on its own (moves, checkpoints) before the warm queries began. */
  querySettle?: { settled: boolean; afterMs: number };
  ingest: {
    records: number;
    recordsAccepted: number;
    ndjsonBytes: number;
    bytesPerRecord: number;
    loadDurationS: number;
    warmupS: number;
    windowS: number;
    /** The load was shorter than warm-up + 3 s: no warm-up cut, recordsPerSec is the load generator's overall rate. */
    shortRun: boolean;
    /** Sustained accepted records/s over the window (server's ingested counter). */
    recordsPerSec: number;
    mbPerSec: number;
    /** The load generator's own figure over its whole run. */
    overallRecordsPerSec: number;
    /** Records / (load + drain time): the rate at which records became searchable. */
    endToEndRecordsPerSec: number | null;
    /** Server CPU cores used during the window. */
    serverCores: number;
    recordsPerCpuSecondWindow: number;
    /** Server CPU from the load's start until the backlog drained. */
    serverCpuSeconds: number;
    /** records / serverCpuSeconds: all the server's work to make them durable and searchable. */
    recordsPerCpuSecond: number;
    peakRssBytes: number;
    loadgen: {
      cores: number;
      cpuMsPer100kRecords: number;
      prebuilt: boolean;
      requestLatencyMs: { p50: number; p99: number; max: number };
      retries: number;
      errors: Record<string, number>;
    };
    backlog: { atEndRecords: number; maxRecords: number; slopePerSec: number; growing: boolean; drainMs: number | null };
    metricErrors: number;
    samples: Array<{ t: number; ingested: number; indexed: number; lag: number; cpuMs: number; rssMb: number }>;
  } | null;
  freshness: FreshnessResult | null;
  disk: {
    /** Right after the backlog drained, server running. */
    live: DiskFigures;
    /** After a clean stop (store checkpointed): the figure used for B/record and the ratio. */
    atRest: DiskFigures | null;
    bytesPerRecord: number;
    ratioToNdjson: number;
    storeBytesPerRecord: number;
  } | null;
  server: {
    runs: Array<{ purpose: string; startupMs: number; stopMs: number | null; cleanStop: boolean | null; peakRssBytes: number | null }>;
    peakRssBytes: number;
  };
  queries: QueryResult[];
  checks: { run: number; wrong: number };
  wrongAnswers: string[];
  failures: string[];
  /** VictoriaLogs' figures on this dataset: published (dyte) or measured beside in this run. */
  peer: PeerFigures | null;
  /** The run beside, with its LogsQL and its own counts (bench/victorialogs.ts). */
  measuredPeer?: MeasuredPeer;
  targets: typeof TARGETS;
}

export const datasetOf = (r: BenchResult): string => r.dataset?.name ?? 'dyte';

const num = (n: number | null | undefined, digits = 0): string =>
  n === null || n === undefined || !Number.isFinite(n) ? '–' : n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const mb = (bytes: number | null | undefined): string => (bytes === null || bytes === undefined ? '–' : `${num(bytes / 1e6, 1)} MB`);
const verdict = (met: boolean | null): string => (met === null ? '–' : met ? '**met**' : '**missed**');
const ms = (n: number | null | undefined): string => (n === null || n === undefined ? '–' : n < 10 ? num(n, 1) : num(n));

const QUERY_LABELS: Record<string, string> = {
  level_error: 'level=error',
  one_resource: 'one value of a many-valued field',
  phrase: 'a phrase',
  one_day_range: 'one-day time range',
  error_word_two_days: 'error AND a word AND 2-day range',
  message_regex: 'regex on message',
  number_match: 'a number held as number or string',
  event_type: 'one event type',
  per_group_stats: 'per group count + avg + p99',
  hits_per_hour: 'hits per hour',
  distinct: 'distinct values of a field',
};
const countOf = (q: QueryResult): number => q.count ?? Number.NaN;
const labelOf = (q: QueryResult): string => `${QUERY_LABELS[q.row] ?? q.row}: \`${q.label}\``;

export interface TargetRow {
  name: string;
  value: string;
  target: string;
  met: boolean | null;
}

export function targetRows(r: BenchResult): TargetRow[] {
  const t = r.targets;
  const rows: TargetRow[] = [];
  const ing = r.ingest;
  rows.push({
    name: 'sustained ingest, no growing backlog',
    value: ing ? `${num(ing.recordsPerSec)} rec/s, backlog ${ing.backlog.growing ? 'growing' : 'not growing'}` : '–',
    target: `≥ ${num(t.recordsPerSec)} rec/s`,
    met: ing ? ing.recordsPerSec >= t.recordsPerSec && !ing.backlog.growing : null,
  });
  rows.push({
    name: 'records per server CPU-second',
    value: ing ? num(ing.recordsPerCpuSecond) : '–',
    target: `≥ ${num(t.recordsPerCpuSecond)}`,
    met: ing ? ing.recordsPerCpuSecond >= t.recordsPerCpuSecond : null,
  });
  rows.push({
    name: 'peak RSS', value: mb(r.server.peakRssBytes), target: `≤ ${mb(t.peakRssBytes)}`,
    met: r.server.peakRssBytes > 0 ? r.server.peakRssBytes <= t.peakRssBytes : null,
  });
  const f = r.freshness;
  rows.push({
    name: 'freshness p99', value: f && f.visible > 0 ? `${ms(f.latencyMs.p99)} ms` : '–', target: `≤ ${num(t.freshnessP99Ms)} ms`,
    met: f && f.visible > 0 ? f.latencyMs.p99 <= t.freshnessP99Ms && f.timedOut === 0 : null,
  });
  rows.push({
    name: 'disk vs NDJSON', value: r.disk ? `${num(r.disk.ratioToNdjson, 3)}×` : '–', target: `≤ ${t.diskRatioToNdjson}×`,
    met: r.disk ? r.disk.ratioToNdjson <= t.diskRatioToNdjson : null,
  });
  const compared = r.queries.filter((q) => q.targetMs !== null);
  const within = compared.filter((q) => q.warm.medianMs <= q.targetMs!).length;
  rows.push({
    name: `queries at or below ${t.queryFactor === 1 ? '' : `${t.queryFactor}× `}VictoriaLogs (warm median)`, value: compared.length ? `${within} of ${compared.length}` : 'no peer figures for this dataset',
    target: `all ${compared.length}`, met: compared.length > 0 ? within === compared.length : null,
  });
  return rows;
}

const NO_PEER: PeerFigures = {
  name: 'VictoriaLogs (not measured on this dataset)', records: 0,
  ingest: { recordsPerSec: Number.NaN, mbPerSec: Number.NaN, cores: Number.NaN, recordsPerCpuSecond: [Number.NaN, Number.NaN] },
  freshness: { p50Ms: Number.NaN, p99Ms: Number.NaN }, disk: { bytesPerRecord: Number.NaN, ratioToNdjson: Number.NaN }, peakRssBytes: null,
  queries: {}, aggregations: {},
};

export function renderMarkdown(r: BenchResult, previous?: BenchResult): string {
  const p = r.peer ?? NO_PEER;
  const out: string[] = [];
  out.push(`# Tributary benchmark: ${r.startedAt.slice(0, 10)}, ${r.commit}${r.dirty ? ' (uncommitted changes)' : ''}, ${r.mode} mode, dataset ${datasetOf(r)}, ${num(r.records)} records${r.store && r.store !== 'embedded' ? `, store ${r.store}` : ''}`);
  out.push('');
  if (r.dataset) out.push(`Dataset \`${r.dataset.name}\`: ${r.dataset.description}.`);
  out.push(`Machine: ${r.machine.cpus} cores, ${r.machine.totalMemoryGb} GB, Node ${r.machine.node}. Run took ${num(r.durationS)} s.`);
  const checks = Object.entries(r.cpuChecks).map(([phase, c]) => `${phase} ${c.ratio}×${c.busy ? ' **BUSY**' : ''}`).join(', ');
  out.push(`CPU check (two threads vs one, < ${Object.values(r.cpuChecks)[0]?.threshold ?? 1.7}× = busy): ${checks || '–'}.` +
    (r.busy ? ' **The machine was busy: figures are noisy.**' : ''));
  if (r.querySettle) {
    const settle = (x: { settled: boolean; afterMs: number }) => `${x.settled ? '' : 'still busy '}${num(x.afterMs / 1000, 1)} s`;
    out.push(`Warm queries began once the server was at rest (under 0.1 core over 10 s): ${settle(r.querySettle)} after the load` +
      `${r.measuredPeer?.settle ? `; VictoriaLogs ${settle(r.measuredPeer.settle)}` : ''}.`);
  }
  if (r.peer && r.records !== p.records) {
    out.push(`VictoriaLogs figures are for ${num(p.records)} records; this run has ${num(r.records)}, so the comparison and the met/missed verdicts are indicative only.`);
  }
  out.push('');
  if (r.wrongAnswers.length > 0) {
    out.push(`**WRONG ANSWERS: ${r.wrongAnswers.length}** (of ${r.checks.run} checks):`);
    out.push('');
    for (const w of r.wrongAnswers.slice(0, 30)) out.push(`- ${w}`);
    out.push('');
  } else {
    out.push(`Answers: all ${r.checks.run} checks exact (counts, newest 100, per-group count/avg/p99, hourly histogram, distinct, total records).`);
    out.push('');
  }
  if (r.failures.length > 0) {
    out.push(`**FAILURES:**`);
    out.push('');
    for (const f of r.failures) out.push(`- ${f.split('\n')[0]}`);
    out.push('');
  }

  out.push('## Targets');
  out.push('');
  out.push('| target | Tributary | goal | |');
  out.push('|---|---:|---:|---|');
  for (const t of targetRows(r)) out.push(`| ${t.name} | ${t.value} | ${t.target} | ${verdict(t.met)} |`);
  out.push('');

  const ing = r.ingest;
  out.push('## Ingest, freshness, disk');
  out.push('');
  out.push(`| | Tributary | ${p.name} |`);
  out.push('|---|---:|---:|');
  if (ing) {
    out.push(`| sustained records/s (${num(ing.windowS, 1)} s window${ing.shortRun ? ', short run: whole load, load generator\'s rate' : ` after ${num(ing.warmupS, 1)} s warm-up`}) | ${num(ing.recordsPerSec)} | ${num(p.ingest.recordsPerSec)} |`);
    out.push(`| MB/s (NDJSON, ${num(ing.bytesPerRecord)} B/record) | ${num(ing.mbPerSec, 1)} | ${num(p.ingest.mbPerSec, 1)} |`);
    out.push(`| server CPU cores (window) | ${num(ing.serverCores, 2)} | ${num(p.ingest.cores, 2)} |`);
    out.push(`| records per server CPU-second (ingest + drain) | ${num(ing.recordsPerCpuSecond)} | ${p.ingest.recordsPerCpuSecond[0] === p.ingest.recordsPerCpuSecond[1] ? num(p.ingest.recordsPerCpuSecond[0]) : `${num(p.ingest.recordsPerCpuSecond[0])}–${num(p.ingest.recordsPerCpuSecond[1])}`} |`);
    out.push(`| records per server CPU-second (window only) | ${num(ing.recordsPerCpuSecondWindow)} | |`);
    out.push(`| searchable records/s end to end (load + drain) | ${num(ing.endToEndRecordsPerSec)} | |`);
    out.push(`| backlog at end of load / max / drain time | ${num(ing.backlog.atEndRecords)} / ${num(ing.backlog.maxRecords)} / ${ing.backlog.drainMs === null ? 'never' : `${num(ing.backlog.drainMs)} ms`} | |`);
    out.push(`| backlog trend in the window | ${num(ing.backlog.slopePerSec)} rec/s (${ing.backlog.growing ? 'growing' : 'not growing'}) | |`);
    out.push(`| peak RSS during ingest / over the run | ${mb(ing.peakRssBytes)} / ${mb(r.server.peakRssBytes)} | ${mb(p.peakRssBytes)} |`);
    out.push(`| load generator CPU | ${num(ing.loadgen.cores, 2)} cores, ${num(ing.loadgen.cpuMsPer100kRecords)} ms per 100k records | |`);
  }
  const f = r.freshness;
  if (f) {
    out.push(`| freshness p50 / p99 / max (${f.visible} of ${f.probes} probes${f.timedOut ? `, ${f.timedOut} timed out` : ''}) | ${ms(f.latencyMs.p50)} / ${ms(f.latencyMs.p99)} / ${ms(f.latencyMs.max)} ms | ${num(p.freshness.p50Ms)} / ${num(p.freshness.p99Ms)} ms |`);
  }
  if (r.disk) {
    out.push(`| disk per record (data dir at rest) | ${num(r.disk.bytesPerRecord, 1)} B | ${num(p.disk.bytesPerRecord, 1)} B |`);
    out.push(`| disk vs NDJSON | ${num(r.disk.ratioToNdjson, 3)}× | ${num(p.disk.ratioToNdjson, 3)}× |`);
    const rest = r.disk.atRest;
    out.push(`| data dir: store / log, at rest (live) | ${rest ? `${mb(rest.storeBytes)} / ${mb(rest.logBytes)}` : '–'} (${mb(r.disk.live.storeBytes)} / ${mb(r.disk.live.logBytes)}) | |`);
  }
  out.push('');

  out.push(`## Queries (ms, client-side wall time; warm = median / p99 of ${r.queries[0]?.warm.runs ?? 0} runs after one warm-up; cold = first request after a server restart, OS page cache warm)`);
  out.push('');
  out.push(`| query | newest 100 warm | cold | ${p.name} | ≤ ${r.targets.queryFactor}× | count warm | cold | ${p.name} | ≤ ${r.targets.queryFactor}× |`);
  out.push('|---|---:|---:|---:|---|---:|---:|---:|---|');
  const rows = [...new Set(r.queries.filter((q) => q.kind !== 'aggregation').map((q) => q.row))];
  for (const row of rows) {
    const n = r.queries.find((q) => q.row === row && q.kind === 'newest');
    const c = r.queries.find((q) => q.row === row && q.kind === 'count');
    const cell = (q: QueryResult | undefined): string[] => q
      ? [`${ms(q.warm.medianMs)} / ${ms(q.warm.p99Ms)}`, ms(q.cold?.ms), num(q.peerMs), verdict(q.targetMs === null ? null : q.warm.medianMs <= q.targetMs)]
      : ['–', '–', '–', '–'];
    out.push(`| ${n ? labelOf(n) : row} | ${[...cell(n), ...cell(c)].join(' | ')} |`);
  }
  out.push('');
  out.push(`| aggregation | warm | cold | ${p.name} | ≤ ${r.targets.queryFactor}× |`);
  out.push('|---|---:|---:|---:|---|');
  for (const q of r.queries.filter((x) => x.kind === 'aggregation')) {
    out.push(`| ${labelOf(q)} | ${ms(q.warm.medianMs)} / ${ms(q.warm.p99Ms)} | ${ms(q.cold?.ms)} | ${num(q.peerMs)} | ${verdict(q.targetMs === null ? null : q.warm.medianMs <= q.targetMs)} |`);
  }
  out.push('');
  out.push('Requests (newest 100 = `limit=100&total=false`, no count; count = `total` of the same search with `limit=0`, which returns no hits):');
  out.push('');
  for (const q of r.queries.filter((x) => x.kind !== 'count')) out.push(`- ${QUERY_LABELS[q.row] ?? q.row}: \`${decodeURIComponent(q.path.replaceAll('+', ' '))}\``);
  out.push('');
  if (r.measuredPeer) {
    const m = r.measuredPeer;
    out.push(`## ${m.name}`);
    out.push('');
    out.push(`${num(m.records)} records in ${num(m.ingest.loadDurationS, 1)} s; disk ${num(m.disk.bytes / 1e6, 1)} MB. Ratios, Tributary to VictoriaLogs: ` +
      `records/s ${ing ? num(ing.recordsPerSec / m.ingest.recordsPerSec, 2) : '–'}, per CPU-second ${ing ? num(ing.recordsPerCpuSecond / m.ingest.recordsPerCpuSecond, 2) : '–'}, ` +
      `peak RSS ${num(r.server.peakRssBytes / m.peakRssBytes, 2)}, disk ${r.disk ? num(r.disk.bytesPerRecord / m.disk.bytesPerRecord, 2) : '–'}. ` +
      `Both loads ran with the same freshness probes; its freshness p50 / p99: ${m.freshness.visible > 0 ? `${ms(m.freshness.latencyMs.p50)} / ${ms(m.freshness.latencyMs.p99)} ms (${m.freshness.visible} of ${m.freshness.probes} probes)` : 'no probe seen'}.`);
    out.push('');
    out.push('Its counts are shown, not checked: LogsQL matches whole words and values as written, Tributary substrings and normalized levels.');
    out.push('');
    out.push('| row | LogsQL | its count | Tributary\'s |');
    out.push('|---|---|---:|---:|');
    for (const f of m.queries.filter((x) => x.count !== undefined)) {
      const ours = r.queries.find((q) => q.row === f.id && q.kind === 'count');
      out.push(`| ${f.id} | \`${f.logsql}\` | ${num(f.count)} | ${ours ? num(countOf(ours)) : '–'} |`);
    }
    out.push('');
  }
  out.push('## Change against the previous result');
  out.push('');
  for (const line of compareWithPrevious(r, previous)) out.push(line.startsWith('  ') ? `- ${line.trim()}` : line);
  out.push('');
  return out.join('\n');
}

interface Figure {
  name: string;
  value: (r: BenchResult) => number | null | undefined;
  /** true when bigger is better */
  higher: boolean;
}

const FIGURES: Figure[] = [
  { name: 'sustained records/s', value: (r) => r.ingest?.recordsPerSec, higher: true },
  { name: 'records per server CPU-second', value: (r) => r.ingest?.recordsPerCpuSecond, higher: true },
  { name: 'server cores', value: (r) => r.ingest?.serverCores, higher: false },
  { name: 'backlog at end of load', value: (r) => r.ingest?.backlog.atEndRecords, higher: false },
  { name: 'peak RSS MB', value: (r) => r.server.peakRssBytes / 1e6, higher: false },
  { name: 'freshness p50 ms', value: (r) => r.freshness?.latencyMs.p50, higher: false },
  { name: 'freshness p99 ms', value: (r) => r.freshness?.latencyMs.p99, higher: false },
  { name: 'disk B/record', value: (r) => r.disk?.bytesPerRecord, higher: false },
];

export function compareWithPrevious(r: BenchResult, previous: BenchResult | undefined): string[] {
  if (!previous) return [`No previous ${r.mode} result of dataset ${datasetOf(r)} with ${num(r.records)} records in bench/results: nothing to compare.`];
  const lines = [`${datasetOf(r)} against ${previous.startedAt.slice(0, 10)} ${previous.commit}${previous.dirty ? ' (dirty)' : ''} (${previous.mode}, ${num(previous.records)} records${previous.busy ? ', busy machine' : ''}):`];
  const line = (name: string, now: number | null | undefined, before: number | null | undefined, higher: boolean): void => {
    if (now === null || now === undefined || before === null || before === undefined || !Number.isFinite(now) || !Number.isFinite(before)) return;
    const change = before === 0 ? (now === 0 ? 0 : Number.POSITIVE_INFINITY) : ((now - before) / Math.abs(before)) * 100;
    const better = change === 0 ? '' : (change > 0) === higher ? ' better' : ' worse';
    lines.push(`  ${name}: ${num(before, before < 10 ? 1 : 0)} → ${num(now, now < 10 ? 1 : 0)} (${change >= 0 ? '+' : ''}${num(change, 1)} %${better})`);
  };
  for (const f of FIGURES) line(f.name, f.value(r), f.value(previous), f.higher);
  for (const q of r.queries) {
    const before = previous.queries.find((x) => x.id === q.id);
    line(`${q.id} warm median ms`, q.warm.medianMs, before?.warm.medianMs, false);
  }
  if (previous.wrongAnswers.length !== r.wrongAnswers.length) lines.push(`  wrong answers: ${previous.wrongAnswers.length} → ${r.wrongAnswers.length}`);
  return lines;
}

/** One table over the datasets of a run, the worst figure of each column named. */
export function renderSummary(results: readonly BenchResult[]): string {
  const t = results[0]!.targets;
  const columns: Array<{ name: string; value: (r: BenchResult) => number | null | undefined; higher: boolean; show: (n: number) => string; target: string }> = [
    { name: 'records/s', value: (r) => r.ingest?.recordsPerSec, higher: true, show: (n) => num(n), target: `≥ ${num(t.recordsPerSec)}` },
    { name: 'per CPU-second', value: (r) => r.ingest?.recordsPerCpuSecond, higher: true, show: (n) => num(n), target: `≥ ${num(t.recordsPerCpuSecond)}` },
    { name: 'peak RSS', value: (r) => r.server.peakRssBytes || null, higher: false, show: (n) => mb(n), target: `≤ ${mb(t.peakRssBytes)}` },
    { name: 'freshness p99', value: (r) => r.freshness?.latencyMs.p99, higher: false, show: (n) => `${ms(n)} ms`, target: `≤ ${num(t.freshnessP99Ms)} ms` },
    { name: 'disk vs NDJSON', value: (r) => r.disk?.ratioToNdjson, higher: false, show: (n) => `${num(n, 3)}×`, target: `≤ ${t.diskRatioToNdjson}×` },
    { name: 'slowest warm query', value: (r) => Math.max(...r.queries.map((q) => q.warm.medianMs)), higher: false, show: (n) => `${ms(n)} ms`, target: '' },
  ];
  if (results.some((r) => r.measuredPeer)) {
    const ratio = (ours: number | undefined, theirs: number | undefined): number | null => (ours && theirs ? ours / theirs : null);
    columns.push(
      { name: 'records/s vs VictoriaLogs', value: (r) => ratio(r.ingest?.recordsPerSec, r.measuredPeer?.ingest.recordsPerSec), higher: true, show: (n) => `${num(n, 2)}×`, target: '≥ 1×' },
      { name: 'per CPU-s vs VictoriaLogs', value: (r) => ratio(r.ingest?.recordsPerCpuSecond, r.measuredPeer?.ingest.recordsPerCpuSecond), higher: true, show: (n) => `${num(n, 2)}×`, target: '' },
      { name: 'queries ≤ VictoriaLogs', value: (r) => (r.measuredPeer ? r.queries.filter((q) => q.targetMs !== null && q.warm.medianMs <= q.targetMs).length / Math.max(1, r.queries.filter((q) => q.targetMs !== null).length) : null),
        higher: true, show: (n) => `${num(n * 100)} %`, target: '100 %' },
    );
  }
  const out = [`# Tributary benchmark summary: ${results[0]!.startedAt.slice(0, 10)}, ${results[0]!.commit}, ${results[0]!.mode} mode`, ''];
  out.push(`| dataset | records | ${columns.map((c) => c.name).join(' | ')} | answers |`);
  out.push(`|---|---:|${columns.map(() => '---:').join('|')}|---|`);
  for (const r of results) {
    const cells = columns.map((c) => {
      const v = c.value(r);
      return v === null || v === undefined || !Number.isFinite(v) ? '–' : c.show(v);
    });
    out.push(`| ${datasetOf(r)} | ${num(r.records)} | ${cells.join(' | ')} | ${r.wrongAnswers.length ? `**${r.wrongAnswers.length} wrong**` : `${r.checks.run} exact`}${r.failures.length ? `, **${r.failures.length} failures**` : ''} |`);
  }
  const worst = columns.map((c) => {
    const values = results.map((r) => ({ r, v: c.value(r) })).filter((x): x is { r: BenchResult; v: number } => x.v !== null && x.v !== undefined && Number.isFinite(x.v));
    if (values.length === 0) return '–';
    const w = values.reduce((a, b) => ((c.higher ? b.v < a.v : b.v > a.v) ? b : a));
    return `${c.show(w.v)} (${datasetOf(w.r)})`;
  });
  out.push(`| **worst** | | ${worst.join(' | ')} | |`);
  out.push(`| target | | ${columns.map((c) => c.target).join(' | ')} | |`);
  out.push('');
  return out.join('\n');
}
