// The store on OpenSearch, shared by every Tributary process of a scale-out deployment. Records
// are documents (document.ts) in an index per stream and day (index-layout.ts), written in bulk
// with `_id` = stream and record id, so a redelivered batch overwrites instead of duplicating.
// Queries compile to the query DSL (compile-query.ts); counts and aggregations are exact where
// the Store interface promises it (aggregations.ts: composite aggregations page through every
// group, quantiles are read at their ranks, distinct counts recounted), up to bounds past which a
// stats answer names its estimates.
import { Client } from '@opensearch-project/opensearch';
import type {
  ContextRequest, ContextResult, FacetsRequest, FacetsResult, Filter, Hit, HistogramRequest, HistogramResult, OffsetCommit,
  OrderStatisticsRequest, OrderStatisticsResult, SearchRequest, SearchResult, StatsRequest, StatsResult, Store, StreamInfo,
  TailPage, TailRequest, WriteBatch,
} from '../store.ts';
import { StoreBusyError, StoreCancelledError, StoreQueryError, UnstorableRecordError } from '../store.ts';
import { decodeCursor, encodeCursor, type CursorKey } from '../cursor-key.ts';
import { messageBody } from '../../record/message-body.ts';
import { toRecord } from '../../record/normalize.ts';
import { recordLevel } from '../../record/level.ts';
import { recordMessage } from '../../record/message.ts';
import { recordId } from '../../record/id.ts';
import { partitionKey } from '../../log/log.ts';
import { splitFieldPath, valueAt } from '../../record/field-path.ts';
import { valueText } from '../../query/evaluate-values.ts';
import { compileToOpenSearch, docField, existsDsl, type Dsl } from './compile-query.ts';
import { toDocument, withoutPaths, type RecordDocument } from './document.ts';
import { IndexLayout, OFFSETS_MAPPING, SOURCES_MAPPING, recordTemplate } from './index-layout.ts';
import { TopicSources } from './topic-sources.ts';
import { OpenSearchAggregations } from './aggregations.ts';

export interface OpenSearchStoreOptions {
  /** Names of every index and template of this store start with it (several stores can share a cluster). */
  indexPrefix?: string;
  /** Replicas of each record index (0 on a one-node cluster). */
  replicas?: number;
  /** The zone a stream's times without a zone are read in (default UTC). */
  timeZoneOf?: (stream: string) => string;
  /** A search running longer is stopped and answered 503. */
  queryTimeoutMs?: number;
  /** Most bytes of one bulk request. */
  bulkBytes?: number;
  /** Days of event time kept: the indices of older days are deleted whole, at open and every hour. */
  retentionDays?: number;
}

const RETENTION_CHECK_MS = 3_600_000;

/** The order of newest-first hits; search_after values follow it. */
const NEWEST_FIRST = ['ts', 'stream', 'ingestedAt', 'part', 'off', 'src', 'rid'].map((field) => ({ [field]: 'desc' }));
const OLDEST_FIRST = ['ts', 'stream', 'ingestedAt', 'part', 'off', 'src', 'rid'].map((field) => ({ [field]: 'asc' }));
const ARRIVAL = ['ingestedAt', 'stream', 'part', 'off', 'src', 'rid'].map((field) => ({ [field]: 'asc' }));
const HIT_FIELDS = ['id', 'stream', 'ts', 'ingestedAt', 'body', 'part', 'off', 'src', 'rid'];
const RETRIES = 8;
/** Searches per _msearch request. */
const MSEARCH_BATCH = 200;

interface Source {
  id: string;
  stream: string;
  ts: number;
  ingestedAt: number;
  body: string;
  part: number;
  off: number;
  src: number;
  rid: string;
}

interface BulkLine {
  index: string;
  id: string;
  doc: RecordDocument;
}

export class OpenSearchStore implements Store {
  readonly engine = 'opensearch';
  private readonly client: Client;
  private readonly layout: IndexLayout;
  private readonly options: OpenSearchStoreOptions;
  private readonly sources: TopicSources;
  private readonly aggregations: OpenSearchAggregations;
  /** Indices written since they were last refreshed: a read refreshes them first, so a write is seen by the next read. */
  private unrefreshed = new Set<string>();
  private retentionTimer: NodeJS.Timeout | undefined;
  private closed = false;

