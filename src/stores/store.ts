// The store layer's one interface: where records become searchable. Engines: embedded (DuckDB),
// opensearch (later). The query arrives as the store-neutral AST; each engine compiles it.
import type { LogRecord } from '../record/record.ts';
import type { QueryNode } from '../query/ast.ts';

/** A record as the indexer hands it over: the original object stays as its JSON text. */
export type StoredRecord = Omit<LogRecord, 'body'> & { bodyJson: string };

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
}

export interface SearchRequest extends Filter {
  limit: number;
  /** Opaque, from a previous SearchResult: continue after its last hit. */
  cursor?: string | null;
}

export interface SearchResult {
  /** Exact number of matches of the filter (ignores the cursor). */
  total: number;
  /** Newest first. */
  hits: Hit[];
  cursor: string | null;
}

export interface HistogramRequest extends Filter {
  intervalMs: number;
}

export interface HistogramResult {
  intervalMs: number;
  buckets: Array<{ ts: number; count: number }>;
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
  /** Most groups returned, largest count first. */
  limit: number;
}

export interface StatsGroup {
  key: Record<string, string | null>;
  values: Record<string, number | null>;
}

export interface StatsResult {
  groups: StatsGroup[];
  /** Number of groups before the limit. */
  totalGroups: number;
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
  write(records: StoredRecord[], offsets?: OffsetCommit[]): Promise<void>;
  /** Next offsets the consumer committed through write(), keyed by partitionKey(topic, partition). */
  committedOffsets(consumer: string): Promise<Map<string, number>>;
  search(request: SearchRequest): Promise<SearchResult>;
  histogram(request: HistogramRequest): Promise<HistogramResult>;
  stats(request: StatsRequest): Promise<StatsResult>;
  describe(): Promise<{ streams: StreamInfo[]; bytesOnDisk: number }>;
  close(): Promise<void>;
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
