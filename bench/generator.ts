// Deterministic generator of Dyte-format benchmark logs. Record i of a seed depends only on
// (seed, i, options), so any slice can be rendered in any process and expected query answers
// can be recomputed by brute force (bench/expected.ts).

import { RecordRandom } from './record-random.ts';
import { MESSAGE_TEMPLATES } from './message-templates.ts';
import type { MessageContext, MessageTemplate } from './message-templates.ts';
import type { BenchLevel } from './vocabulary.ts';
import {
  COMMITS, CUSTOMER_COUNT, HOUR_OF_DAY_WEIGHTS, REGIONS, SERVER_COUNT, SERVERS_PER_PARENT,
  customerName, serverName,
} from './vocabulary.ts';

export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;
/** Default end of the generated time span (exclusive). Fixed so runs are reproducible. */
export const DEFAULT_END_TIME_MS = Date.parse('2025-01-15T00:00:00.000Z');
export const DEFAULT_SPAN_DAYS = 7;

export interface GeneratorOptions {
  /** End of the time span, ms since the epoch, exclusive. Default DEFAULT_END_TIME_MS. */
  endTimeMs?: number;
  /** Length of the time span in days (whole hours allowed, e.g. 0.5). Default 7. */
  spanDays?: number;
}

export interface DyteRecord {
  level: BenchLevel;
  message: string;
  resourceId: string;
  timestamp: string;
  traceId: string;
  spanId: string;
  commit: string;
  metadata: { parentResourceId: string; region: string; env: string };
  customer_id: string;
  latency_ms: number;
  status: number;
}

/** The drawn values of one record, numeric where possible (for fast brute-force answers). */
export interface RecordParts {
  template: MessageTemplate;
  templateIndex: number;
  serverIndex: number;
  customerIndex: number;
  tsMs: number;
  /** ISO 8601 with milliseconds, as new Date(tsMs).toISOString(). */
  timestamp: string;
  latencyMs: number;
  status: number;
  message: string;
  traceId: string;
  spanId: string;
  commit: string;
}

interface TimePlan {
  startMs: number;
  endMs: number;
  hours: number;
  /** A ticket drawn uniformly maps to an hour index of the span (weighted by hour of day). */
  hourByTicket: Uint16Array;
  /** ISO prefix of each hour of the span, e.g. "2025-01-11T01:". */
  isoHourPrefix: readonly string[];
}

const SERVER_NAMES: readonly string[] = Array.from({ length: SERVER_COUNT }, (_, i) => serverName(i));
const PARENT_NAMES: readonly string[] = Array.from(
  { length: SERVER_COUNT }, (_, i) => serverName(i - (i % SERVERS_PER_PARENT)));
const CUSTOMER_NAMES: readonly string[] = Array.from({ length: CUSTOMER_COUNT }, (_, i) => customerName(i));
const HEX_BYTE: readonly string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
const TWO_DIGITS: readonly string[] = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, '0'));
const THREE_DIGITS: readonly string[] = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));
/** The last tenth of the servers run in staging. */
const STAGING_FROM_SERVER = SERVER_COUNT * 0.9;
const TIMEOUTS_MS: readonly number[] = [1000, 2000, 5000, 10000, 30000];

const TEMPLATE_BY_TICKET = buildTemplateTickets();
const STATUS_TICKETS: readonly Uint16Array[] = MESSAGE_TEMPLATES.map((t) => buildStatusTickets(t));
const timePlans = new Map<string, TimePlan>();
const random = new RecordRandom();

function buildTemplateTickets(): Uint8Array {
  const tickets = new Uint8Array(10_000);
  let next = 0;
  MESSAGE_TEMPLATES.forEach((t, index) => {
    tickets.fill(index, next, next + t.weightBp);
    next += t.weightBp;
  });
  if (next !== 10_000) throw new Error(`template weights sum to ${next} bp, not 10000`);
  return tickets;
}

