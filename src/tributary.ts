// The composition root: opens the configured log and store engines (src/registry.ts), starts the
// indexing processor and the HTTP server with the sources attached, and closes them in reverse order.
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { Config } from './config/config.ts';
import type { Log } from './log/log.ts';
import type { Store } from './stores/store.ts';
import { logEngine, openStreamLogs, storeEngine } from './registry.ts';
import { Indexer } from './processors/indexer.ts';
import { Metrics } from './metrics.ts';
import { buildServer } from './api/server.ts';

export interface Tributary {
  config: Config;
  log: Log;
  store: Store;
  server: FastifyInstance;
  /** The address the server listens on, e.g. http://127.0.0.1:3000 */
  url: string;
  close(): Promise<void>;
}

export async function startTributary(config: Config): Promise<Tributary> {
  const metrics = new Metrics();
  const log = await logEngine(config.log.engine).open(config);
  const streams = await openStreamLogs(config, log);
  const store = await storeEngine(config.store.engine).open(config);
  const indexers = config.roles.includes('process') ? streams.map((streamLog) => new Indexer(streamLog, store, { ...config.indexer, metrics })) : [];
  let ready = false;
  const server = buildServer({ log, streams, store, config, metrics, isReady: () => ready });
  for (const indexer of indexers) indexer.start();
  await server.listen({ port: config.port, host: config.host });
  ready = true;
  const address = server.server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  let closing: Promise<void> | undefined;
  return {
    config, log, store, server,
    url: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${address.port}`,
    close() {
      closing ??= (async () => {
        ready = false;
        await server.close();
        await Promise.all(indexers.map((indexer) => indexer.stop()));
        await store.close();
        for (const streamLog of streams) if (streamLog.log !== log) await streamLog.log.close();
        await log.close();
      })();
      return closing;
    },
  };
}
