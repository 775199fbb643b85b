// Logs that look like a real fleet's rather than like our generator's: the traits of the
// independent benchmark that found Tributary 5x behind VictoriaLogs, and more.
// - times strictly increasing over 7 days (or the same times shuffled);
// - numbers printed as Go and JavaScript print floats: `82` beside `82.6`;
// - fields that are a number in one record and a string in the next (`status`, `user_id`),
//   fields present in some records only (traceId, error, http, retry), levels in any case;
// - messages from 55 base templates x 4 `[component]` prefixes with variable ids, hosts, ports,
//   durations, paths, users and IPs, plus 2,400 job templates (thousands of distinct patterns);
// - 40-hex commits, a one-field `metadata`, 500 customers with half the traffic on 50;
// - optionally wide: 100+ more fields per record (labels, metrics, flags, nested k8s metadata).

import { RecordRandom } from '../record-random.ts';
import type { Dataset } from './dataset.ts';
import { DAY_MS } from './dataset.ts';
import { writeLines } from './write-lines.ts';

export interface VariedOptions {
  order: 'ascending' | 'shuffled';
  wide: boolean;
}

const END_MS = Date.parse('2025-03-01T00:00:00.000Z');
const SPAN_MS = 7 * DAY_MS;
const HOSTS = 2000;
const COMPONENTS = ['[api]', '[worker]', '[scheduler]', '[gateway]'];
const HEX = '0123456789abcdef';
const COMMITS = Array.from({ length: 40 }, (_, k) => {
  const r = new RecordRandom().reset(99, k);
  let s = '';
  for (let i = 0; i < 40; i++) s += HEX[r.below(16)];
  return s;
});
const USERS = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi', 'ivan', 'judy', 'mallory', 'oscar'];
const PATHS = ['/api/v1/orders', '/api/v1/users/me', '/api/v2/search', '/healthz', '/api/v1/payments', '/static/app.js', '/api/v2/cart/items', '/login'];
const TABLES = ['orders', 'users', 'payments', 'sessions', 'inventory', 'audit_log'];
const QUEUES = ['email', 'billing', 'thumbnails', 'exports', 'webhooks'];
const JOB_NAMES = Array.from({ length: 120 }, (_, k) => `job-${['sync', 'export', 'reindex', 'compact', 'notify', 'rollup'][k % 6]}-${k}`);
const JOB_STEPS = ['fetch', 'transform', 'validate', 'load', 'verify', 'cleanup', 'publish', 'archive', 'report', 'notify', 'lock', 'unlock', 'plan', 'apply', 'diff', 'merge', 'split', 'sort', 'hash', 'sign'];

type Level = 'error' | 'warn' | 'info' | 'debug';
type Render = (r: RecordRandom) => string;
const LEVEL_SPELLINGS: Record<Level, readonly string[]> = {
  error: ['error', 'error', 'ERROR', 'Error', 'err'],
  warn: ['warn', 'warning', 'WARN', 'Warning'],
  info: ['info', 'info', 'INFO', 'Info'],
  debug: ['debug', 'DEBUG'],
};

const ip = (r: RecordRandom): string => `10.${r.below(256)}.${r.below(256)}.${r.below(256)}`;
const host = (r: RecordRandom): string => `node-${r.below(300)}.prod.internal`;
const port = (r: RecordRandom): number => 1024 + r.below(60000);
const ms = (r: RecordRandom): number => r.below(5000);
const id = (r: RecordRandom): string => `${HEX[r.below(16)]}${r.below(1_000_000).toString(36)}${HEX[r.below(16)]}`;
const user = (r: RecordRandom): string => `${r.pick(USERS)}${r.below(100)}`;
const path = (r: RecordRandom): string => r.pick(PATHS);

/** 55 base templates: [level, weight, render]. Only the marked ones say "connection refused",
 *  "timeout" or "timed out after N ms"; no variable part can. */