  private constructor(client: Client, options: OpenSearchStoreOptions) {
    this.client = client;
    this.options = options;
    this.layout = new IndexLayout(options.indexPrefix ?? 'tributary');
    this.sources = new TopicSources(client, this.layout.sources);
    this.aggregations = new OpenSearchAggregations((body, streams, signal) => this.searchBody(body, streams, signal),
      (field, query, rank, count, filter) => this.valueAtRank(field, query, rank, count, filter),
      (bodies, streams, signal) => this.msearchBodies(bodies, streams, signal));
  }

  static async open(url: string, options: OpenSearchStoreOptions = {}): Promise<OpenSearchStore> {
    const client = new Client({ node: url, requestTimeout: options.queryTimeoutMs ?? 30_000 });
    const store = new OpenSearchStore(client, options);
    try {
      await client.cluster.health({ wait_for_status: 'yellow', timeout: '30s' });
    } catch (error) {
      await client.close();
      throw new Error(`OpenSearch at ${url} does not answer (${(error as Error).message}): start it (scripts/opensearch.sh start) or pass its URL with --opensearch-url`);
    }
    await client.indices.putIndexTemplate({ name: store.layout.template, body: recordTemplate(store.layout, options.replicas ?? 0) as never });
    await store.createIndex(store.layout.offsets, OFFSETS_MAPPING);
    await store.createIndex(store.layout.sources, SOURCES_MAPPING);
    if (options.retentionDays !== undefined) {
      await store.dropExpired();
      store.retentionTimer = setInterval(() => void store.dropExpired().catch((error: Error) => {
        console.error(`tributary: could not delete expired OpenSearch indices (will try again in an hour): ${error.message}`);
      }), RETENTION_CHECK_MS).unref();
    }
    return store;
  }

  private async createIndex(index: string, mappings: object): Promise<void> {
    const exists = await this.client.indices.exists({ index });
    if (exists.body) return;
    try {
      await this.client.indices.create({ index, body: { settings: { number_of_shards: 1, number_of_replicas: this.options.replicas ?? 0 }, mappings } as never });
    } catch (error) {
      if (!String((error as Error).message).includes('resource_already_exists')) throw error;
    }
  }

  async write(batches: WriteBatch[], offsets: OffsetCommit[] = []): Promise<void> {
    const lines: BulkLine[] = [];
    for (const batch of batches) {
      const topic = batch.topic ?? batch.stream;
      const source = await this.sources.codeOf(batch.stream, topic);
      const zone = this.options.timeZoneOf?.(batch.stream);
      for (const entry of batch.entries) {
        const { body, json } = messageBody(entry.value);
        const id = entry.id ?? recordId(entry.ingestedAt, batch.partition, entry.offset, source);
        const record = toRecord(body, { stream: batch.stream, id, ingestedAt: entry.ingestedAt, timeZone: zone });
        const doc = toDocument(record, json, { part: batch.partition, off: entry.offset, src: source, rid: entry.id ?? '' });
        lines.push({ index: this.layout.recordIndex(batch.stream, record.ts), id: `${batch.stream}\u0000${id}`, doc });
      }
    }
    const limit = this.options.bulkBytes ?? 8 * 1024 * 1024;
    let chunk: BulkLine[] = [];
    let bytes = 0;
    for (const line of lines) {
      const size = line.doc.body.length * 3 + 256;
      if (chunk.length > 0 && bytes + size > limit) {
        await this.bulk(chunk);
        chunk = [];
        bytes = 0;
      }
      chunk.push(line);
      bytes += size;
    }
    if (chunk.length > 0) await this.bulk(chunk);
    if (offsets.length > 0) await this.writeOffsets(offsets);
  }

