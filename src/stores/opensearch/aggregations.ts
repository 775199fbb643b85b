// Histograms, stats, facets and stream summaries as OpenSearch aggregations, answered in the
// Store interface's shapes and orders (those of the embedded store). Groups are read through
// composite aggregations, page by page, so every group is counted and the order and limit are
// applied to all of them, as SQL's GROUP BY … ORDER BY … LIMIT does.
import type {
  FacetField, FacetsRequest, FacetsResult, Filter, HistogramRequest, HistogramResult, StatsRequest, StatsResult, StreamInfo,
} from '../store.ts';
import { MAX_HISTOGRAM_GROUPS, MISSING_GROUP, OTHER_GROUP, StoreQueryError, TIME_KEY, aggregationName } from '../store.ts';
import { EMPTY_HISTOGRAM_INTERVAL, autoInterval, fillBuckets } from '../histogram-interval.ts';
import { docField, existsDsl, type Dsl } from './compile-query.ts';

type SearchBody = (body: Dsl, streams: readonly string[] | undefined, signal?: AbortSignal) => Promise<Record<string, any>>;

/** Most buckets one date histogram may have (OpenSearch's search.max_buckets is 65,535). */
const MAX_BUCKETS = 60_000;
const PAGE = 1000;
/** Cardinality is exact up to this many distinct values (OpenSearch's largest precision threshold). */
const DISTINCT_EXACT_UP_TO = 40_000;

const QUANTILES: Record<string, number> = { median: 50, p50: 50, p90: 90, p95: 95, p99: 99 };

interface CompositeBucket {
  key: Record<string, string | number | null>;
  doc_count: number;
  [agg: string]: unknown;
}

export class OpenSearchAggregations {
  private readonly searchBody: SearchBody;

  constructor(searchBody: SearchBody) {
    this.searchBody = searchBody;
  }

  async timeBounds(filter: Filter, query: Dsl): Promise<{ oldestTs: number; newestTs: number } | null> {
    const response = await this.searchBody({ query, size: 0, aggs: { lo: { min: { field: 'ts' } }, hi: { max: { field: 'ts' } } } }, filter.streams, filter.signal);
    const lo = response.aggregations?.lo?.value as number | null | undefined;
    const hi = response.aggregations?.hi?.value as number | null | undefined;
    return lo === null || lo === undefined || hi === null || hi === undefined ? null : { oldestTs: lo, newestTs: hi };
  }

  async histogram(request: HistogramRequest, query: Dsl): Promise<HistogramResult> {
    let interval = request.intervalMs === undefined ? undefined : Math.max(1, Math.round(request.intervalMs));
    if (interval === undefined) {
      const bounds = await this.timeBounds(request, query);
      if (!bounds) return { intervalMs: EMPTY_HISTOGRAM_INTERVAL, buckets: [] };
      interval = autoInterval(bounds.newestTs - bounds.oldestTs);
    }
    if (request.fromMs !== undefined && request.toMs !== undefined && (request.toMs - request.fromMs) / interval > MAX_BUCKETS) {
      throw new StoreQueryError(`an interval of ${interval} ms gives more than ${MAX_BUCKETS} buckets over this time range: pick a wider one`);
    }
    const buckets: Dsl = { date_histogram: { field: 'ts', fixed_interval: `${interval}ms`, min_doc_count: 1 } };
    if (request.groupBy === undefined) {
      const response = await this.searchBody({ query, size: 0, aggs: { buckets } }, request.streams, request.signal);
      const counts = new Map<number, number>();
      for (const bucket of (response.aggregations?.buckets?.buckets ?? []) as Array<{ key: number; doc_count: number }>) counts.set(bucket.key, bucket.doc_count);
      return { intervalMs: interval, buckets: fillBuckets(counts, interval, request.fromMs, request.toMs) };
    }
    const field = docField(request.groupBy);
    const top = await this.searchBody({
      query, size: 0,
      aggs: { top: { terms: { field: field.text, size: MAX_HISTOGRAM_GROUPS, shard_size: 1000, missing: MISSING_GROUP, order: [{ _count: 'desc' }, { _key: 'asc' }] } } },
    }, request.streams, request.signal);
    const values = ((top.aggregations?.top?.buckets ?? []) as Array<{ key: string }>).map((bucket) => String(bucket.key));
    const filters = Object.fromEntries(values.map((value) => [value, value === MISSING_GROUP ? { bool: { must_not: [existsDsl(field)] } } : { term: { [field.text]: value } }]));
    const response = await this.searchBody({
      query, size: 0, aggs: { buckets: { ...buckets, aggs: { groups: { filters: { filters, other_bucket_key: OTHER_GROUP } } } } },
    }, request.streams, request.signal);
    const counts = new Map<number, number>();
    const groups = new Map<number, Record<string, number>>();
    for (const bucket of (response.aggregations?.buckets?.buckets ?? []) as Array<{ key: number; doc_count: number; groups: { buckets: Record<string, { doc_count: number }> } }>) {
      counts.set(bucket.key, bucket.doc_count);
      const split: Record<string, number> = {};
      for (const [value, group] of Object.entries(bucket.groups.buckets)) if (group.doc_count > 0) split[value] = group.doc_count;
      groups.set(bucket.key, split);
    }
    const filled = fillBuckets(counts, interval, request.fromMs, request.toMs);
    return { intervalMs: interval, buckets: filled.map((bucket) => ({ ...bucket, groups: groups.get(bucket.ts) ?? {} })) };
  }

