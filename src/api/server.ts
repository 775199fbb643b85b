// The HTTP server on port 3000: ingest, query and ops routes. Every error is JSON naming the problem.
import { readFileSync } from 'node:fs';
import Fastify, { type FastifyInstance, type FastifyError } from 'fastify';
import { LogError, type Log } from '../log/log.ts';
import { describeStreamGroup, type StreamLog } from '../log/stream-topics.ts';
import type { Store } from '../stores/store.ts';
import type { Config } from '../config/config.ts';
import type { Metrics } from '../metrics.ts';
import { PRESETS, SOURCES } from '../registry.ts';
import type { PipelineWorkers } from '../pipelines/autoscale/pipeline-workers.ts';
import { registerPipelineRoutes } from './pipeline-routes.ts';
import { registerQueryRoutes } from './query-routes.ts';
import { registerExploreRoutes } from './explore-routes.ts';
import { registerLogRoutes } from './log-routes.ts';
import { registerExportRoutes } from './export-routes.ts';
import { registerUiRoutes, wantsPage } from './ui-routes.ts';
import { FirstReads } from './first-reads.ts';
import { registerSavedSearchRoutes } from './saved-search-routes.ts';
import type { SavedSearches } from '../alerts/saved-searches.ts';
import { ApiError, sendError } from './errors.ts';
import { StoreBusyError, StoreCancelledError, StoreQueryError } from '../stores/store.ts';
import type { Acceptor } from '../sources/accept.ts';
import { PRODUCT, PRODUCT_HEADER, rootInfo } from '../sources/elasticsearch/info.ts';
import { TRIBUTARY_VERSION } from '../version.ts';
import { readRefusal, registerAuth, type AuthOptions } from '../auth/http-auth.ts';
import { registerSessionRoutes } from './session-routes.ts';

export interface ServerDeps {
  /** The main log, for the admin API. */
  log: Log;
  /** The logs streams live on: ingest routes to them, /metrics reports their indexers' lag. */
  streams: StreamLog[];
  store: Store;
  config: Config;
  metrics: Metrics;
  isReady: () => boolean;
  /** Present when the process ingests: every source hands its records to it. */
  acceptor?: Acceptor;
  /** The pipelines this process runs (none without the process role). */
  pipelines?: () => readonly PipelineWorkers[];
  /** Saved searches and their alerts (with the query role). */
  savedSearches?: SavedSearches;
  /** API keys and users, when authentication is on (src/auth/http-auth.ts). */
  auth?: AuthOptions;
  /** Starts indexing on-search streams a read names; returns those whose indexing started now. */
  indexOnSearch?: (streams: string[]) => Promise<string[]>;
  /** On-search streams not indexed yet: listed by GET /api/v1/streams with `records: null`. */
  unindexedStreams?: () => Promise<string[]>;
}