  /** Writes the lines; retries what OpenSearch pushed back, and stores a record whose fields it refused without them. */
  private async bulk(lines: BulkLine[]): Promise<void> {
    let pending = lines;
    for (let attempt = 0; pending.length > 0; attempt++) {
      const body = pending.flatMap((line) => [{ index: { _index: line.index, _id: line.id } }, line.doc]);
      const response = await this.client.bulk({ body: body as never });
      // marked once written: a read that began before would refresh too early and forget the index
      for (const line of pending) this.unrefreshed.add(line.index);
      if (!response.body.errors) return;
      const again: BulkLine[] = [];
      let busy = false;
      const items = response.body.items as Array<Record<string, { status: number; error?: { type?: string; reason?: string } }>>;
      items.forEach((item, i) => {
        const result = Object.values(item)[0]!;
        if (!result.error) return;
        const line = pending[i]!;
        if (result.status === 429 || result.status >= 500) {
          busy = true;
          again.push(line);
        } else if (line.doc.p.some((key) => !key.startsWith('~'))) {
          again.push({ ...line, doc: withoutPaths(line.doc) });
        } else {
          throw new UnstorableRecordError(`OpenSearch refused record ${line.doc.id} of stream ${line.doc.stream}: ${result.error.reason ?? result.error.type}`);
        }
      });
      if (attempt >= RETRIES) throw new StoreBusyError(`OpenSearch refused ${again.length} records ${RETRIES} times in a row (busy); the batch will be written again`);
      if (busy) await sleep(Math.min(5000, 100 * 2 ** attempt));
      pending = again;
    }
  }

  private async writeOffsets(offsets: OffsetCommit[]): Promise<void> {
    const body = offsets.flatMap((offset) => [
      { index: { _index: this.layout.offsets, _id: JSON.stringify([offset.consumer, offset.topic, offset.partition]) } },
      { consumer: offset.consumer, topic: offset.topic, partition: offset.partition, nextOffset: offset.nextOffset },
    ]);
    const response = await this.client.bulk({ body: body as never });
    if (response.body.errors) throw new StoreBusyError('OpenSearch did not take the committed offsets; the batch will be written again');
    this.unrefreshed.add(this.layout.offsets);
  }

  async committedOffsets(consumer: string): Promise<Map<string, number>> {
    await this.refreshWritten();
    const response = await this.client.search({
      index: this.layout.offsets,
      body: { size: 10_000, query: { term: { consumer } } } as never,
    });
    const offsets = new Map<string, number>();
    for (const hit of response.body.hits.hits as Array<{ _source: OffsetCommit }>) {
      offsets.set(partitionKey(hit._source.topic, hit._source.partition), hit._source.nextOffset);
    }
    return offsets;
  }

  /** Makes what this store wrote searchable before it reads. */
  private async refreshWritten(): Promise<void> {
    if (this.unrefreshed.size === 0) return;
    const indices = [...this.unrefreshed];
    this.unrefreshed = new Set();
    await this.client.indices.refresh({ index: indices.join(','), ignore_unavailable: true } as never);
  }

  /** The bool query of a filter: its query, time bounds and streams. */
  private filterDsl(filter: Filter, extra: Dsl[] = []): Dsl {
    const clauses: Dsl[] = [...extra];
    if (filter.query && filter.query.type !== 'all') clauses.push(compileToOpenSearch(filter.query));
    if (filter.fromMs !== undefined || filter.toMs !== undefined) {
      clauses.push({ range: { ts: { ...(filter.fromMs !== undefined ? { gte: Math.ceil(filter.fromMs) } : {}), ...(filter.toMs !== undefined ? { lte: Math.floor(filter.toMs) } : {}) } } });
    }
    if (filter.streams?.length) clauses.push({ terms: { stream: filter.streams } });
    return { bool: { filter: clauses } };
  }

  /** One search request over the indices of these streams. */
  private async searchBody(body: Dsl, streams: readonly string[] | undefined, signal?: AbortSignal): Promise<Record<string, any>> {
    if (signal?.aborted) throw new StoreCancelledError();
    await this.refreshWritten();
    return whenShardsAnswer(async () => {
      try {
        const response = await this.client.search(
          { index: this.layout.recordPattern(streams), ignore_unavailable: true, allow_no_indices: true, body: body as never } as never,
          { signal } as never,
        );
        return [response.body as Record<string, any>];
      } catch (error) {
        throw storeError(error, signal);
      }
    }, signal).then(([answer]) => answer!);
  }

