// The Elasticsearch ingest API on the main port: POST|PUT /_bulk and /{index}/_bulk, POST
// /{index}/_doc, PUT /{index}/_doc/{id} and /{index}/_create/{id}, plus the probes shippers send
// first (info.ts). An index is a stream; `_id` is the record's own id, so a document sent again
// with its id replaces the stored one (`create` behaves as `index`: no version conflict). Every
// item is answered in Elasticsearch's shape, 429 and 503 retryable per item.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../../config/config.ts';
import type { Metrics } from '../../metrics.ts';
import type { Acceptor, Refusal } from '../accept.ts';
import { recordId } from '../../record/id.ts';
import { IngestError } from '../http/ingest-error.ts';
import { bodyBytes } from '../http/json-body.ts';
import { BulkRequestError, documentOf, parseBulkBody, type BulkItem, type ItemError } from './bulk-body.ts';
import { isJsonSpace } from '../http/json-object-scan.ts';
import { clusterHealth, errorBody, LICENSE, nodes, PRODUCT, PRODUCT_HEADER, XPACK } from './info.ts';

export interface ElasticsearchDeps {
  acceptor: Acceptor;
  config: Config;
  metrics: Metrics;
}

const REFUSAL: Record<Refusal['kind'], { status: number; type: string }> = {
  backlog: { status: 429, type: 'es_rejected_execution_exception' },
  too_large: { status: 413, type: 'illegal_argument_exception' },
  unavailable: { status: 503, type: 'unavailable_shards_exception' },
};

interface ItemResult {
  status: number;
  id?: string;
  error?: ItemError;
}

function sendEsError(reply: FastifyReply, status: number, type: string, reason: string): FastifyReply {
  if (status === 429 || status === 503) reply.header('retry-after', '1');
  return reply.code(status).send(errorBody(status, type, reason));
}

/** Writes the items' documents, one acceptor call per stream, and returns each item's result in order. */
async function writeItems(items: BulkItem[], acceptor: Acceptor): Promise<ItemResult[]> {
  const results: ItemResult[] = items.map((item) => ({ status: item.error?.status ?? 201, ...(item.error ? { error: item.error } : {}) }));
  const byStream = new Map<string, number[]>();
  items.forEach((item, i) => {
    if (!item.record) return;
    const positions = byStream.get(item.index);
    if (positions) positions.push(i);
    else byStream.set(item.index, [i]);
  });
  await Promise.all([...byStream].map(async ([stream, positions]) => {
    const acceptance = await acceptor.accept(stream, positions.map((i) => items[i]!.record!), positions.map((i) => items[i]!.id));
    positions.forEach((i, k) => {
      if ('refused' in acceptance) {
        const { status, type } = REFUSAL[acceptance.refused.kind];
        results[i] = { status, error: { status, type, reason: acceptance.refused.message } };
        return;
      }
      const { partition, offset } = acceptance.positions[k]!;
      // without an _id, the id search gives the record (the stream's first topic: source 0)
      results[i] = { status: 201, id: items[i]!.id ?? recordId(acceptance.appendedAt, partition, offset, 0) };
    });
  }));
  return results;
}

function itemBody(item: BulkItem, result: ItemResult): Record<string, unknown> {
  const base = { _index: item.index, _id: result.id ?? item.id ?? null, status: result.status };
  if (result.error) return { ...base, error: { type: result.error.type, reason: result.error.reason } };
  return { ...base, _version: 1, result: 'created', _shards: { total: 1, successful: 1, failed: 0 }, _seq_no: 0, _primary_term: 1 };
}

export function registerElasticsearchRoutes(app: FastifyInstance, deps: ElasticsearchDeps): void {
  const { acceptor, config, metrics } = deps;
  app.register(async (es) => {
    es.addHook('onSend', async (_request, reply) => { reply.header(PRODUCT_HEADER, PRODUCT); });

    const body = async (request: FastifyRequest): Promise<Buffer> => {
      const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      return bodyBytes(raw, { contentEncoding: request.headers['content-encoding'], maxBodyBytes: config.ingest.maxBodyBytes, limits: config.limits });
    };

    const bulk = async (request: FastifyRequest<{ Params: { index?: string } }>, reply: FastifyReply) => {
      const started = performance.now();
      let items: BulkItem[];
      try {
        items = parseBulkBody(await body(request), config.limits, request.params.index, config.ingest.defaultStream);
      } catch (error) {
        if (error instanceof BulkRequestError) return sendEsError(reply, 400, error.type, error.message);
        if (error instanceof IngestError) return sendEsError(reply, error.status, 'parse_exception', error.message);
        throw error;
      }
      if (items.length === 0) return sendEsError(reply, 400, 'action_request_validation_exception', 'Validation Failed: 1: no requests added;');
      const results = await writeItems(items, acceptor);
      const failed = results.filter((result) => result.error);
      for (const result of failed) metrics.rejectedRequests.inc({ code: `es_${result.error!.type}` });
      return reply.code(200).send({
        took: Math.round(performance.now() - started),
        errors: failed.length > 0,
        items: items.map((item, i) => ({ [item.action]: itemBody(item, results[i]!) })),
      });
    };
    es.post('/_bulk', bulk);
    es.put('/_bulk', bulk);
    es.post('/:index/_bulk', bulk);
    es.put('/:index/_bulk', bulk);

    const single = async (request: FastifyRequest<{ Params: { index: string; id?: string } }>, reply: FastifyReply) => {
      const { index, id } = request.params;
      let bytes: Buffer;
      try {
        bytes = await body(request);
      } catch (error) {
        if (error instanceof IngestError) return sendEsError(reply, error.status, 'parse_exception', error.message);
        throw error;
      }
      let first = 0;
      let last = bytes.length;
      while (first < last && isJsonSpace(bytes[first]!)) first++;
      while (last > first && isJsonSpace(bytes[last - 1]!)) last--;
      const items: BulkItem[] = [{ action: 'index', index, ...(id === undefined ? {} : { id }), ...documentOf(index, bytes, first, last, 'the document', config.limits) }];
      const [result] = await writeItems(items, acceptor);
      if (result!.error) return sendEsError(reply, result!.status, result!.error.type, result!.error.reason);
      const { status: _status, ...document } = itemBody(items[0]!, result!);
      return reply.code(201).send(document);
    };
    es.post('/:index/_doc', single);
    es.post('/:index/_doc/:id', single);
    es.put('/:index/_doc/:id', single);
    es.post('/:index/_create/:id', single);
    es.put('/:index/_create/:id', single);

    // the probes and setup calls shippers make before writing
    es.get('/_license', async () => LICENSE);
    es.get('/_xpack', async () => XPACK);
    es.get('/_cluster/health', async () => clusterHealth());
    es.get('/_nodes', async () => nodes());
    es.get('/_nodes/*', async () => nodes());
    const acknowledged = async () => ({ acknowledged: true });
    for (const prefix of ['/_index_template', '/_template', '/_component_template', '/_ilm/policy', '/_ingest/pipeline', '/_data_stream']) {
      es.put(`${prefix}/:name`, acknowledged);
      es.post(`${prefix}/:name`, acknowledged);
      // present: shippers then leave their own setup alone
      es.head(`${prefix}/:name`, async (_request, reply) => reply.code(200).send());
      es.get(`${prefix}/:name`, async (request) => ({ [prefix.split('/').pop()!.replace(/^_/, '')]: [], name: (request.params as { name: string }).name }));
    }
  });
}