  async stats(request: StatsRequest, query: Dsl): Promise<StatsResult> {
    const bucket = request.bucketMs === undefined ? undefined : Math.max(1, Math.round(request.bucketMs));
    const names = [...(bucket === undefined ? [] : [TIME_KEY]), ...request.groupBy];
    let filtered = query;
    if (request.topGroups !== undefined && request.groupBy.length === 1) {
      const field = docField(request.groupBy[0]!).text;
      const top = await this.searchBody({
        query, size: 0, aggs: { top: { terms: { field, size: Math.max(1, Math.floor(request.topGroups)), shard_size: 1000, order: [{ _count: 'desc' }, { _key: 'asc' }] } } },
      }, request.streams, request.signal);
      filtered = { bool: { filter: [query, { terms: { [field]: ((top.aggregations?.top?.buckets ?? []) as Array<{ key: string }>).map((b) => b.key) } }] } };
    }
    const sources = names.map((name, i) => (i === 0 && bucket !== undefined
      ? { k0: { date_histogram: { field: 'ts', fixed_interval: `${bucket}ms` } } }
      : { [`k${i}`]: { terms: { field: docField(name).text, missing_bucket: true } } }));
    const aggs: Dsl = {};
    request.aggregations.forEach((aggregation, i) => {
      if (aggregation.fn === 'count' && !aggregation.field) return;
      if (!aggregation.field) throw new StoreQueryError(`${aggregation.fn} needs a field, e.g. ${aggregation.fn}:latency_ms`);
      const field = docField(aggregation.field);
      if (aggregation.fn === 'count') aggs[`v${i}`] = { filter: existsDsl(field) };
      else if (aggregation.fn === 'distinct') aggs[`v${i}`] = { cardinality: { field: field.text, precision_threshold: DISTINCT_EXACT_UP_TO } };
      else if (QUANTILES[aggregation.fn] !== undefined) aggs[`v${i}`] = { percentiles: { field: field.number, percents: [QUANTILES[aggregation.fn]], keyed: false } };
      else {
        aggs[`v${i}`] = { [aggregation.fn]: { field: field.number } };
        aggs[`c${i}`] = { value_count: { field: field.number } };
      }
    });
    const buckets = sources.length === 0
      ? [await this.wholeMatch(filtered, aggs, request)]
      : await this.composite(filtered, sources, aggs, request);
    const rows = buckets.map((b) => ({
      key: Object.fromEntries(names.map((name, i) => {
        const value = b.key[`k${i}`];
        if (value === null || value === undefined) return [name, null];
        return [name, i === 0 && bucket !== undefined ? new Date(Number(value)).toISOString() : String(value)];
      })) as Record<string, string | null>,
      count: b.doc_count,
      values: Object.fromEntries(request.aggregations.map((aggregation, i) => [aggregationName(aggregation), aggregateValue(aggregation.fn, aggregation.field, b, i)])),
    }));
    rows.sort((a, b) => {
      if (bucket !== undefined) {
        const byTime = compareKeys(a.key[TIME_KEY] ?? null, b.key[TIME_KEY] ?? null);
        if (byTime !== 0) return byTime;
      }
      if (a.count !== b.count) return b.count - a.count;
      for (const name of names) {
        const order = compareKeys(a.key[name] ?? null, b.key[name] ?? null);
        if (order !== 0) return order;
      }
      return 0;
    });
    const groups = rows.slice(0, request.limit).map(({ key, values }) => ({ key, values }));
    const estimated = request.aggregations.filter((aggregation) => QUANTILES[aggregation.fn] !== undefined
      || (aggregation.fn === 'distinct' && groups.some((group) => (group.values[aggregationName(aggregation)] ?? 0) > DISTINCT_EXACT_UP_TO)))
      .map(aggregationName);
    return { groups, totalGroups: rows.length, ...(estimated.length > 0 ? { estimated } : {}) };
  }