const BASE: Array<[Level, number, Render]> = [
  ['info', 60, (r) => `GET ${path(r)} 200 in ${ms(r)}ms`],
  ['info', 40, (r) => `POST ${path(r)} 201 in ${ms(r)}ms`],
  ['info', 30, (r) => `user ${user(r)} logged in from ${ip(r)}`],
  ['info', 20, (r) => `user ${user(r)} logged out after ${r.below(600)} minutes`],
  ['info', 25, (r) => `order ${id(r)} created for ${r.below(90) + 1} items`],
  ['info', 20, (r) => `payment ${id(r)} captured`],
  ['info', 15, (r) => `cache hit ratio ${r.below(100)}% on ${host(r)}`],
  ['info', 15, (r) => `connected to ${host(r)}:${port(r)}`],
  ['info', 10, (r) => `listening on 0.0.0.0:${port(r)}`],
  ['info', 10, (r) => `config reloaded (${r.below(50)} keys changed)`],
  ['info', 12, (r) => `enqueued ${r.below(1000)} messages on ${r.pick(QUEUES)}`],
  ['info', 12, (r) => `consumer ${id(r)} joined group ${r.pick(QUEUES)}-consumers`],
  ['info', 10, (r) => `flushed ${r.below(100000)} rows to ${r.pick(TABLES)} in ${ms(r)}ms`],
  ['info', 8, (r) => `session ${id(r)} renewed for ${user(r)}`],
  ['info', 8, (r) => `scheduled task ${r.pick(JOB_NAMES)} in ${r.below(3600)}s`],
  ['info', 8, (r) => `uploaded ${r.below(900)} KB to s3://bucket-${r.below(9)}/${id(r)}`],
  ['info', 6, (r) => `certificate for ${host(r)} valid for ${r.below(90)} days`],
  ['info', 6, (r) => `leader elected: ${host(r)}`],
  ['info', 6, (r) => `compaction of segment ${r.below(99999)} done in ${ms(r)}ms`],
  ['info', 5, (r) => `feature flag ${['dark-mode', 'new-checkout', 'fast-search'][r.below(3)]} on for ${user(r)}`],
  ['debug', 30, (r) => `SELECT * FROM ${r.pick(TABLES)} WHERE id = ${r.below(1_000_000)} took ${ms(r)}ms`],
  ['debug', 20, (r) => `cache miss for key ${r.pick(TABLES)}:${id(r)}`],
  ['debug', 15, (r) => `headers: x-request-id=${id(r)} user-agent=curl/8.${r.below(9)}`],
  ['debug', 12, (r) => `pool stats: active=${r.below(50)} idle=${r.below(50)} waiting=${r.below(5)}`],
  ['debug', 10, (r) => `gc pause ${r.below(200)}ms heap ${r.below(4096)}MB`],
  ['debug', 8, (r) => `resolved ${host(r)} to ${ip(r)}`],
  ['debug', 8, (r) => `retrying request ${id(r)} (attempt ${r.below(5) + 1})`],
  ['debug', 6, (r) => `span ${id(r)} finished in ${ms(r)}ms`],
  ['debug', 5, (r) => `token for ${user(r)} expires in ${r.below(3600)}s`],
  ['debug', 5, (r) => `lock ${r.pick(TABLES)}-${r.below(64)} acquired by ${host(r)}`],
  ['warn', 20, (r) => `slow query on ${r.pick(TABLES)}: ${1000 + ms(r)}ms`],
  ['warn', 12, (r) => `retry ${r.below(5) + 1}/5 for ${path(r)}`],
  ['warn', 10, (r) => `disk usage ${80 + r.below(20)}% on ${host(r)}`],
  ['warn', 8, (r) => `rate limit near for ${user(r)}: ${r.below(100)} req/s`],
  ['warn', 8, (r) => `deprecated endpoint ${path(r)} called by ${ip(r)}`],
  ['warn', 6, (r) => `queue ${r.pick(QUEUES)} lag ${r.below(100000)} messages`],
  ['warn', 6, (r) => `request timeout approaching for ${path(r)} (${ms(r)}ms)`],
  ['warn', 5, (r) => `memory ${70 + r.below(30)}% of limit on ${host(r)}`],
  ['warn', 5, (r) => `certificate for ${host(r)} expires in ${r.below(14)} days`],
  ['warn', 4, (r) => `consumer ${id(r)} rebalancing (${r.below(12)} partitions)`],
  ['warn', 4, (r) => `upstream ${host(r)} answered 503, failing over`],
  ['warn', 3, (r) => `clock skew ${r.below(900)}ms against ${host(r)}`],
  ['error', 12, (r) => `connect ECONNREFUSED ${ip(r)}:${port(r)}: connection refused`],
  ['error', 10, (r) => `upstream ${host(r)} timed out after ${ms(r)} ms`],
  ['error', 8, (r) => `query timeout on ${r.pick(TABLES)} after ${ms(r)}ms`],
  ['error', 8, (r) => `payment ${id(r)} declined: ${['insufficient funds', 'card expired', 'do not honor'][r.below(3)]}`],
  ['error', 6, (r) => `unhandled exception in ${path(r)}: TypeError: cannot read properties of undefined (reading '${id(r)}')`],
  ['error', 6, (r) => `failed to write ${r.pick(TABLES)}: disk full on ${host(r)}`],
  ['error', 5, (r) => `job ${r.pick(JOB_NAMES)} failed: exit code ${r.below(255) + 1}`],
  ['error', 4, (r) => `TLS handshake with ${ip(r)}:${port(r)} failed`],
  ['error', 4, (r) => `dead letter: message ${id(r)} on ${r.pick(QUEUES)} exceeded ${r.below(10) + 3} retries`],
  ['error', 3, (r) => `authentication failed for ${user(r)} from ${ip(r)}`],
  ['error', 3, (r) => `panic: index out of range [${r.below(64)}] with length ${r.below(64)}`],
  ['error', 3, (r) => `lost connection to ${host(r)}:${port(r)}: connection refused by peer`],
  ['error', 2, (r) => `kafka produce timeout for topic ${r.pick(QUEUES)} after ${ms(r)}ms`],
];
if (BASE.length !== 55) throw new Error(`varied: ${BASE.length} base templates, not 55`);
/** 2,400 job templates: 120 job names x 20 steps, each its own message pattern. */
const JOB_WEIGHT = 120;
const TOTAL_WEIGHT = BASE.reduce((a, [, w]) => a + w, 0) + JOB_WEIGHT;
const TEMPLATE_BY_TICKET: number[] = [];
BASE.forEach(([, w], k) => { for (let i = 0; i < w; i++) TEMPLATE_BY_TICKET.push(k); });
for (let i = 0; i < JOB_WEIGHT; i++) TEMPLATE_BY_TICKET.push(-1);

