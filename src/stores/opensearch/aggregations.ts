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
import { bracketPercents, exactQuantiles, type QuantileTask } from './exact-quantiles.ts';

type SearchBody = (body: Dsl, streams: readonly string[] | undefined, signal?: AbortSignal) => Promise<Record<string, any>>;
/** The value at a 0-based rank of a number field's ascending values among `count` matches of the query. */
type ValueAtRank = (field: string, query: Dsl, rank: number, count: number, filter: Filter) => Promise<number | null>;
type Msearch = (bodies: Dsl[], streams: readonly string[] | undefined, signal?: AbortSignal) => Promise<Array<Record<string, any>>>;

/** Most buckets one date histogram may have (OpenSearch's search.max_buckets is 65,535). */
const MAX_BUCKETS = 60_000;
const PAGE = 1000;
/**
 * Distinct counts come from OpenSearch's cardinality (HyperLogLog++: close, not exact), then are
 * counted exactly by paging through the values when the estimate says there are at most this many
 * (group, value) pairs; past it they stay estimates and the answer says so.
 */
const EXACT_DISTINCT_PAIRS = 500_000;
const VALUE_PAGE = 10_000;
/** The precision threshold of the estimate (OpenSearch's largest). */
const DISTINCT_PRECISION = 40_000;

const QUANTILES: Record<string, number> = { median: 50, p50: 50, p90: 90, p95: 95, p99: 99 };
/** Most (group, quantile) pairs answered exactly (exact-quantiles.ts); past it the answer names the quantiles estimated. */
const EXACT_QUANTILES = 5000;

interface CompositeBucket {
  key: Record<string, string | number | null>;
  doc_count: number;
  [agg: string]: unknown;
}

export class OpenSearchAggregations {
  private readonly searchBody: SearchBody;
  private readonly valueAtRank: ValueAtRank;
  private readonly msearch: Msearch;

