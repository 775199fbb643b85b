// The explorer's reads over the same filter parameters as search: top values of fields (facets),
// the kinds of message (patterns), the records around one record (context), and a live tail as
// server-sent events.
import type { FastifyInstance } from 'fastify';
import type { Store, Hit } from '../stores/store.ts';
import type { Config } from '../config/config.ts';
import type { Metrics } from '../metrics.ts';
import { parseFilter, parseLimit, param, type Params } from './query-params.ts';
import { hitJson } from './query-routes.ts';
import { ApiError } from './errors.ts';
import { readRefusal } from '../auth/http-auth.ts';
import { messagePatterns } from '../query/message-patterns.ts';

const MAX_FACET_FIELDS = 20;
const MAX_CONTEXT = 500;
/** How often a tail asks the store for new records. */
const TAIL_POLL_MS = 250;
/**
 * How far back each poll looks again: a record can become searchable after later arrivals
 * (partitions are indexed side by side), up to the indexing lag, which backpressure keeps ~1 s.
 * Each poll reads the window again (the records it already sent are not sent twice), so it is
 * kept short: at 5 s a tail of 3,000 records/s re-read 15,000 a poll and fell behind.
 */
const TAIL_LOOKBACK_MS = 2_000;
const TAIL_BATCH = 2_000;
/** Pages a poll reads at most: past ~50k matching records a second a tail falls behind rather than hold the store. */
const TAIL_MAX_PAGES = 10;
/** Patterns are read from the newest matches: the kinds of message, not an exact census. */
const PATTERN_SAMPLE = 10_000;

function list(params: Params, name: string): string[] {
  return (param(params, name) ?? '').split(',').map((item) => item.trim()).filter(Boolean);
}

function count(params: Params, name: string, fallback: number, max = MAX_CONTEXT, min = 0): number {
  const text = param(params, name);
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max) throw new ApiError(400, `bad_${name}`, `${name} must be an integer from ${min} to ${max}, got '${text}'`);
  return value;
}

export function registerExploreRoutes(app: FastifyInstance, deps: { store: Store; config: Config; metrics: Metrics }): void {
  const { store, config, metrics } = deps;

  app.get('/api/v1/facets', async (request, reply) => {
    const started = performance.now();
    const params = request.query as Params;
    const fields = list(params, 'fields');
    if (fields.length === 0 || fields.length > MAX_FACET_FIELDS) {
      throw new ApiError(400, 'bad_fields', `fields: name 1 to ${MAX_FACET_FIELDS} fields, comma-separated, e.g. fields=level,resourceId`);
    }
    const result = await store.facets({ ...parseFilter(params, reply), fields, limit: parseLimit(params, 10, config.search.maxLimit) });
    const tookMs = Math.round(performance.now() - started);
    metrics.querySeconds.observe({ kind: 'facets' }, tookMs / 1000);
    return { ...result, tookMs };
  });

  app.get('/api/v1/patterns', async (request, reply) => {
    const started = performance.now();
    const params = request.query as Params;
    const sample = count(params, 'sample', Math.min(PATTERN_SAMPLE, config.search.maxLimit), config.search.maxLimit, 1);
    const limit = parseLimit(params, 50, 1_000);
    const result = await store.search({ ...parseFilter(params, reply), limit: sample, total: true, cursor: null });
    const messages = result.hits.map((hit) => hit.message).filter((message): message is string => message !== null && message !== '');
    const tookMs = Math.round(performance.now() - started);
    metrics.querySeconds.observe({ kind: 'patterns' }, tookMs / 1000);
    return { total: result.total, sampled: result.hits.length, patterns: messagePatterns(messages, limit), tookMs };
  });

  app.get('/api/v1/context', async (request, reply) => {
    const params = request.query as Params;
    const id = param(params, 'id');
    const stream = param(params, 'stream');
    if (!id || !stream) throw new ApiError(400, 'bad_context', 'context needs id and stream, as a search hit gives them');
    const refusal = readRefusal([stream]);
    if (refusal) throw new ApiError(403, 'forbidden_stream', refusal);
    const result = await store.context({ id, stream, before: count(params, 'before', 10), after: count(params, 'after', 10), sameFields: list(params, 'same') });
    if (!result.anchor) throw new ApiError(404, 'not_found', `no record ${id} in stream ${stream}`);
    const hits = (items: Hit[]) => `[${items.map(hitJson).join(',')}]`;
    return reply.type('application/json').send(`{"before":${hits(result.before)},"anchor":${hitJson(result.anchor)},"after":${hits(result.after)}}`);
  });

  app.get('/api/v1/tail', (request, reply) => {
    const params = request.query as Params;
    const filter = parseFilter(params);
    reply.hijack();
    const response = reply.raw;
    response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    response.write(': tail of new records; each event is a JSON array of hits in arrival order\n\n');
    let closed = false;
    request.raw.on('close', () => { closed = true; });
    const shown = new Map<string, number>();
    let since = Date.now() - TAIL_LOOKBACK_MS;
    const poll = async (): Promise<void> => {
      while (!closed) {
        try {
          // page by page from the lookback: a batch of one ingest time can hold more than a page
          let after: string | null = null;
          for (let pages = 0; pages < TAIL_MAX_PAGES && !closed; pages++) {
            const page = await store.tail({ ...filter, sinceIngestedAt: since, limit: TAIL_BATCH, after });
            const hits = page.hits.filter((hit) => !shown.has(hit.id));
            if (hits.length > 0) {
              response.write(`event: hits\ndata: [${hits.map(hitJson).join(',')}]\n\n`);
              for (const hit of hits) shown.set(hit.id, hit.ingestedAt);
            }
            if (page.hits.length < TAIL_BATCH) break;
            after = page.cursor;
          }
          let newest = since;
          for (const ingestedAt of shown.values()) newest = Math.max(newest, ingestedAt);
          since = Math.max(since, newest - TAIL_LOOKBACK_MS);
          for (const [id, ingestedAt] of shown) if (ingestedAt < since) shown.delete(id);
        } catch (error) {
          response.write(`event: error\ndata: ${JSON.stringify({ message: (error as Error).message })}\n\n`);
          break;
        }
        await new Promise((resolve) => setTimeout(resolve, TAIL_POLL_MS));
      }
      response.end();
    };
    void poll();
  });
}