  /** Several searches over the indices of these streams in one request, their responses in order. */
  private async msearchBodies(bodies: Dsl[], streams: readonly string[] | undefined, signal?: AbortSignal): Promise<Array<Record<string, any>>> {
    if (signal?.aborted) throw new StoreCancelledError();
    await this.refreshWritten();
    const header = { index: this.layout.recordPattern(streams), ignore_unavailable: true, allow_no_indices: true };
    const responses: Array<Record<string, any>> = [];
    for (let start = 0; start < bodies.length; start += MSEARCH_BATCH) {
      responses.push(...await whenShardsAnswer(async () => {
        try {
          const response = await this.client.msearch({ body: bodies.slice(start, start + MSEARCH_BATCH).flatMap((body) => [header, body]) as never }, { signal } as never);
          const answers = (response.body as { responses: Array<Record<string, any>> }).responses;
          for (const answer of answers) {
            if (answer.error) throw Object.assign(new Error(String(answer.error.reason ?? answer.error.type)), { meta: { statusCode: answer.status, body: { error: answer.error } } });
          }
          return answers;
        } catch (error) {
          throw storeError(error, signal);
        }
      }, signal));
    }
    return responses;
  }

  async search(request: SearchRequest): Promise<SearchResult> {
    const cursor = request.cursor ? decodeCursor(request.cursor) : undefined;
    const body: Dsl = {
      query: this.filterDsl(request),
      size: request.limit,
      track_total_hits: request.total !== false,
      _source: HIT_FIELDS,
      ...(request.limit > 0 ? { sort: NEWEST_FIRST } : {}),
      ...(cursor && request.limit > 0 ? { search_after: newestKey(cursor) } : {}),
    };
    const response = await this.searchBody(body, request.streams, request.signal);
    const sources = (response.hits.hits as Array<{ _source: Source }>).map((hit) => hit._source);
    const last = sources.at(-1);
    return {
      total: request.total === false ? null : Number(response.hits.total?.value ?? 0),
      hits: sources.map(toHit),
      cursor: last && sources.length === request.limit ? encodeCursor(cursorKey(last)) : null,
    };
  }

  histogram(request: HistogramRequest): Promise<HistogramResult> {
    return this.aggregations.histogram(request, this.filterDsl(request));
  }

  stats(request: StatsRequest): Promise<StatsResult> {
    return this.aggregations.stats(request, this.filterDsl(request));
  }

  facets(request: FacetsRequest): Promise<FacetsResult> {
    return this.aggregations.facets(request, this.filterDsl(request));
  }

  async orderStatistics(request: OrderStatisticsRequest): Promise<OrderStatisticsResult> {
    const field = docField(request.field).number;
    const query = this.filterDsl(request, [{ exists: { field } }]);
    const counted = await this.searchBody({ query, size: 0, track_total_hits: true }, request.streams, request.signal);
    const count = Number(counted.hits.total?.value ?? 0);
    const values = await Promise.all(request.ranks.map((rank) => (rank >= count ? null : this.valueAtRank(field, query, rank, count, request))));
    return { count, values };
  }

  /** The value at a 0-based rank of a field's ascending values: read from whichever end is nearer, paging past 10,000. */
  private async valueAtRank(field: string, query: Dsl, rank: number, count: number, filter: Filter): Promise<number | null> {
    const fromTop = count - 1 - rank < rank;
    const skip = fromTop ? count - 1 - rank : rank;
    const order = fromTop ? 'desc' : 'asc';
    let after: unknown[] | undefined;
    let left = skip;
    for (;;) {
      const size = Math.min(left + 1, 10_000);
      const response = await this.searchBody({
        query, size, _source: false, sort: [{ [field]: order }, { _id: 'asc' }], ...(after ? { search_after: after } : {}),
      }, filter.streams, filter.signal);
      const hits = response.hits.hits as Array<{ sort: unknown[] }>;
      if (hits.length === 0) return null;
      if (left < hits.length) return Number(hits[left]!.sort[0]);
      left -= hits.length;
      after = hits.at(-1)!.sort;
    }
  }