export function buildServer(deps: ServerDeps): FastifyInstance {
  const { config, metrics } = deps;
  const app = Fastify({
    // HTTPS when a certificate is configured (the instance type is the same to every route)
    ...(config.tls ? { https: tlsFiles(config.tls) } as object : {}),
    logger: false,
    bodyLimit: config.ingest.maxBodyBytes,
    // The server must survive hostile clients: bounded headers and slow bodies.
    requestTimeout: config.ingest.requestTimeoutMs,
    routerOptions: { maxParamLength: 500 },
  });
  // Headers have their own limit (60 s, whatever requestTimeout says), and Node checks for requests
  // past their time every 30 s: a slow client could hold its connection that much longer than the
  // timeout. Both follow it, the check at a quarter of it.
  const server = app.server as { headersTimeout: number; connectionsCheckingInterval?: number };
  server.headersTimeout = Math.min(60_000, config.ingest.requestTimeoutMs);
  server.connectionsCheckingInterval = Math.min(30_000, Math.max(250, Math.round(config.ingest.requestTimeoutMs / 4)));

  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

  // before any route: every route is behind it
  if (deps.auth) {
    registerAuth(app, deps.auth);
    registerSessionRoutes(app, deps.auth, Boolean(config.tls));
  }

  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof ApiError && error.code === 'forbidden_stream') {
      const path = request.url.split('?')[0]!;
      deps.auth?.audit({ timestamp: new Date().toISOString(), level: 'warn', message: `403 ${request.method} ${path}: ${error.message}`, outcome: 403, method: request.method, path, ip: request.ip });
    }
    if (error instanceof ApiError) return sendError(reply, error.status, error.code, error.message, error.details);
    if (error instanceof StoreQueryError) return sendError(reply, 400, 'bad_query', error.message);
    if (error instanceof StoreBusyError) return sendError(reply, 503, 'store_busy', error.message);
    // the client has gone: nobody reads this (499, as nginx logs it)
    if (error instanceof StoreCancelledError) return sendError(reply, 499, 'client_closed', error.message);
    if (error instanceof LogError && error.code === 'UNAVAILABLE') {
      return sendError(reply, 503, 'log_unavailable', `the log is unavailable, nothing was acknowledged: retry later (${error.message})`);
    }
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return sendError(reply, 413, 'body_too_large', `the body is larger than ${config.ingest.maxBodyBytes} bytes: send smaller batches`);
    }
    if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
      return sendError(reply, error.statusCode, 'bad_request', error.message);
    }
    console.error('request failed:', error);
    return sendError(reply, 500, 'internal', `internal error: ${error.message}`);
  });
  app.setNotFoundHandler((request, reply) => sendError(reply, 404, 'not_found', `no route ${request.method} ${request.url.split('?')[0]}; see GET /api/v1/search, POST /api/v1/logs`));

  if (deps.indexOnSearch) indexNamedStreams(app, deps.indexOnSearch);

  const { acceptor } = deps;
  if (acceptor) {
    for (const source of SOURCES) source.attach?.({ app, acceptor, config, metrics });
    for (const preset of PRESETS) preset.ingestRoutes?.({ app, acceptor, config, metrics });
  }
  const firstReads = config.roles.includes('query') ? new FirstReads(app, { credentialsRequired: Boolean(deps.auth) }) : undefined;
  if (config.roles.includes('query')) {
    registerQueryRoutes(app, { ...deps, firstReads });
    registerExploreRoutes(app, deps);
    registerExportRoutes(app, deps);
    if (deps.savedSearches) registerSavedSearchRoutes(app, deps.savedSearches);
    for (const preset of PRESETS) preset.routes?.({ app, store: deps.store, config });
  }
  registerLogRoutes(app, { log: deps.log, scalingOf: (group) => deps.pipelines?.().find((pipeline) => pipeline.group === group)?.scaling() ?? null });
  registerPipelineRoutes(app, { pipelines: deps.pipelines ?? (() => []), store: deps.store, acceptor: deps.acceptor, dataDir: config.dataDir });

  // A browser gets the explorer; a client (Elasticsearch's, a shipper's probe) the version block it expects.
  const ui = registerUiRoutes(app, firstReads);
  app.get('/', async (request, reply) => wantsPage(request.headers.accept)
    ? ui.sendPage(request, reply)
    : reply.header(PRODUCT_HEADER, PRODUCT).send(rootInfo(TRIBUTARY_VERSION)));
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => deps.isReady()
    ? { status: 'ready' }
    : sendError(reply, 503, 'not_ready', 'Tributary is starting or stopping'));
  app.get('/metrics', async (_request, reply) => {
    await updateLag(deps);
    return reply.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  return app;
}

function tlsFiles(tls: NonNullable<Config['tls']>): { cert: Buffer; key: Buffer } {
  const read = (file: string, what: string): Buffer => {
    try {
      return readFileSync(file);
    } catch (error) {
      throw new Error(`tls.${what}: cannot read ${file} (${(error as Error).message}): give a PEM file with --tls-${what}`);
    }
  };
  return { cert: read(tls.cert, 'cert'), key: read(tls.key, 'key') };
}

async function updateLag(deps: ServerDeps): Promise<void> {
  for (const streamLog of deps.streams) {
    const group = streamLog.indexerGroup;
    const description = await describeStreamGroup(streamLog).catch(() => null);
    for (const partition of description?.partitions ?? []) {
      deps.metrics.processorLag.set({ group, topic: partition.topic, partition: String(partition.partition) }, partition.lag);
    }
  }
}

/**
 * A read naming an on-search stream not indexed yet starts its indexing (streams.NAME.index) and
 * says so in the `Tributary-Indexing` header: its records become searchable as the indexer
 * catches up from the oldest one the log keeps.
 */
function indexNamedStreams(app: FastifyInstance, indexOnSearch: (streams: string[]) => Promise<string[]>): void {
  app.addHook('preHandler', async (request, reply) => {
    if (request.method !== 'GET' || !request.url.startsWith('/api/v1/')) return;
    const named = (request.query as Record<string, unknown>).stream;
    if (typeof named !== 'string' || named === '') return;
    const streams = named.split(',').map((stream) => stream.trim()).filter(Boolean);
    // a reader confined to other streams is refused by the route itself
    if (readRefusal(streams)) return;
    const started = await indexOnSearch(streams);
    if (started.length > 0) reply.header('Tributary-Indexing', started.join(','));
  });
}
