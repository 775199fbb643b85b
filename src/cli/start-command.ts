import type { Command } from 'commander';
import { loadConfig, ConfigError, commaList } from '../config/load.ts';
import { startTributary } from '../tributary.ts';
import type { ConfigOverrides } from '../config/config.ts';

interface StartFlags {
  port?: string;
  host?: string;
  dataDir?: string;
  config?: string;
  log?: string;
  kafkaBrokers?: string;
  redis?: string;
  store?: string;
  opensearchUrl?: string;
  kafkaTopic?: string[];
  tail?: string[];
  syslogPort?: string;
  role?: string[];
  auth?: string;
  tlsCert?: string;
  tlsKey?: string;
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, ...commaList(value)];
}

function flagOverrides(flags: StartFlags): ConfigOverrides {
  return {
    port: flags.port === undefined ? undefined : Number(flags.port),
    host: flags.host,
    dataDir: flags.dataDir,
    'log.engine': flags.log,
    'log.kafka.brokers': flags.kafkaBrokers === undefined ? undefined : commaList(flags.kafkaBrokers),
    'redis.url': flags.redis,
    'store.engine': flags.store,
    'store.opensearch.url': flags.opensearchUrl,
    'sources.kafkaTopics': flags.kafkaTopic,
    'sources.tail': flags.tail,
    'sources.syslog.port': flags.syslogPort === undefined ? undefined : Number(flags.syslogPort),
    roles: flags.role,
    'auth.mode': flags.auth,
    'tls.cert': flags.tlsCert,
    'tls.key': flags.tlsKey,
  };
}

export function registerStart(program: Command): void {
  program
    .command('start')
    .description('start Tributary: HTTP ingest and query API, log, indexing processor and store')
    .option('-p, --port <port>', 'HTTP port (default 3000; env PORT)')
    .option('--host <address>', 'address to listen on (default 127.0.0.1, this machine only; 0.0.0.0 for the network, which needs API keys)')
    .option('--tls-cert <file>', 'serve HTTPS with this PEM certificate (and --tls-key)')
    .option('--tls-key <file>', 'the PEM private key of --tls-cert')
    .option('--auth <mode>', 'API keys: auto (on unless the address is loopback), on or off (env TRIBUTARY_AUTH)')
    .option('-d, --data-dir <dir>', 'where the embedded log and store live (default ./data; env TRIBUTARY_DATA_DIR)')
    .option('-c, --config <file>', 'config file (default ./tributary.yaml when present; env TRIBUTARY_CONFIG)')
    .option('--log <engine>', 'log engine: embedded or kafka (env TRIBUTARY_LOG)')
    .option('--kafka-brokers <list>', 'Kafka brokers host:port,... (env TRIBUTARY_KAFKA_BROKERS)')
    .option('--store <engine>', 'store engine: embedded (DuckDB in the data dir) or opensearch (shared by every process; env TRIBUTARY_STORE)')
    .option('--opensearch-url <url>', 'the OpenSearch cluster of --store opensearch, e.g. http://127.0.0.1:9200 (env TRIBUTARY_OPENSEARCH_URL)')
    .option('--redis <url>', 'keep pipeline dedup state in this Redis (redis://host:6379), shared by every process using it (env TRIBUTARY_REDIS_URL)')
    .option('--kafka-topic <name>', 'index an existing Kafka topic as the stream of the same name; repeatable (env TRIBUTARY_KAFKA_TOPICS)', collect)
    .option('--tail <path>', 'follow a growing log file, line by line (topic tail-lines; the api-requests preset parses seed 004 lines from it); repeatable', (value: string, previous: string[] = []) => [...previous, value])
    .option('--syslog-port <port>', 'receive syslog (RFC 5424 and 3164) over TCP and UDP on this port, into stream syslog')
    .option('--role <role>', 'ingest, process or query; repeatable (default: all three; env TRIBUTARY_ROLES)', collect)
    .action(async (flags: StartFlags) => {
      let config;
      try {
        config = loadConfig({ file: flags.config, flags: flagOverrides(flags) });
      } catch (error) {
        if (error instanceof ConfigError) {
          console.error(`tributary: ${error.message}`);
          process.exit(2);
        }
        throw error;
      }
      const tributary = await startTributary(config).catch((error: Error & { code?: string }) => {
        const hint = error.code === 'EADDRINUSE' ? ` (port ${config.port} is taken: pass --port or stop the other server)` : '';
        console.error(`tributary: could not start: ${error.message}${hint}`);
        process.exit(1);
      });
      const kafka = config.sources.kafkaTopics.length > 0 ? `, kafka topics: ${config.sources.kafkaTopics.join(', ')}` : '';
      const tails = config.sources.tail.length > 0 ? `, tailing: ${config.sources.tail.map((tail) => tail.path).join(', ')}` : '';
      const sources = kafka + tails;
      console.log(`Tributary listening on ${tributary.url} (log: ${config.log.engine}, store: ${config.store.engine}, roles: ${config.roles.join(',')}, data: ${config.dataDir}${sources})`);
      const shutdown = (signal: string) => {
        console.log(`${signal}: stopping…`);
        tributary.close().then(() => process.exit(0), (error) => {
          console.error('tributary: error while stopping:', error);
          process.exit(1);
        });
      };
      process.once('SIGINT', () => shutdown('SIGINT'));
      process.once('SIGTERM', () => shutdown('SIGTERM'));
    });
}
