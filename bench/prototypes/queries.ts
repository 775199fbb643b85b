// Query prototype: the benchmark rows against a DB kept by ingest.ts (--keep 1), warm median of 5.
// Each search row = newest-100 hits (full original JSON returned) + exact count, timed separately.
// Counts are checked against a brute-force pass over the same NDJSON lines.
// Usage: node bench/prototypes/queries.ts --db FILE --layout a|typed [--records 1000000] [--order ts]
//        [--index art|none] [--threads 2]
import { DuckDBInstance } from '@duckdb/node-api';
import { arg, loadLines, cpuSec } from './common.ts';
import { benchQueries, MESSAGE_REGEX } from '../bench-queries.ts';

const dbFile = arg('db', '');
const layout = arg('layout', 'typed');
const N = Number(arg('records', '1000000'));
const order = arg('order', 'ts');
const index = arg('index', 'none');
const instance = await DuckDBInstance.create(dbFile, { threads: arg('threads', '2') });
const con = await instance.connect();
const typed = layout !== 'a';

const qs = benchQueries();
const range = (name: string) => { const q = qs.find((x) => x.name === name)!; return [Date.parse(q.from!), Date.parse(q.to!)]; };
const [d0, d1] = range('one_day_range');
const [t0, t1] = range('error_timeout_two_days');
const rid = typed ? 'resourceId' : `json_extract_string(body, '$.resourceId')`;
const cust = typed ? 'customer_id' : `json_extract_string(body, '$.customer_id')`;
const lat = typed ? 'latency_ms' : `TRY_CAST(json_extract_string(body, '$.latency_ms') AS DOUBLE)`;
const table = typed ? 'records_v' : 'records';
// half-open ranges, like the benchmark rows
const rows: Array<{ name: string; where: string; check: (o: any) => boolean }> = [
  { name: 'level_error', where: `level = 'error'`, check: (o) => o.level === 'error' },
  { name: 'one_resource', where: `${rid} = 'server-1234'`, check: (o) => o.resourceId === 'server-1234' },
  { name: 'phrase_failed_to_connect', where: `message ILIKE '%failed to connect%'`, check: (o) => o.message.toLowerCase().includes('failed to connect') },
  { name: 'one_day_range', where: `ts >= ${d0} AND ts < ${d1}`, check: (o) => { const t = Date.parse(o.timestamp); return t >= d0 && t < d1; } },
  { name: 'error_timeout_two_days', where: `ts >= ${t0} AND ts < ${t1} AND level = 'error' AND message ILIKE '%timeout%'`,
    check: (o) => { const t = Date.parse(o.timestamp); return t >= t0 && t < t1 && o.level === 'error' && o.message.toLowerCase().includes('timeout'); } },
  { name: 'message_regex', where: `regexp_matches(message, '${MESSAGE_REGEX}')`, check: (o) => new RegExp(MESSAGE_REGEX).test(o.message) },
];

const lines = loadLines(N, order);
const parsed = lines.map((l) => JSON.parse(l));
const lineSet = new Set(lines);

const hx = (v: unknown) => BigInt(v as bigint).toString(16).padStart(16, '0');
const J = JSON.stringify;
/** The original line from a typed row with bin trace/span columns (same template as layouts.ts rebuildSql). */
function rebuild(h: Record<string, any>): string {
  return `{"level":${J(h.level)},"message":${J(h.message)},"resourceId":${J(h.resourceId)},"timestamp":"${new Date(Number(h.ts)).toISOString()}","traceId":"${hx(h.trace_hi)}${hx(h.trace_lo)}","spanId":"${hx(h.span)}","commit":${J(h.commit)},"metadata":{"parentResourceId":${J(h.metadata_parentResourceId)},"region":${J(h.metadata_region)},"env":${J(h.metadata_env)}},"customer_id":${J(h.customer_id)},"latency_ms":${h.latency_ms},"status":${h.status}}`;
}
async function q(sql: string) { return (await con.runAndReadAll(sql)).getRowObjects(); }
async function med(sql: string, runs = 5): Promise<{ ms: number; cpuMs: number; rows: Record<string, unknown>[] }> {
  let rowsOut = await q(sql); // warm-up
  const ts: number[] = [], cs: number[] = [];
  for (let i = 0; i < runs; i++) {
    const w = performance.now(), c = cpuSec();
    rowsOut = await q(sql);
    ts.push(performance.now() - w); cs.push((cpuSec() - c) * 1000);
  }
  ts.sort((a, b) => a - b); cs.sort((a, b) => a - b);
  return { ms: +ts[2]!.toFixed(1), cpuMs: +cs[2]!.toFixed(1), rows: rowsOut };
}

if (index === 'art') {
  const w = performance.now(), c = cpuSec();
  await con.run(`CREATE INDEX IF NOT EXISTS rid_idx ON records (resourceId)`);
  console.error(`ART index build: ${(performance.now() - w).toFixed(0)} ms, ${(cpuSec() - c).toFixed(2)} CPU-s`);
}

const out: Record<string, unknown>[] = [];
for (const r of rows) {
  const expected = parsed.filter(r.check).length;
  // typed: top-100 on the columns, body rebuilt in JS (the records_v view would rebuild every matching row before the top-N)
  const hits = await med(typed ? `SELECT * FROM records WHERE ${r.where} ORDER BY ts DESC LIMIT 100` : `SELECT ts, id, body FROM records WHERE ${r.where} ORDER BY ts DESC LIMIT 100`);
  if (typed) for (const h of hits.rows) h.body = h.raw ?? rebuild(h);
  const viaView = typed ? await med(`SELECT ts, off, body FROM records_v WHERE ${r.where} ORDER BY ts DESC LIMIT 100`) : undefined;
  const count = await med(`SELECT count(*) AS n FROM records WHERE ${r.where}`);
  const got = Number(count.rows[0]!.n);
  const exactBodies = hits.rows.every((h) => lineSet.has(String(h.body)));
  out.push({ query: r.name, hitsMs: hits.ms, hitsViaViewMs: viaView?.ms, hitsCpuMs: hits.cpuMs, countMs: count.ms, countCpuMs: count.cpuMs, count: got, expected, ok: got === expected && exactBodies });
}
const perCustomer = await med(`SELECT ${cust} AS c, count(*) n, avg(${lat}) a, quantile_cont(${lat}, 0.99) p99 FROM records GROUP BY 1 ORDER BY n DESC`, 3);
out.push({ query: 'per_customer_p99', ms: perCustomer.ms, cpuMs: perCustomer.cpuMs, groups: perCustomer.rows.length });
const hourly = await med(`SELECT ts // 3600000 AS h, count(*) n FROM records GROUP BY 1 ORDER BY 1`);
out.push({ query: 'hits_per_hour', ms: hourly.ms, cpuMs: hourly.cpuMs, buckets: hourly.rows.length });
const distinct = await med(`SELECT count(DISTINCT ${rid}) n FROM records`);
out.push({ query: 'distinct_resourceId', ms: distinct.ms, cpuMs: distinct.cpuMs, n: Number(distinct.rows[0]!.n) });
for (const o of out) console.log(JSON.stringify({ db: dbFile.split('/').pop(), layout, index, ...o }));
con.closeSync(); instance.closeSync();
