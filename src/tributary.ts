// The composition root: opens the configured log and store engines (src/registry.ts), starts the
// sources, the indexing processor, the pipelines and the HTTP server, and closes them in reverse
// order: sources first (their positions saved), pipelines flushed, the store last.
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Config } from './config/config.ts';
import type { Log } from './log/log.ts';
import type { Store } from './stores/store.ts';
import { logEngine, openStreamLogs, SOURCES, storeEngine, streamIndexedOnSearch, streamPartitions, type RunningSource } from './registry.ts';
import { indexedOnSearch, indexStreams, unindexedStreams } from './log/stream-topics.ts';
import { IndexingRunner, indexingPipelineConfig } from './pipelines/indexing-runner.ts';
import { Metrics } from './metrics.ts';
import { buildServer, type ServerDeps } from './api/server.ts';
import { authEnabled, outsideKey, type AuditRecord } from './auth/http-auth.ts';
import { KeyStore } from './auth/keys.ts';
import { UserStore } from './auth/users.ts';
import { Sessions } from './auth/sessions.ts';
import { Acceptor } from './sources/accept.ts';
import { connectRedisKeys } from './pipelines/steps/dedup/redis-keys.ts';
import { writeFileAtomic } from './log/embedded/atomic-file.ts';
import { PipelineWorkers } from './pipelines/autoscale/pipeline-workers.ts';
import { configuredPipelines } from './pipelines/pipelines.ts';
import { SavedSearches } from './alerts/saved-searches.ts';
import { AlertScheduler, ALERTS_STREAM } from './alerts/alert-scheduler.ts';

export interface Tributary {
  config: Config;
  log: Log;
  store: Store;
  server: FastifyInstance;
  pipelines: readonly PipelineWorkers[];
  /** The address the server listens on, e.g. http://127.0.0.1:3000 */
  url: string;
  close(): Promise<void>;
}

export async function startTributary(config: Config): Promise<Tributary> {
  // what is open so far, closed in reverse order when a later step fails
  const opened: Array<() => Promise<unknown>> = [];
  const closeOpened = async () => {
    for (const close of opened.reverse()) await close().catch(() => undefined);
  };
  try {
    return await start(config, opened);
  } catch (error) {
    await closeOpened();
    throw error;
  }
}

/** With authentication on, a server no key or user could use is not started. */
function checkAuthKeys(config: Config): void {
  if (authEnabled(config) && !new KeyStore(config.dataDir).hasActiveKeys() && !new UserStore(config.dataDir).hasUsers()) {
    throw new Error(`authentication is on (${config.auth.mode === 'on' ? 'auth.mode on' : `listening on ${config.host}, not only this machine`}) and there is no API key or user: ` +
      `create a key with \`npx tributary keys create --name admin --role admin --data-dir ${config.dataDir}\` or a user with \`npx tributary users create --name admin --role admin --data-dir ${config.dataDir}\`, or listen on 127.0.0.1`);
  }
}

/** API keys when authentication is on; denials are written to the stream _audit. */
function authOf(config: Config, acceptor: Acceptor | undefined): ServerDeps['auth'] {
  if (!authEnabled(config)) return undefined;
  const keys = new KeyStore(config.dataDir);
  const users = new UserStore(config.dataDir);
  const sessions = new Sessions(config.auth.sessionHours * 3_600_000);
  const audit = (record: AuditRecord): void => {
    if (!acceptor) return void console.warn(`audit: ${record.message}`);
    outsideKey(() => acceptor.accept('_audit', [Buffer.from(JSON.stringify(record))]))
      .catch((error: Error) => console.warn(`audit record lost: ${error.message}`));
  };
  return { keys, users, sessions, audit };
}

/** Where this process's records come from, for keys shared through Redis (redis-keys.ts): the Kafka cluster, or this data dir's own log. */
async function recordScope(config: Config): Promise<string> {
  if (config.log.engine === 'kafka') return `kafka:${(config.log.kafka.brokers ?? []).join(',')}`;
  const file = path.join(config.dataDir, 'instance-id');
  try {
    return `embedded:${(await readFile(file, 'utf8')).trim()}`;
  } catch {
    const id = randomUUID();
    await writeFileAtomic(file, id);
    return `embedded:${id}`;
  }
}

