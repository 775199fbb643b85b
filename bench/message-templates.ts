// Message templates of the benchmark workload. Each template fixes the level, its share of all
// records, the HTTP status mix and the latency model; its variable parts come from the record's
// random stream. Only these templates contain the phrase "Failed to connect" or the word
// "timeout"; no variable part contains either.

import type { RecordRandom } from './record-random.ts';
import type { BenchLevel } from './vocabulary.ts';
import {
  API_PATHS, DB_TABLES, DECLINE_REASONS, DISK_ERRNOS, ERROR_NAMES, HTTP_METHODS, SDK_CLIENTS,
  SERVICES, SPAN_NAMES,
} from './vocabulary.ts';

/** normal: log-normal around ~40 ms; timeout: a configured timeout (1–30 s) plus a few ms; fast: 0–4 ms. */
export type LatencyModel = 'normal' | 'timeout' | 'fast';

export interface MessageContext {
  latencyMs: number;
  status: number;
  customerId: string;
}

export interface MessageTemplate {
  id: string;
  level: BenchLevel;
  /** Share of all records, in basis points. All templates together sum to 10000. */
  weightBp: number;
  /** Human-readable shape of the message; {name} marks a variable part. */
  pattern: string;
  /** [status code, weight]; the weights of one template sum to 100. */
  statuses: ReadonlyArray<readonly [number, number]>;
  latency: LatencyModel;
  render(r: RecordRandom, c: MessageContext): string;
}

function dbHost(r: RecordRandom): string {
  return `pg-${String(r.below(24)).padStart(2, '0')}.cluster.internal`;
}

function privateIp(r: RecordRandom): string {
  const x = r.u32();
  return `10.${(x >>> 16) & 255}.${(x >>> 8) & 255}.${x & 255}`;
}

function shortId(r: RecordRandom, prefix: string): string {
  return prefix + r.u32().toString(36);
}