  constructor(searchBody: SearchBody, valueAtRank: ValueAtRank, msearch: Msearch) {
    this.searchBody = searchBody;
    this.valueAtRank = valueAtRank;
    this.msearch = msearch;
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
      else if (aggregation.fn === 'distinct') aggs[`v${i}`] = { cardinality: { field: field.text, precision_threshold: DISTINCT_PRECISION } };
      else if (QUANTILES[aggregation.fn] !== undefined) {
        const percent = QUANTILES[aggregation.fn]!;
        aggs[`v${i}`] = { percentiles: { field: field.number, percents: [percent, ...bracketPercents(percent)], keyed: false, tdigest: { compression: 500 } } };
        aggs[`c${i}`] = { value_count: { field: field.number } };
      } else {
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
      bucket: b,
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
    const inexactDistinct: string[] = [];
    for (const aggregation of request.aggregations) {
      if (aggregation.fn !== 'distinct') continue;
      const name = aggregationName(aggregation);
      if (rows.reduce((sum, row) => sum + (row.values[name] ?? 0), 0) > EXACT_DISTINCT_PAIRS) {
        inexactDistinct.push(name);
        continue;
      }
      const counts = await this.distinctCounts(filtered, sources, docField(aggregation.field!).text, request);
      for (const row of rows) row.values[name] = counts.get(groupKey(row.bucket.key, sources.length)) ?? 0;
    }
    const shown = rows.slice(0, request.limit);
    const quantiles = request.aggregations.flatMap((aggregation, i) => (QUANTILES[aggregation.fn] === undefined ? [] : [{ aggregation, i }]));
    const allExact = shown.length * quantiles.length <= EXACT_QUANTILES;
    if (allExact && quantiles.length > 0) {
      const tasks: QuantileTask[] = shown.flatMap((row) => quantiles.map(({ aggregation, i }) => {
        const conditions = names.map((name, k) => groupCondition(name, row.bucket.key[`k${k}`] ?? null, k === 0 ? bucket : undefined));
        const estimates = ((row.bucket[`v${i}`] as { values?: Array<{ key: number; value: number | null }> }).values ?? [])
          .filter((entry) => entry.value !== null).map((entry): [number, number] => [entry.key, entry.value!]);
        return {
          query: { bool: { filter: [filtered, ...conditions] } }, field: docField(aggregation.field!).number,
          n: Number((row.bucket[`c${i}`] as { value: number }).value), q: QUANTILES[aggregation.fn]! / 100, estimates: new Map(estimates),
        };
      }));
      const exact = await exactQuantiles(tasks, {
        msearch: (bodies) => this.msearch(bodies, request.streams, request.signal),
        valueAtRank: (field, query, rank, count) => this.valueAtRank(field, query, rank, count, request),
      });
      let t = 0;
      for (const row of shown) for (const { aggregation } of quantiles) row.values[aggregationName(aggregation)] = exact[t++]!;
    }
    const groups = shown.map(({ key, values }) => ({ key, values }));
    const estimated = request.aggregations.filter((aggregation) => (QUANTILES[aggregation.fn] !== undefined && !allExact)
      || inexactDistinct.includes(aggregationName(aggregation))).map(aggregationName);
    return { groups, totalGroups: rows.length, ...(estimated.length > 0 ? { estimated } : {}) };
  }

  /** Distinct values of a field per group (keyed by groupKey), counted by paging through the (group, value) pairs. */
  private async distinctCounts(query: Dsl, groupSources: Dsl[], field: string, filter: Filter): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    const pairs = await this.composite(query, [...groupSources, { value: { terms: { field } } }], {}, filter, VALUE_PAGE);
    for (const pair of pairs) {
      const key = groupKey(pair.key, groupSources.length);
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    return counts;
  }

  private async wholeMatch(query: Dsl, aggs: Dsl, filter: Filter): Promise<CompositeBucket> {
    const response = await this.searchBody({ query, size: 0, track_total_hits: true, aggs }, filter.streams, filter.signal);
    return { key: {}, doc_count: Number(response.hits.total?.value ?? 0), ...(response.aggregations ?? {}) };
  }

  /** Every bucket of a composite aggregation, page by page. */
  private async composite(query: Dsl, sources: Dsl[], aggs: Dsl, filter: Filter, page = PAGE): Promise<CompositeBucket[]> {
    const all: CompositeBucket[] = [];
    let after: unknown;
    for (;;) {
      const response = await this.searchBody({
        query, size: 0,
        aggs: { groups: { composite: { size: page, sources, ...(after ? { after } : {}) }, ...(Object.keys(aggs).length > 0 ? { aggs } : {}) } },
      }, filter.streams, filter.signal);
      const groups = (response.aggregations?.groups ?? { buckets: [] }) as { buckets: CompositeBucket[]; after_key?: unknown };
      all.push(...groups.buckets);
      if (groups.buckets.length < page || !groups.after_key) return all;
      after = groups.after_key;
    }
  }

  async facets(request: FacetsRequest, query: Dsl): Promise<FacetsResult> {
    const aggs: Dsl = {};
    request.fields.forEach((name, i) => {
      const field = docField(name);
      aggs[`top${i}`] = { terms: { field: field.text, size: Math.max(1, request.limit), shard_size: Math.max(1000, request.limit * 10), order: [{ _count: 'desc' }, { _key: 'asc' }] } };
      aggs[`distinct${i}`] = { cardinality: { field: field.text, precision_threshold: DISTINCT_PRECISION } };
      aggs[`present${i}`] = { filter: existsDsl(field) };
    });
    const response = await this.searchBody({ query, size: 0, track_total_hits: true, aggs }, request.streams, request.signal);
    const total = Number(response.hits.total?.value ?? 0);
    const distinct = await Promise.all(request.fields.map(async (name, i) => {
      const estimate = Number(response.aggregations?.[`distinct${i}`]?.value ?? 0);
      if (estimate === 0 || estimate > EXACT_DISTINCT_PAIRS) return estimate;
      return (await this.distinctCounts(query, [], docField(name).text, request)).get(groupKey({}, 0)) ?? 0;
    }));
    const fields: Record<string, FacetField> = {};
    request.fields.forEach((name, i) => {
      const top = (response.aggregations?.[`top${i}`]?.buckets ?? []) as Array<{ key: string | number; doc_count: number }>;
      fields[name] = {
        values: request.limit > 0 ? top.map((bucket) => ({ value: String(bucket.key), count: bucket.doc_count })) : [],
        distinct: distinct[i]!,
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

/** A composite bucket's group (its first `size` sources) as a map key. */
function groupKey(key: Record<string, unknown>, size: number): string {
  return JSON.stringify(Array.from({ length: size }, (_, k) => key[`k${k}`] ?? null));
}

/** The records of one group: its time bucket, or its value of a field (none: the field is missing). */
function groupCondition(name: string, value: string | number | null, bucketMs: number | undefined): Dsl {
  if (bucketMs !== undefined) return { range: { ts: { gte: Number(value), lt: Number(value) + bucketMs } } };
  const field = docField(name);
  return value === null ? { bool: { must_not: [existsDsl(field)] } } : { term: { [field.text]: value } };
}

function aggregateValue(fn: string, field: string | undefined, bucket: CompositeBucket, i: number): number | null {
  if (fn === 'count') return field ? (bucket[`v${i}`] as { doc_count: number }).doc_count : bucket.doc_count;
  const value = bucket[`v${i}`] as { value?: number | null; values?: Array<{ value: number | null }> } | undefined;
  if (QUANTILES[fn] !== undefined) return value?.values?.find((entry) => (entry as { key?: number }).key === QUANTILES[fn])?.value ?? null;
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
