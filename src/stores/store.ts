// The store layer's one interface: where records become searchable. Engines: embedded (DuckDB),
// opensearch (later). The query arrives as the store-neutral AST; each engine compiles it.
import type { QueryNode } from '../query/ast.ts';

/** One log message as the indexer hands it over: the store derives the record (src/record/). */
export interface LogEntry {
  offset: number;
  /** The log's append time, ms: the record's ingestedAt (and its ts when the body has none). */
  ingestedAt: number;
  /** The message value: a JSON object as text, or any other text kept as the record's message. */
  value: Buffer;
  /**
   * The record's own id (a preset's LogID, Sunbird's mid); without one the id comes from the log
   * position. Records made from one message (a batch of events) must each carry their own.
   */
  id?: string;
}

/**
 * Messages of one log partition, in offset order. A record's id comes from its log position and
 * topic (src/record/id.ts), so a redelivered message gets the id it had the first time and two
 * topics feeding one stream never share one.
 */
export interface WriteBatch {
  stream: string;
  /** The topic the messages were read from (default: the stream's name). */
  topic?: string;
  partition: number;
  entries: LogEntry[];
}

export interface Hit {
  id: string;
  stream: string;
  ts: number;
  ingestedAt: number;
  level: string | null;
  message: string | null;
  /** The original JSON object as text. */
  bodyJson: string;
}

export interface Filter {
  query: QueryNode | null;
  /** Inclusive bounds on event time, ms. */
  fromMs?: number;
  toMs?: number;
  streams?: string[];
  /** Aborted when the asker no longer wants the answer (the HTTP client went away): the query stops. */
  signal?: AbortSignal;
}

export interface SearchRequest extends Filter {
  /** 0: the total alone, no hits. */
  limit: number;
  /** false: no total (counting every match is a full pass of the filter); `total` is then null. */
  total?: boolean;
  /** Opaque, from a previous SearchResult: continue after its last hit. */
  cursor?: string | null;
}

export interface SearchResult {
  /** Exact number of matches of the filter (ignores the cursor); null when not asked for. */
  total: number | null;
  /** Newest first. */
  hits: Hit[];
  cursor: string | null;
}

export interface HistogramRequest extends Filter {
  /** Absent: ~120 buckets over the time the matches span (histogram-interval.ts). */
  intervalMs?: number;
  /** Split each bucket's count by this field's values (the commonest few, the rest as OTHER_GROUP). */
  groupBy?: string;
}

/** Most values a split histogram shows apart; the rest are counted together. */
export const MAX_HISTOGRAM_GROUPS = 10;
export const OTHER_GROUP = '(other)';
/** The group of matches without the field. */
export const MISSING_GROUP = '(none)';

export interface HistogramBucket {
  ts: number;
  count: number;
  /** With groupBy: the count of each value in this bucket (values absent from it left out). */
  groups?: Record<string, number>;
}

export interface HistogramResult {
  intervalMs: number;
  buckets: HistogramBucket[];
}

export const AGGREGATION_FNS = ['count', 'sum', 'avg', 'min', 'max', 'median', 'p50', 'p90', 'p95', 'p99', 'distinct'] as const;
export type AggregationFn = (typeof AGGREGATION_FNS)[number];

export interface Aggregation {
  fn: AggregationFn;
  /** Required for every fn but count. */
  field?: string;
}

export interface StatsRequest extends Filter {
  groupBy: string[];
  aggregations: Aggregation[];
  /** Most groups returned, largest count first (with bucketMs: oldest bucket first). */
  limit: number;
  /** Also group by time: buckets of this size, keyed TIME_KEY (ISO start), a series over time. */
  bucketMs?: number;
  /** With one groupBy field: only its commonest values over the whole match (a chart's few lines). */
  topGroups?: number;
}

export const TIME_KEY = '_time';

export interface StatsGroup {
  key: Record<string, string | null>;
  values: Record<string, number | null>;
}

export interface StatsResult {
  groups: StatsGroup[];
  /** Number of groups before the limit. */
  totalGroups: number;
  /** Names of the values that are estimates (OpenSearch's quantiles); absent when every value is exact. */
  estimated?: string[];
}

export interface FacetsRequest extends Filter {
  /** Fields whose top values are counted over the matches (dotted paths, level, stream…). */
  fields: string[];
  /** Most values per field, commonest first. */
  limit: number;
}