  private async wholeMatch(query: Dsl, aggs: Dsl, filter: Filter): Promise<CompositeBucket> {
    const response = await this.searchBody({ query, size: 0, track_total_hits: true, aggs }, filter.streams, filter.signal);
    return { key: {}, doc_count: Number(response.hits.total?.value ?? 0), ...(response.aggregations ?? {}) };
  }

  /** Every bucket of a composite aggregation, page by page. */
  private async composite(query: Dsl, sources: Dsl[], aggs: Dsl, filter: Filter): Promise<CompositeBucket[]> {
    const all: CompositeBucket[] = [];
    let after: unknown;
    for (;;) {
      const response = await this.searchBody({
        query, size: 0,
        aggs: { groups: { composite: { size: PAGE, sources, ...(after ? { after } : {}) }, aggs } },
      }, filter.streams, filter.signal);
      const groups = (response.aggregations?.groups ?? { buckets: [] }) as { buckets: CompositeBucket[]; after_key?: unknown };
      all.push(...groups.buckets);
      if (groups.buckets.length < PAGE || !groups.after_key) return all;
      after = groups.after_key;
    }
  }

  async facets(request: FacetsRequest, query: Dsl): Promise<FacetsResult> {
    const aggs: Dsl = {};
    request.fields.forEach((name, i) => {
      const field = docField(name);
      aggs[`top${i}`] = { terms: { field: field.text, size: Math.max(1, request.limit), shard_size: Math.max(1000, request.limit * 10), order: [{ _count: 'desc' }, { _key: 'asc' }] } };
      aggs[`distinct${i}`] = { cardinality: { field: field.text, precision_threshold: DISTINCT_EXACT_UP_TO } };
      aggs[`present${i}`] = { filter: existsDsl(field) };
    });
    const response = await this.searchBody({ query, size: 0, track_total_hits: true, aggs }, request.streams, request.signal);
    const total = Number(response.hits.total?.value ?? 0);
    const fields: Record<string, FacetField> = {};
    request.fields.forEach((name, i) => {
      const top = (response.aggregations?.[`top${i}`]?.buckets ?? []) as Array<{ key: string | number; doc_count: number }>;
      fields[name] = {
        values: request.limit > 0 ? top.map((bucket) => ({ value: String(bucket.key), count: bucket.doc_count })) : [],
        distinct: Number(response.aggregations?.[`distinct${i}`]?.value ?? 0),
        missing: total - Number(response.aggregations?.[`present${i}`]?.doc_count ?? 0),
      };
    });
    return { total, fields };
  }

  /** Records and time span of each stream. */
  async streams(query: Dsl): Promise<StreamInfo[]> {
    const buckets = await this.composite(query, [{ stream: { terms: { field: 'stream' } } }], { lo: { min: { field: 'ts' } }, hi: { max: { field: 'ts' } } }, { query: null });
    return buckets.map((bucket) => ({
      stream: String(bucket.key.stream),
      records: bucket.doc_count,
      oldestTs: (bucket.lo as { value: number | null }).value,
      newestTs: (bucket.hi as { value: number | null }).value,
    }));
  }
}

function aggregateValue(fn: string, field: string | undefined, bucket: CompositeBucket, i: number): number | null {
  if (fn === 'count') return field ? (bucket[`v${i}`] as { doc_count: number }).doc_count : bucket.doc_count;
  const value = bucket[`v${i}`] as { value?: number | null; values?: Array<{ value: number | null }> } | undefined;
  if (QUANTILES[fn] !== undefined) return value?.values?.[0]?.value ?? null;
  if (fn === 'sum' && (bucket[`c${i}`] as { value: number }).value === 0) return null;
  return value?.value ?? null;
}

/** Keys in SQL's ascending order: nulls last. */
function compareKeys(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  return a < b ? -1 : 1;
}