async function start(config: Config, opened: Array<() => Promise<unknown>>): Promise<Tributary> {
  checkAuthKeys(config);
  const metrics = new Metrics();
  const log = await logEngine(config.log.engine).open(config);
  opened.push(() => log.close());
  const openedStreams = await openStreamLogs(config, log);
  for (const streamLog of openedStreams) if (streamLog.log !== log) opened.push(() => streamLog.log.close());
  const onSearch = streamIndexedOnSearch(config);
  const streams = indexedOnSearch(openedStreams, onSearch);
  const store = await storeEngine(config.store.engine).open(config);
  opened.push(() => store.close());
  const processing = config.roles.includes('process');
  const partitionsOf = streamPartitions(config);
  const sharedKeys = processing && config.redis.url ? await connectRedisKeys(config.redis.url, await recordScope(config)) : undefined;
  if (sharedKeys) opened.push(() => sharedKeys.close());
  const runnerDeps = { streams, store, dataDir: config.dataDir, partitionsOf, metrics, sharedKeys };
  // the indexer is the pipeline with no steps whose output is the store stream of each topic
  const indexers = processing
    ? streams.map((streamLog) => {
      const options = { ...config.indexer, metrics };
      const name = streamLog.indexerGroup;
      return new PipelineWorkers(name, indexingPipelineConfig(streamLog, options), runnerDeps, () => new IndexingRunner(name, streamLog, store, options));
    })
    : [];
  const pipelines = processing
    ? Object.entries(configuredPipelines(config)).map(([name, pipeline]) => new PipelineWorkers(name, pipeline, runnerDeps))
    : [];
  const acceptor = config.roles.includes('ingest') ? new Acceptor(streams, config, metrics, partitionsOf) : undefined;
  let ready = false;
  const savedSearches = config.roles.includes('query') ? new SavedSearches(config.dataDir) : undefined;
  const indexOnSearch = (names: string[]) => indexStreams(openedStreams, names.filter(onSearch), partitionsOf);
  const server = buildServer({ log, streams, store, config, metrics, isReady: () => ready, acceptor, pipelines: () => [...indexers, ...pipelines], savedSearches, auth: authOf(config, acceptor), indexOnSearch,
    unindexedStreams: () => unindexedStreams(openedStreams, onSearch) });
  opened.push(() => server.close());
  for (const indexer of indexers) await indexer.start();
  opened.push(() => Promise.all(indexers.map((indexer) => indexer.stop())));
  opened.push(() => Promise.all(pipelines.map((pipeline) => pipeline.stop())));
  for (const pipeline of pipelines) await pipeline.start();
  const sources: RunningSource[] = [];
  opened.push(async () => { for (const source of sources) await source.stop(); });
  if (acceptor) for (const source of SOURCES) if (source.start) sources.push(await source.start({ acceptor, config, metrics }));
  // alerts write their records to _alerts: the process that checks them also ingests
  const alerts = savedSearches && acceptor
    ? new AlertScheduler(savedSearches, store, async (record) => {
      const result = await acceptor.accept(ALERTS_STREAM, [Buffer.from(JSON.stringify(record))]);
      if ('refused' in result) throw new Error(`its record was not written to ${ALERTS_STREAM}: ${result.refused.message}`);
    })
    : undefined;
  alerts?.start();
  opened.push(async () => alerts?.stop());
  await server.listen({ port: config.port, host: config.host });
  ready = true;
  const address = server.server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  let closing: Promise<void> | undefined;
  return {
    config, log, store, server, pipelines,
    url: `${config.tls ? 'https' : 'http'}://${host === '0.0.0.0' ? '127.0.0.1' : host}:${address.port}`,
    close() {
      closing ??= (async () => {
        ready = false;
        await alerts?.stop();
        for (const source of sources) await source.stop();
        await server.close();
        await Promise.all(pipelines.map((pipeline) => pipeline.stop()));
        await Promise.all(indexers.map((indexer) => indexer.stop()));
        await store.close();
        for (const streamLog of streams) if (streamLog.log !== log) await streamLog.log.close();
        await log.close();
      })();
      return closing;
    },
  };
}