export interface FacetField {
  /** Commonest first; ties by value. */
  values: Array<{ value: string; count: number }>;
  /** Distinct values among the matches. */
  distinct: number;
  /** Matches without the field. */
  missing: number;
}

export interface FacetsResult {
  /** Matches the values were counted over. */
  total: number;
  fields: Record<string, FacetField>;
}

export interface OrderStatisticsRequest extends Filter {
  field: string;
  /** 0-based ranks into the ascending non-null numeric values */
  ranks: number[];
}

export interface OrderStatisticsResult {
  /** numeric values of the field among the matches */
  count: number;
  /** one per rank, null when rank >= count */
  values: Array<number | null>;
}

export interface ContextRequest {
  /** The record in the middle, as a hit gave it. */
  id: string;
  stream: string;
  /** Records just older and just newer than it (event time, then log position), in its stream. */
  before: number;
  after: number;
  /** Only records sharing these fields' values with it (resourceId: the same server). */
  sameFields?: string[];
}

export interface ContextResult {
  /** null when no record has the id. */
  anchor: Hit | null;
  /** Oldest first, ending just before the anchor. */
  before: Hit[];
  /** Oldest first, starting just after the anchor. */
  after: Hit[];
}

export interface TailRequest extends Filter {
  /** Records stored with an ingest time at or after this (ms), in arrival order. */
  sinceIngestedAt: number;
  limit: number;
  /** From a previous TailPage: continue after its last hit (one batch can hold more records than a page). */
  after?: string | null;
}

export interface TailPage {
  hits: Hit[];
  /** Of the last hit, for the next page's `after`; null when the page is empty. */
  cursor: string | null;
}

export interface OffsetCommit {
  consumer: string;
  topic: string;
  partition: number;
  nextOffset: number;
}

export interface StreamInfo {
  stream: string;
  records: number;
  oldestTs: number | null;
  newestTs: number | null;
}

export interface Store {
  readonly engine: string;
  /**
   * Durable on return. With offsets, the records and the consumer's next offsets are written in
   * one transaction, so a redelivered batch never creates duplicates.
   */
  write(batches: WriteBatch[], offsets?: OffsetCommit[]): Promise<void>;
  /** Next offsets the consumer committed through write(), keyed by partitionKey(topic, partition). */
  committedOffsets(consumer: string): Promise<Map<string, number>>;
  search(request: SearchRequest): Promise<SearchResult>;
  histogram(request: HistogramRequest): Promise<HistogramResult>;
  stats(request: StatsRequest): Promise<StatsResult>;
  /** Top values of fields over the matches of a filter. */
  facets(request: FacetsRequest): Promise<FacetsResult>;
  /** Exact values at 0-based ranks of a numeric field's ascending values over the matches. */
  orderStatistics(request: OrderStatisticsRequest): Promise<OrderStatisticsResult>;
  /** The records around one record in its stream. */
  context(request: ContextRequest): Promise<ContextResult>;
  /**
   * Matches ingested since a time, oldest arrival first: a live tail polls it. A record may become
   * searchable after later arrivals (partitions are indexed side by side), so a tail asks again
   * from a little before its newest hit and skips the ids it has shown.
   */
  tail(request: TailRequest): Promise<TailPage>;
  describe(): Promise<{ streams: StreamInfo[]; bytesOnDisk: number }>;
  /** Times holding every matching record's ts (not exact: whole minutes when cheaper), for a histogram over all time. */
  timeBounds(filter: Filter): Promise<{ oldestTs: number; newestTs: number } | null>;
  close(): Promise<void>;
}

/**
 * A write refused for what a record holds (a value the engine cannot take), not because the store
 * is unavailable: the writer isolates the records it can take from those it cannot.
 */
export class UnstorableRecordError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'UnstorableRecordError';
  }
}

/** The store could not answer now, though the request is fine (short of memory): the API answers 503. */
export class StoreBusyError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'StoreBusyError';
  }
}

/** The query was stopped because its asker left; nobody reads the answer. */
export class StoreCancelledError extends Error {
  constructor(message = 'the query was cancelled: its client went away') {
    super(message);
    this.name = 'StoreCancelledError';
  }
}

/** A store error caused by the request (bad regex, bad field): the API answers 400. */
export class StoreQueryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StoreQueryError';
  }
}

export function aggregationName(aggregation: Aggregation): string {
  return aggregation.fn === 'count' && !aggregation.field ? 'count' : `${aggregation.fn}(${aggregation.field ?? ''})`;
}