function buildStatusTickets(t: MessageTemplate): Uint16Array {
  const tickets = new Uint16Array(100);
  let next = 0;
  for (const [status, weight] of t.statuses) {
    tickets.fill(status, next, next + weight);
    next += weight;
  }
  if (next !== 100) throw new Error(`status weights of ${t.id} sum to ${next}, not 100`);
  return tickets;
}

export function resolveTimeSpan(opts: GeneratorOptions = {}): { startMs: number; endMs: number } {
  const plan = timePlan(opts);
  return { startMs: plan.startMs, endMs: plan.endMs };
}

function timePlan(opts: GeneratorOptions): TimePlan {
  const endMs = opts.endTimeMs ?? DEFAULT_END_TIME_MS;
  const spanDays = opts.spanDays ?? DEFAULT_SPAN_DAYS;
  const key = `${endMs}/${spanDays}`;
  let plan = timePlans.get(key);
  if (plan) return plan;
  const hours = Math.round(spanDays * 24);
  if (!Number.isInteger(endMs) || endMs % 60_000 !== 0 || hours < 1 || Math.abs(hours - spanDays * 24) > 1e-9) {
    throw new Error(`bad generator time span: endTimeMs=${endMs}, spanDays=${spanDays} (whole minutes, whole hours only)`);
  }
  const startMs = endMs - hours * HOUR_MS;
  const weights: number[] = [];
  for (let h = 0; h < hours; h++) {
    const hourOfDay = new Date(startMs + h * HOUR_MS).getUTCHours();
    weights.push(HOUR_OF_DAY_WEIGHTS[hourOfDay] ?? 1);
  }
  const hourByTicket = new Uint16Array(weights.reduce((a, b) => a + b, 0));
  let next = 0;
  weights.forEach((w, h) => {
    hourByTicket.fill(h, next, next + w);
    next += w;
  });
  const isoHourPrefix = weights.map((_, h) => new Date(startMs + h * HOUR_MS).toISOString().slice(0, 14));
  plan = { startMs, endMs, hours, hourByTicket, isoHourPrefix };
  timePlans.set(key, plan);
  return plan;
}

function hex32(x: number): string {
  return HEX_BYTE[x >>> 24]! + HEX_BYTE[(x >>> 16) & 255]! + HEX_BYTE[(x >>> 8) & 255]! + HEX_BYTE[x & 255]!;
}

function drawLatency(r: RecordRandom, template: MessageTemplate, customerIndex: number): number {
  if (template.latency === 'fast') return r.below(5);
  if (template.latency === 'timeout') return r.pick(TIMEOUTS_MS) + r.below(40);
  // Log-normal (median ~37 ms) from an Irwin–Hall(4) approximation of a standard normal,
  // slower for some customers, with a 1 % slow tail.
  const z = (r.float() + r.float() + r.float() + r.float() - 2) * 1.7320508075688772;
  const customerFactor = 1 + (customerIndex % 4) * 0.5;
  const tail = r.below(100) === 0 ? 6 : 1;
  return Math.max(1, Math.round(Math.exp(3.6 + 0.7 * z) * customerFactor * tail));
}

/** Draws record `index` of `seed`. The draw order is part of the data format: do not reorder. */
export function generateRecordParts(seed: number, index: number, opts: GeneratorOptions = {}): RecordParts {
  const r = random.reset(seed, index);
  const plan = timePlan(opts);
  const templateIndex = TEMPLATE_BY_TICKET[r.below(10_000)]!;
  const template = MESSAGE_TEMPLATES[templateIndex]!;
  const serverIndex = r.below(SERVER_COUNT);
  const u = r.float();
  const customerIndex = Math.floor(CUSTOMER_COUNT * u * u); // skewed: low numbers are big customers
  const hour = plan.hourByTicket[r.below(plan.hourByTicket.length)]!;
  let msInHour = r.below(HOUR_MS);
  if (msInHour % 60_000 === 0) msInHour += 1; // never on a whole minute: range bounds stay unambiguous
  const tsMs = plan.startMs + hour * HOUR_MS + msInHour;
  const secondInHour = Math.floor(msInHour / 1000);
  const timestamp = plan.isoHourPrefix[hour]! + TWO_DIGITS[Math.floor(secondInHour / 60)]! + ':' +
    TWO_DIGITS[secondInHour % 60]! + '.' + THREE_DIGITS[msInHour % 1000]! + 'Z';
  const status = STATUS_TICKETS[templateIndex]![r.below(100)]!;
  const latencyMs = drawLatency(r, template, customerIndex);
  const traceId = hex32(r.u32()) + hex32(r.u32()) + hex32(r.u32()) + hex32(r.u32());
  const spanId = hex32(r.u32()) + hex32(r.u32());
  const commit = COMMITS[Math.min(COMMITS.length - 1, Math.floor((hour * COMMITS.length) / plan.hours))]!;
  const context: MessageContext = { latencyMs, status, customerId: CUSTOMER_NAMES[customerIndex]! };
  const message = template.render(r, context);
  return {
    template, templateIndex, serverIndex, customerIndex, tsMs, timestamp, latencyMs, status, message, traceId, spanId, commit,
  };
}

