// Turns search parameters (q, the Dyte filters, from/to, stream) into the store-neutral Filter.
import type { FastifyReply } from 'fastify';
import type { Filter } from '../stores/store.ts';
import type { QueryNode } from '../query/ast.ts';
import { parseQuery } from '../query/parser.ts';
import { QuerySyntaxError } from '../query/query-syntax-error.ts';
import { parseTimeRange } from '../query/time-range.ts';
import { ApiError } from './errors.ts';
import { readableStreams, readRefusal } from '../auth/http-auth.ts';

export type Params = Record<string, string | string[] | undefined>;

/** The Dyte problem statement's filters, as plain parameters: exact match except message (contains). */
export const FIELD_FILTERS = ['level', 'message', 'resourceId', 'traceId', 'spanId', 'commit', 'metadata.parentResourceId'] as const;

export function param(params: Params, name: string): string | undefined {
  const value = params[name];
  return Array.isArray(value) ? value.at(-1) : value;
}

function parseQueryParam(text: string): QueryNode | null {
  try {
    const node = parseQuery(text);
    return node.type === 'all' ? null : node;
  } catch (error) {
    if (error instanceof QuerySyntaxError) {
      throw new ApiError(400, 'bad_query', `q: ${error.message}`, { position: error.position });
    }
    throw error;
  }
}

function timeRange(from: string | undefined, to: string | undefined, name: string): { fromMs?: number; toMs?: number } {
  try {
    return parseTimeRange(from, to);
  } catch (error) {
    throw new ApiError(400, 'bad_time_range', `${name}: ${(error as Error).message}`);
  }
}

/** Aborted when the client goes away before its answer is sent: the store stops the query. */
export function clientSignal(reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  reply.raw.once('close', () => { if (!reply.raw.writableFinished) controller.abort(); });
  return controller.signal;
}

/** The filter of a request; with its reply, the store stops the query if the client leaves. */
export function parseFilter(params: Params, reply?: FastifyReply): Filter {
  const nodes: QueryNode[] = [];
  const q = param(params, 'q');
  if (q !== undefined && q.trim() !== '') {
    const node = parseQueryParam(q);
    if (node) nodes.push(node);
  }
  for (const field of FIELD_FILTERS) {
    const value = param(params, field);
    if (value !== undefined && value !== '') nodes.push({ type: 'term', field, value, quoted: true });
  }
  const range = timeRange(param(params, 'from'), param(params, 'to'), 'from/to');
  const dyte = timeRange(param(params, 'timestamp_start'), param(params, 'timestamp_end'), 'timestamp_start/timestamp_end');
  const fromMs = maxDefined(range.fromMs, dyte.fromMs);
  const toMs = minDefined(range.toMs, dyte.toMs);
  let streams = param(params, 'stream')?.split(',').map((s) => s.trim()).filter(Boolean);
  // a reader key confined to some streams (src/auth/http-auth.ts) searches those only
  const refusal = streams ? readRefusal(streams) : null;
  if (refusal) throw new ApiError(403, 'forbidden_stream', refusal);
  if (!streams || streams.length === 0) streams = readableStreams() ?? streams;
  const query: QueryNode | null = nodes.length === 0 ? null : nodes.length === 1 ? nodes[0]! : { type: 'and', children: nodes };
  return { query, fromMs, toMs, streams, ...(reply ? { signal: clientSignal(reply) } : {}) };
}

/** `min` 0 lets a search ask for its total alone (`limit=0`). */
export function parseLimit(params: Params, fallback: number, max: number, min = 1): number {
  const text = param(params, 'limit');
  if (text === undefined || text === '') return fallback;
  const limit = Number(text);
  if (!Number.isInteger(limit) || limit < min || limit > max) {
    throw new ApiError(400, 'bad_limit', `limit must be an integer from ${min} to ${max}, got '${text}'`);
  }
  return limit;
}

export function parseBoolean(params: Params, name: string, fallback: boolean): boolean {
  const text = param(params, name);
  if (text === undefined || text === '') return fallback;
  if (text === 'true' || text === 'false') return text === 'true';
  throw new ApiError(400, `bad_${name}`, `${name} must be true or false, got '${text}'`);
}

function maxDefined(a?: number, b?: number): number | undefined {
  return a === undefined ? b : b === undefined ? a : Math.max(a, b);
}

function minDefined(a?: number, b?: number): number | undefined {
  return a === undefined ? b : b === undefined ? a : Math.min(a, b);
}