  async context(request: ContextRequest): Promise<ContextResult> {
    const found = await this.searchBody({ query: { bool: { filter: [{ term: { stream: request.stream } }, { term: { id: request.id } }] } }, size: 1, _source: HIT_FIELDS }, [request.stream]);
    const anchorSource = (found.hits.hits as Array<{ _source: Source }>)[0]?._source;
    if (!anchorSource) return { anchor: null, before: [], after: [] };
    const anchor = toHit(anchorSource);
    const same: Dsl[] = (request.sameFields ?? []).map((name) => sameValueDsl(name, anchor));
    const key = sortValues(cursorKey(anchorSource));
    const around = async (sort: Dsl[], limit: number): Promise<Hit[]> => {
      if (limit <= 0) return [];
      const response = await this.searchBody({
        query: { bool: { filter: [{ term: { stream: request.stream } }, ...same] } }, size: limit, _source: HIT_FIELDS, sort, search_after: key,
      }, [request.stream]);
      return (response.hits.hits as Array<{ _source: Source }>).map((hit) => toHit(hit._source));
    };
    const [older, newer] = await Promise.all([around(NEWEST_FIRST, request.before), around(OLDEST_FIRST, request.after)]);
    return { anchor, before: older.reverse(), after: newer };
  }

  async tail(request: TailRequest): Promise<TailPage> {
    const since = { range: { ingestedAt: { gte: Math.floor(request.sinceIngestedAt) } } };
    const after = request.after ? decodeCursor(request.after) : undefined;
    const response = await this.searchBody({
      query: this.filterDsl(request, [since]), size: request.limit, _source: HIT_FIELDS, sort: ARRIVAL,
      ...(after ? { search_after: [after.ingestedAt, after.stream, after.part, after.off, after.src, after.rid ?? ''] } : {}),
    }, request.streams, request.signal);
    const sources = (response.hits.hits as Array<{ _source: Source }>).map((hit) => hit._source);
    const last = sources.at(-1);
    return { hits: sources.map(toHit), cursor: last ? encodeCursor(cursorKey(last)) : null };
  }

  async describe(): Promise<{ streams: StreamInfo[]; bytesOnDisk: number }> {
    const streams = await this.aggregations.streams(this.filterDsl({ query: null }));
    const stats = await this.client.indices.stats({ index: this.layout.everything(), metric: 'store' } as never);
    const bytesOnDisk = Number((stats.body as Record<string, any>)._all?.total?.store?.size_in_bytes ?? 0);
    return { streams, bytesOnDisk };
  }

  async timeBounds(filter: Filter): Promise<{ oldestTs: number; newestTs: number } | null> {
    return this.aggregations.timeBounds(filter, this.filterDsl(filter));
  }

  /** Deletes the record indices of days wholly older than the retention; returns their names. */
  async dropExpired(now = Date.now()): Promise<string[]> {
    if (this.options.retentionDays === undefined) return [];
    const oldestKept = now - this.options.retentionDays * 86_400_000;
    const response = await this.client.cat.indices({ index: this.layout.recordPattern(), format: 'json', h: 'index' } as never);
    const expired = (response.body as Array<{ index: string }>).map((row) => row.index)
      .filter((index) => { const end = this.layout.dayEnd(index); return end !== undefined && end <= oldestKept; });
    if (expired.length > 0) await this.client.indices.delete({ index: expired.join(','), ignore_unavailable: true } as never);
    return expired;
  }

  /** Deletes every index of this store (tests, `--reset`). */
  async drop(): Promise<void> {
    await this.client.indices.delete({ index: this.layout.everything(), ignore_unavailable: true } as never);
    await this.client.indices.deleteIndexTemplate({ name: this.layout.template } as never).catch(() => undefined);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.retentionTimer);
    // what it wrote is searchable at once by whoever opens the store next
    await this.refreshWritten().catch(() => undefined);
    await this.client.close();
  }
}