export function partsToRecord(p: RecordParts): DyteRecord {
  return {
    level: p.template.level,
    message: p.message,
    resourceId: SERVER_NAMES[p.serverIndex]!,
    timestamp: p.timestamp,
    traceId: p.traceId,
    spanId: p.spanId,
    commit: p.commit,
    metadata: {
      parentResourceId: PARENT_NAMES[p.serverIndex]!,
      region: REGIONS[p.serverIndex % REGIONS.length]!,
      env: envOfServer(p.serverIndex),
    },
    customer_id: CUSTOMER_NAMES[p.customerIndex]!,
    latency_ms: p.latencyMs,
    status: p.status,
  };
}

export function envOfServer(serverIndex: number): string {
  return serverIndex >= STAGING_FROM_SERVER ? 'staging' : 'prod';
}

export function generateRecord(seed: number, index: number, opts: GeneratorOptions = {}): DyteRecord {
  return partsToRecord(generateRecordParts(seed, index, opts));
}

/** One NDJSON line with its newline; byte-identical to JSON.stringify(generateRecord(...)) + '\n'. */
export function renderNdjsonLine(p: RecordParts): string {
  const s = p.serverIndex;
  return `{"level":"${p.template.level}","message":"${p.message}","resourceId":"${SERVER_NAMES[s]}",` +
    `"timestamp":"${p.timestamp}","traceId":"${p.traceId}","spanId":"${p.spanId}",` +
    `"commit":"${p.commit}","metadata":{"parentResourceId":"${PARENT_NAMES[s]}","region":"${REGIONS[s % REGIONS.length]}","env":"${envOfServer(s)}"},` +
    `"customer_id":"${CUSTOMER_NAMES[p.customerIndex]}","latency_ms":${p.latencyMs},"status":${p.status}}\n`;
}

/** Records [startIndex, startIndex + count) as NDJSON (ASCII only), each line ending in '\n'. */
export function generateNdjsonChunk(seed: number, startIndex: number, count: number, opts: GeneratorOptions = {}): Buffer {
  return renderChunk(startIndex, count, (i) => renderNdjsonLine(generateRecordParts(seed, i, opts)));
}

/** Renders lines for [startIndex, startIndex + count) straight into one buffer (lines are ASCII). */
export function renderChunk(startIndex: number, count: number, lineOf: (index: number) => string): Buffer {
  let buf = Buffer.allocUnsafe(Math.max(1024, count * 450));
  let used = 0;
  for (let i = startIndex; i < startIndex + count; i++) {
    const line = lineOf(i);
    if (used + line.length > buf.length) {
      const bigger = Buffer.allocUnsafe(Math.max(buf.length * 2, used + line.length));
      buf.copy(bigger, 0, 0, used);
      buf = bigger;
    }
    used += buf.write(line, used, 'latin1');
  }
  // An exact copy when the slack is large, so bodies kept in memory do not hold the spare room.
  return buf.length - used > used / 8 ? Buffer.from(buf.subarray(0, used)) : buf.subarray(0, used);
}
