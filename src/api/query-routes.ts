// Query routes: search, histogram, stats and streams over the same filter parameters.
import type { FastifyInstance } from 'fastify';
import type { FirstReads } from './first-reads.ts';
import type { Store, Hit, Aggregation, Filter } from '../stores/store.ts';
import { AGGREGATION_FNS } from '../stores/store.ts';
import type { Config } from '../config/config.ts';
import type { Metrics } from '../metrics.ts';
import { parseBoolean, parseFilter, parseLimit, param, type Params } from './query-params.ts';
import { parseDuration } from '../query/duration.ts';
import { ApiError } from './errors.ts';
import { readableStreams } from '../auth/http-auth.ts';
import { autoInterval, EMPTY_HISTOGRAM_INTERVAL } from '../stores/histogram-interval.ts';


/** A hit as the API shows it; the original record is spliced in as stored, never re-serialized. */
export function hitJson(hit: Hit): string {
  return `{"id":${JSON.stringify(hit.id)},"stream":${JSON.stringify(hit.stream)},"ts":"${new Date(hit.ts).toISOString()}","record":${hit.bodyJson}}`;
}

/**
 * The interval asked for, or one giving ~120 buckets over the range; undefined for an open range,
 * where the store picks it from the matches' span.
 */
function parseInterval(text: string | undefined, filter: Filter): number | undefined {
  const { fromMs, toMs } = filter;
  if (text === undefined || text === '' || text === 'auto') {
    return fromMs === undefined ? undefined : autoInterval((toMs ?? Date.now()) - fromMs);
  }
  try {
    return parseDuration(text);
  } catch (error) {
    throw new ApiError(400, 'bad_interval', `interval: ${(error as Error).message}`);
  }
}

/** A stats series' interval: as for a histogram, over the matches' span when the range is open. */
async function statsInterval(text: string, store: Store, filter: Filter): Promise<number> {
  const interval = parseInterval(text, filter);
  if (interval !== undefined) return interval;
  const bounds = await store.timeBounds(filter);
  return bounds ? autoInterval(bounds.newestTs - bounds.oldestTs) : EMPTY_HISTOGRAM_INTERVAL;
}

function parseAggregations(text: string | undefined): Aggregation[] {
  if (text === undefined || text.trim() === '') return [{ fn: 'count' }];
  return text.split(',').map((item) => {
    const [fn, field] = item.trim().split(':', 2) as [string, string | undefined];
    if (!(AGGREGATION_FNS as readonly string[]).includes(fn)) {
      throw new ApiError(400, 'bad_aggregation', `agg '${item}': unknown function '${fn}'; use one of ${AGGREGATION_FNS.join(', ')}, as fn or fn:field`);
    }
    if (fn !== 'count' && !field) throw new ApiError(400, 'bad_aggregation', `agg '${item}': ${fn} needs a field, e.g. ${fn}:latency_ms`);
    return { fn: fn as Aggregation['fn'], field: field || undefined };
  });
}

export function registerQueryRoutes(app: FastifyInstance, deps: { store: Store; config: Config; metrics: Metrics; unindexedStreams?: () => Promise<string[]>; firstReads?: FirstReads }): void {
  const { store, config, metrics, firstReads } = deps;

  app.get('/api/v1/search', async (request, reply) => {
    // the search its page's first read started as the page was sent: the answer under way
    const first = await firstReads?.take(request);
    if (first) return reply.headers(first.headers).send(first.body);
    const started = performance.now();
    const params = request.query as Params;
    const filter = parseFilter(params, reply);
    const limit = parseLimit(params, config.search.defaultLimit, config.search.maxLimit, 0);
    const total = parseBoolean(params, 'total', true);
    if (!total && limit === 0) throw new ApiError(400, 'bad_total', 'total=false with limit=0 asks for nothing; leave one of them out');
    const result = await store.search({ ...filter, limit, total, cursor: param(params, 'cursor') || null });
    const tookMs = Math.round(performance.now() - started);
    metrics.querySeconds.observe({ kind: 'search' }, tookMs / 1000);
    const body = `{"total":${result.total},"hits":[${result.hits.map(hitJson).join(',')}],"cursor":${JSON.stringify(result.cursor)},"tookMs":${tookMs}}`;
    return reply.type('application/json').send(body);
  });

  app.get('/api/v1/histogram', async (request, reply) => {
    const started = performance.now();
    const params = request.query as Params;
    const filter = parseFilter(params, reply);
    const intervalMs = parseInterval(param(params, 'interval'), filter);
    const groupBy = param(params, 'by')?.trim() || undefined;
    const result = await store.histogram({ ...filter, intervalMs, groupBy });
    const tookMs = Math.round(performance.now() - started);
    metrics.querySeconds.observe({ kind: 'histogram' }, tookMs / 1000);
    return {
      intervalMs: result.intervalMs,
      total: result.buckets.reduce((sum, bucket) => sum + bucket.count, 0),
      buckets: result.buckets.map((bucket) => ({ ts: new Date(bucket.ts).toISOString(), count: bucket.count, ...(bucket.groups ? { groups: bucket.groups } : {}) })),
      tookMs,
    };
  });

  app.get('/api/v1/stats', async (request, reply) => {
    const started = performance.now();
    const params = request.query as Params;
    const filter = parseFilter(params, reply);
    const groupBy = (param(params, 'by') ?? '').split(',').map((s) => s.trim()).filter(Boolean);
    const aggregations = parseAggregations(param(params, 'agg'));
    // interval: a series over time (auto: ~120 buckets), each bucket a group keyed _time
    const intervalText = param(params, 'interval');
    const bucketMs = intervalText === undefined || intervalText === '' ? undefined : await statsInterval(intervalText, store, filter);
    const top = param(params, 'top');
    if (top !== undefined && (groupBy.length !== 1 || !/^[1-9]\d{0,2}$/.test(top))) {
      throw new ApiError(400, 'bad_top', `top: a number from 1 to 999 of the commonest values of the one 'by' field, got '${top}'${groupBy.length === 1 ? '' : ` with ${groupBy.length} by fields`}`);
    }
    const limit = parseLimit(params, bucketMs === undefined ? config.search.defaultLimit : config.search.maxLimit, config.search.maxLimit);
    const result = await store.stats({ ...filter, groupBy, aggregations, limit, bucketMs, topGroups: top === undefined ? undefined : Number(top) });
    const tookMs = Math.round(performance.now() - started);
    metrics.querySeconds.observe({ kind: 'stats' }, tookMs / 1000);
    return { ...result, ...(bucketMs === undefined ? {} : { intervalMs: bucketMs }), tookMs };
  });

  app.get('/api/v1/streams', async () => {
    const described = await store.describe();
    const indexed = new Set(described.streams.map((s) => s.stream));
    // on-search streams not searched yet: their records wait on the log, indexed by the first search
    const waiting = (await deps.unindexedStreams?.() ?? []).filter((stream) => !indexed.has(stream))
      .map((stream) => ({ stream, records: null, oldestTs: null, newestTs: null, index: 'on-search' }));
    const readable = readableStreams();
    const all = [...described.streams.map((s) => ({ ...s, oldestTs: s.oldestTs === null ? null : new Date(s.oldestTs).toISOString(), newestTs: s.newestTs === null ? null : new Date(s.newestTs).toISOString() })), ...waiting];
    return { streams: readable ? all.filter((s) => readable.includes(s.stream)) : all, bytesOnDisk: described.bytesOnDisk };
  });
}