/** The hit of a stored record; its level and message derived from the body again, as at write time. */
function toHit(source: Source): Hit {
  const body = JSON.parse(source.body) as Record<string, unknown>;
  return { id: source.id, stream: source.stream, ts: Number(source.ts), ingestedAt: Number(source.ingestedAt), level: recordLevel(body), message: recordMessage(body), bodyJson: source.body };
}

function cursorKey(source: Source): CursorKey {
  return { ts: Number(source.ts), stream: source.stream, ingestedAt: Number(source.ingestedAt), part: source.part, off: source.off, src: source.src, rid: source.rid === '' ? null : source.rid };
}

function sortValues(key: CursorKey): unknown[] {
  return [key.ts, key.stream, key.ingestedAt, key.part, key.off, key.src, key.rid ?? ''];
}

const newestKey = sortValues;

/** Records whose field has the anchor's value (or, like it, none). */
function sameValueDsl(name: string, anchor: Hit): Dsl {
  const field = docField(name);
  const view = JSON.parse(anchor.bodyJson) as Record<string, unknown>;
  const value = anchorText(name, anchor, view);
  if (value === null) return { bool: { must_not: [existsDsl(field)] } };
  return { term: { [field.text]: value } };
}

function anchorText(name: string, anchor: Hit, body: Record<string, unknown>): string | null {
  switch (name) {
    case 'message':
      return anchor.message;
    case 'level':
      return anchor.level;
    case 'stream':
      return anchor.stream;
    case 'id':
      return anchor.id;
    case 'ts':
    case '@timestamp':
      return String(anchor.ts);
    case 'ingestedAt':
      return String(anchor.ingestedAt);
  }
  const path = splitFieldPath(name);
  return path ? valueText(valueAt(body, path)) : null;
}

function storeError(error: unknown, signal?: AbortSignal): Error {
  if (signal?.aborted) return new StoreCancelledError();
  const meta = (error as { meta?: { statusCode?: number; body?: { error?: { root_cause?: Array<{ reason?: string }>; reason?: string } } } }).meta;
  const reason = meta?.body?.error?.root_cause?.[0]?.reason ?? meta?.body?.error?.reason ?? (error as Error).message;
  if (meta?.statusCode === 400) return new StoreQueryError(`OpenSearch refused the query: ${reason}`);
  if (meta?.statusCode === 429 || (meta?.statusCode ?? 0) >= 500 || (error as Error).name === 'TimeoutError') {
    return new StoreBusyError(`OpenSearch could not answer now: ${reason}`);
  }
  return error instanceof Error ? error : new Error(String(error));
}

/** Waits between tries of a search some shards did not answer: an index created a moment ago starts its shard within a second or so. */
const SHARD_WAITS_MS = [100, 200, 400, 800];

/**
 * The answers once every shard gave its part. A shard that failed (a day index whose shard is
 * still starting, a node restarting) would leave records out of an answer that says nothing of
 * it, or fail the whole search: both are tried again, then refused as busy, never answered short.
 */
async function whenShardsAnswer(ask: () => Promise<Array<Record<string, any>>>, signal?: AbortSignal): Promise<Array<Record<string, any>>> {
  for (let attempt = 0; ; attempt++) {
    let problem: Error;
    try {
      const answers = await ask();
      // a shard not started is neither failed nor successful (skipped ones count as successful): it is only missing from the total
      const missing = answers.reduce((sum, { _shards: shards }) => sum + (shards ? Math.max(0, Number(shards.total) - Number(shards.successful)) : 0), 0);
      if (missing === 0) return answers;
      problem = new StoreBusyError(`OpenSearch could not answer now: ${missing} shard(s) did not answer (a new day index's shard starting, or a node away)`);
    } catch (error) {
      if (!(error instanceof StoreBusyError) || !/shard/i.test(error.message)) throw error;
      problem = error;
    }
    if (attempt >= SHARD_WAITS_MS.length || signal?.aborted) throw problem;
    await sleep(SHARD_WAITS_MS[attempt]!);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