const random = new RecordRandom();

/** A float printed the way Go and JavaScript print it: 82.6, and 82 when it is whole. */
function jsFloat(x: number): number {
  return Math.round(x * 10) / 10;
}

function hex(r: RecordRandom, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += HEX[r.below(16)];
  return s;
}

/** Index of the record at position i of the time order (a bijection of [0, n)). */
function timeSlot(i: number, n: number, order: VariedOptions['order']): number {
  if (order === 'ascending') return i;
  // i -> (i * a + c) mod n with a coprime to n: every slot once, in scattered order
  let a = 2_654_435_761 % n || 1;
  while (gcd(a, n) !== 1) a++;
  return Number((BigInt(i) * BigInt(a) + 12_345n) % BigInt(n));
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

function wideFields(r: RecordRandom, out: Record<string, unknown>): void {
  for (let k = 0; k < 60; k++) out[`attr_${String(k).padStart(2, '0')}`] = `v${k}-${r.below(5 + k * 3)}`;
  for (let k = 0; k < 30; k++) out[`m_${String(k).padStart(2, '0')}`] = jsFloat(r.float() * 10 ** (1 + (k % 5)));
  for (let k = 0; k < 10; k++) out[`flag_${k}`] = r.below(2) === 0;
  out.k8s = {
    namespace: ['prod', 'staging', 'batch'][r.below(3)],
    pod: `app-${r.below(40)}-${hex(r, 5)}`,
    container: ['app', 'sidecar', 'init'][r.below(3)],
    node: `ip-10-0-${r.below(16)}-${r.below(256)}`,
    labels: { app: `svc-${r.below(30)}`, team: ['core', 'payments', 'search', 'growth'][r.below(4)], version: `v1.${r.below(40)}.${r.below(10)}` },
  };
}

export function variedRecord(seed: number, i: number, n: number, o: VariedOptions): Record<string, unknown> {
  const slot = timeSlot(i, n, o.order);
  const r = random.reset(seed, i);
  const tsMs = END_MS - SPAN_MS + Math.floor((slot * SPAN_MS) / n) + 1;
  const ticket = TEMPLATE_BY_TICKET[r.below(TOTAL_WEIGHT)]!;
  let level: Level;
  let message: string;
  if (ticket >= 0) {
    const [l, , render] = BASE[ticket]!;
    level = l;
    message = `${COMPONENTS[r.below(4)]} ${render(r)}`;
  } else {
    level = 'info';
    message = `${COMPONENTS[r.below(4)]} ${r.pick(JOB_NAMES)} step ${r.pick(JOB_STEPS)} finished in ${ms(r)}ms (${r.below(100000)} items)`;
  }
  const hostIndex = r.below(HOSTS);
  const u = r.float();
  const customer = u < 0.5 ? r.below(50) : 50 + r.below(450);
  const latency = Math.exp(3.5 + 1.1 * (r.float() + r.float() + r.float() - 1.5));
  const status = level === 'error' ? r.pick([500, 502, 503, 504]) : level === 'warn' ? r.pick([200, 429, 503]) : r.pick([200, 200, 200, 201, 204, 304]);
  const record: Record<string, unknown> = {
    timestamp: r.below(10) === 0 ? new Date(tsMs).toISOString().replace('Z', '+00:00') : new Date(tsMs).toISOString(),
    level: r.pick(LEVEL_SPELLINGS[level]),
    message,
    resourceId: `host-${String(hostIndex).padStart(4, '0')}`,
  };
  if (r.below(10) < 7) {
    record.traceId = hex(r, 32);
    record.spanId = hex(r, 16);
  }
  record.commit = COMMITS[Math.floor((slot * COMMITS.length) / n)];
  record.metadata = { parentResourceId: `host-${String(hostIndex - (hostIndex % 50)).padStart(4, '0')}` };
  record.customer_id = `cust_${customer}`;
  if (r.below(50) !== 0) record.latency_ms = jsFloat(latency);
  record.status = r.below(7) === 0 ? String(status) : status;
  const userNumber = r.below(100_000);
  record.user_id = r.below(4) === 0 ? `u-${userNumber}` : userNumber;
  if (level === 'error' && r.below(2) === 0) record.error = { type: r.pick(['TypeError', 'TimeoutError', 'DBError']), code: r.below(2) === 0 ? `E${r.below(999)}` : r.below(999) };
  if (r.below(3) === 0) record.http = { method: r.pick(['GET', 'POST', 'PUT']), path: path(r), bytes: r.below(100_000) };
  if (r.below(20) === 0) record.retry = r.below(5) + 1;
  if (o.wide) wideFields(r, record);
  return record;
}

export function variedDataset(name: string, o: VariedOptions): Dataset {
  return {
    name,
    description: `fleet logs unlike our generator's: ${o.order === 'ascending' ? 'strictly increasing times' : 'times shuffled'}, ` +
      `floats printed 82 / 82.6, fields that change type or come and go, 2,455 message templates${o.wide ? ', 120+ fields per record' : ''}`,
    defaultRecords: o.wide ? { full: 1_000_000, quick: 20_000 } : { full: o.order === 'ascending' ? 10_000_000 : 3_000_000, quick: 100_000 },
    queries: {
      timeField: 'timestamp',
      hasLevels: true,
      exact: [{ name: 'one_resource', field: 'resourceId', value: 'host-0042' }],
      phrase: 'connection refused',
      word: 'timeout',
      regex: 'timed out after [0-9]+ ms',
      numberMatch: { field: 'status', value: 503 },
      stats: { by: 'customer_id', numeric: 'latency_ms' },
      distinct: 'resourceId',
    },
    async write(path, records, seed) {
      writeLines(path, records, (i) => `${JSON.stringify(variedRecord(seed, i, records, o))}\n`);
    },
    probe: (marker, now) => ({
      timestamp: now.toISOString(), level: 'info', message: `freshness probe ${marker}`, resourceId: 'host-probe',
      commit: '0'.repeat(40), metadata: { parentResourceId: 'host-probe' }, customer_id: 'cust_probe', latency_ms: 0, status: 200, user_id: 0,
      probe_marker: marker,
    }),
  };
}