export const MESSAGE_TEMPLATES: readonly MessageTemplate[] = [
  // error — 1000 bp
  {
    id: 'db_connect_failed', level: 'error', weightBp: 100, latency: 'normal',
    pattern: 'Failed to connect to DB {dbHost}', statuses: [[500, 70], [503, 30]],
    render: (r) => `Failed to connect to DB ${dbHost(r)}`,
  },
  {
    id: 'upstream_timeout', level: 'error', weightBp: 250, latency: 'timeout',
    pattern: 'Upstream request timeout after {latency_ms} ms calling {service}', statuses: [[504, 100]],
    render: (r, c) => `Upstream request timeout after ${c.latencyMs} ms calling ${r.pick(SERVICES)}`,
  },
  {
    id: 'socket_timeout', level: 'error', weightBp: 100, latency: 'timeout',
    pattern: 'Socket timeout while reading from {ip}:{port}', statuses: [[502, 100]],
    render: (r) => `Socket timeout while reading from ${privateIp(r)}:${8000 + r.below(100)}`,
  },
  {
    id: 'unhandled_exception', level: 'error', weightBp: 250, latency: 'normal',
    pattern: 'Unhandled exception in {method} {path}: {errorName}', statuses: [[500, 100]],
    render: (r) => `Unhandled exception in ${r.pick(HTTP_METHODS)} ${r.pick(API_PATHS)}: ${r.pick(ERROR_NAMES)}`,
  },
  {
    id: 'payment_declined', level: 'error', weightBp: 150, latency: 'normal',
    pattern: 'Payment declined for order {orderId}: {reason}', statuses: [[402, 100]],
    render: (r) => `Payment declined for order ${shortId(r, 'ord_')}: ${r.pick(DECLINE_REASONS)}`,
  },
  {
    id: 'disk_write_error', level: 'error', weightBp: 150, latency: 'normal',
    pattern: 'Disk write error on volume {volume}: {errno}', statuses: [[507, 100]],
    render: (r) => `Disk write error on volume vol-${r.u32().toString(16)}: ${r.pick(DISK_ERRNOS)}`,
  },
  // warn — 1500 bp
  {
    id: 'slow_query_timeout', level: 'warn', weightBp: 120, latency: 'timeout',
    pattern: 'Slow query timeout after {latency_ms} ms on table {table}', statuses: [[200, 100]],
    render: (r, c) => `Slow query timeout after ${c.latencyMs} ms on table ${r.pick(DB_TABLES)}`,
  },
  {
    id: 'retry_after_timeout', level: 'warn', weightBp: 280, latency: 'normal',
    pattern: 'Retrying {service} after timeout (attempt {n}/5)', statuses: [[200, 80], [503, 20]],
    render: (r) => `Retrying ${r.pick(SERVICES)} after timeout (attempt ${1 + r.below(5)}/5)`,
  },
  {
    id: 'cache_miss_ratio', level: 'warn', weightBp: 300, latency: 'normal',
    pattern: 'Cache miss ratio high on {cacheNode}: {pct}%', statuses: [[200, 100]],
    render: (r) => `Cache miss ratio high on redis-${String(r.below(16)).padStart(2, '0')}: ${35 + r.below(60)}%`,
  },
  {
    id: 'rate_limit_approaching', level: 'warn', weightBp: 400, latency: 'normal',
    pattern: 'Rate limit approaching for {customer_id}: {n} requests in last minute', statuses: [[200, 75], [429, 25]],
    render: (r, c) => `Rate limit approaching for ${c.customerId}: ${800 + r.below(400)} requests in last minute`,
  },
  {
    id: 'deprecated_api', level: 'warn', weightBp: 400, latency: 'normal',
    pattern: 'Deprecated API version {apiVersion} called by {sdkClient}', statuses: [[200, 90], [400, 10]],
    render: (r) => `Deprecated API version v${1 + r.below(2)} called by ${r.pick(SDK_CLIENTS)}`,
  },
  // info — 5500 bp
  {
    id: 'request_completed', level: 'info', weightBp: 2500, latency: 'normal',
    pattern: 'Request {method} {path} completed with status {status} in {latency_ms} ms',
    statuses: [[200, 60], [201, 14], [204, 10], [304, 6], [400, 4], [401, 3], [404, 3]],
    render: (r, c) => `Request ${r.pick(HTTP_METHODS)} ${r.pick(API_PATHS)} completed with status ${c.status} in ${c.latencyMs} ms`,
  },
  {
    id: 'user_logged_in', level: 'info', weightBp: 800, latency: 'normal',
    pattern: 'User {userId} logged in from {ip}', statuses: [[200, 100]],
    render: (r) => `User ${shortId(r, 'usr_')} logged in from ${privateIp(r)}`,
  },
  {
    id: 'job_finished', level: 'info', weightBp: 700, latency: 'normal',
    pattern: 'Job {jobId} finished processing {n} items', statuses: [[200, 100]],
    render: (r) => `Job job-${r.below(1_000_000)} finished processing ${1 + r.below(5000)} items`,
  },
  {
    id: 'cache_refreshed', level: 'info', weightBp: 700, latency: 'normal',
    pattern: 'Cache refreshed for key preset:{customer_id}:{n}', statuses: [[200, 100]],
    render: (r, c) => `Cache refreshed for key preset:${c.customerId}:${r.below(100)}`,
  },
  {
    id: 'health_check_passed', level: 'info', weightBp: 800, latency: 'fast',
    pattern: 'Health check passed for {service}', statuses: [[200, 100]],
    render: (r) => `Health check passed for ${r.pick(SERVICES)}`,
  },
  // debug — 2000 bp
  {
    id: 'opening_connection', level: 'debug', weightBp: 600, latency: 'fast',
    pattern: 'Opening connection to {dbHost} pool size {n}', statuses: [[200, 100]],
    render: (r) => `Opening connection to ${dbHost(r)} pool size ${4 + r.below(60)}`,
  },
  {
    id: 'parsed_headers', level: 'debug', weightBp: 700, latency: 'fast',
    pattern: 'Parsed request headers for {path}: {n} headers', statuses: [[200, 100]],
    render: (r) => `Parsed request headers for ${r.pick(API_PATHS)}: ${6 + r.below(30)} headers`,
  },
  {
    id: 'span_started', level: 'debug', weightBp: 700, latency: 'fast',
    pattern: 'Span {spanName} started on {service}', statuses: [[200, 100]],
    render: (r) => `Span ${r.pick(SPAN_NAMES)} started on ${r.pick(SERVICES)}`,
  },
];

export function templateById(id: string): MessageTemplate {
  const found = MESSAGE_TEMPLATES.find((t) => t.id === id);
  if (!found) throw new Error(`unknown message template ${id}`);
  return found;
}

/** Templates whose messages contain "timeout" (case-insensitive substring, as the query language matches words). */
export const TIMEOUT_TEMPLATE_IDS: readonly string[] = MESSAGE_TEMPLATES
  .filter((t) => /timeout/i.test(t.pattern)).map((t) => t.id);
