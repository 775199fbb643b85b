// Config: defaults < tributary.yaml < environment < flags, validated against the published
// JSON Schema (docs/config.schema.json) so a bad value fails at start with its key and reason.
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { Ajv } from 'ajv';
import { parse as parseYaml } from 'yaml';
import type { Config, ConfigOverrides, TailSourceConfig } from './config.ts';
import { DEFAULT_TAIL_TOPIC } from '../sources/file-tail/source.ts';
import { checkTimeZone } from '../record/time-zone.ts';
import { configSchema } from './schema.ts';

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** 'a, b,,c' → ['a', 'b', 'c'], for list-valued env variables and flags. */
export function commaList(value: string): string[] {
  return value.split(',').map((s) => s.trim()).filter(Boolean);
}

const ENV_KEYS: Array<[string, string, (v: string) => unknown]> = [
  ['PORT', 'port', Number],
  ['TRIBUTARY_PORT', 'port', Number],
  ['TRIBUTARY_HOST', 'host', String],
  ['TRIBUTARY_DATA_DIR', 'dataDir', String],
  ['TRIBUTARY_LOG', 'log.engine', String],
  ['TRIBUTARY_KAFKA_BROKERS', 'log.kafka.brokers', commaList],
  ['TRIBUTARY_KAFKA_REPLICATION_FACTOR', 'log.kafka.replicationFactor', Number],
  ['TRIBUTARY_KAFKA_TOPICS', 'sources.kafkaTopics', commaList],
  ['TRIBUTARY_ROLES', 'roles', commaList],
  ['TRIBUTARY_AUTH', 'auth.mode', String],
  ['TRIBUTARY_REDIS_URL', 'redis.url', String],
  ['TRIBUTARY_STORE', 'store.engine', String],
  ['TRIBUTARY_OPENSEARCH_URL', 'store.opensearch.url', String],
];

export function envOverrides(env: NodeJS.ProcessEnv = process.env): ConfigOverrides {
  const out: ConfigOverrides = {};
  for (const [name, key, convert] of ENV_KEYS) {
    const value = env[name];
    if (value !== undefined && value !== '') out[key] = convert(value);
  }
  return out;
}

function setPath(target: Record<string, unknown>, dotted: string, value: unknown): void {
  const keys = dotted.split('.');
  let node = target;
  for (const key of keys.slice(0, -1)) {
    const next = node[key];
    if (next === null || typeof next !== 'object' || Array.isArray(next)) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[keys.at(-1)!] = value;
}

function readConfigFile(file: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = parseYaml(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ConfigError(`config file ${file}: ${(error as Error).message}`);
  }
  if (parsed === null || parsed === undefined) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) throw new ConfigError(`config file ${file}: the top level must be a mapping of keys`);
  return parsed as Record<string, unknown>;
}

let validator: ((data: unknown) => boolean) & { errors?: Array<{ instancePath: string; message?: string; params: Record<string, unknown> }> | null } | undefined;

function validate(data: unknown, source: string): void {
  if (!validator) {
    const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: false });
    validator = ajv.compile(configSchema());
  }
  if (validator(data)) return;
  const problems = (validator.errors ?? []).map((error) => {
    const key = error.instancePath.replace(/^\//, '').replaceAll('/', '.') || '(top level)';
    const extra = error.params.additionalProperty ? ` '${String(error.params.additionalProperty)}'` : '';
    return `${key}: ${error.message}${extra}`;
  });
  throw new ConfigError(`invalid configuration (${source}):\n  ${problems.join('\n  ')}`);
}

export interface LoadOptions {
  /** Path given by --config or TRIBUTARY_CONFIG; otherwise ./tributary.yaml when present. */
  file?: string;
  env?: NodeJS.ProcessEnv;
  flags?: ConfigOverrides;
  cwd?: string;
}

export function loadConfig(options: LoadOptions = {}): Config {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const explicit = options.file ?? env.TRIBUTARY_CONFIG;
  const file = explicit ? path.resolve(cwd, explicit) : path.join(cwd, 'tributary.yaml');
  if (explicit && !existsSync(file)) throw new ConfigError(`config file ${file} does not exist`);
  const data = existsSync(file) ? readConfigFile(file) : {};
  const sources = existsSync(file) ? `${file}, environment and flags` : 'environment and flags';
  // a flag not given is undefined, and must not hide the environment's value for its key
  const flags = Object.entries(options.flags ?? {}).filter(([, value]) => value !== undefined);
  for (const [key, value] of Object.entries({ ...envOverrides(env), ...Object.fromEntries(flags) })) setPath(data, key, value);
  // Empty sections let the schema fill in their defaults.
  for (const section of ['log', 'sources', 'ingest', 'limits', 'store', 'indexer', 'search', 'streams', 'pipelines', 'presets']) data[section] ??= {};
  const log = data.log;
  if (log !== null && typeof log === 'object' && !Array.isArray(log)) (log as Record<string, unknown>).kafka ??= {};
  validate(data, sources);
  const config = data as unknown as Config;
  config.dataDir = path.resolve(cwd, config.dataDir);
  config.sources.tail = (config.sources.tail as Array<TailSourceConfig | string>).map((entry) =>
    typeof entry === 'string' ? { path: path.resolve(cwd, entry), topic: DEFAULT_TAIL_TOPIC, startAt: 'beginning' } : { ...entry, path: path.resolve(cwd, entry.path) });
  if (config.log.engine === 'kafka' && !config.log.kafka.brokers) {
    throw new ConfigError('log.engine is kafka but no brokers are set: pass --kafka-brokers host:9092 or set TRIBUTARY_KAFKA_BROKERS');
  }
  if (config.sources.kafkaTopics.length > 0 && !config.log.kafka.brokers) {
    throw new ConfigError(`sources.kafkaTopics (${config.sources.kafkaTopics.join(', ')}) needs a Kafka cluster: pass --kafka-brokers host:9092 or set TRIBUTARY_KAFKA_BROKERS`);
  }
  if (config.store.engine === 'opensearch' && !config.store.opensearch?.url) {
    throw new ConfigError('store.engine is opensearch but no URL is set: pass --opensearch-url http://host:9200 or set TRIBUTARY_OPENSEARCH_URL');
  }
  checkTimeZones(config);
  checkRoles(config);
  return config;
}

/** Role combinations that would answer from, or feed, a store no process of theirs has. */
function checkRoles(config: Config): void {
  const has = (role: string) => config.roles.includes(role as Config['roles'][number]);
  // a data dir a processor filled may be searched on its own (after that processor stopped)
  if (has('query') && !has('process') && config.store.engine === 'embedded' && !existsSync(path.join(config.dataDir, 'store'))) {
    throw new ConfigError(`roles ${config.roles.join(', ')}: a query process searches the store its own process role fills (${config.dataDir} has none), and the embedded store is local to its process: run query with process (--role process --role query), all roles (the default), or share an OpenSearch store (--store opensearch --opensearch-url URL)`);
  }
  if (has('ingest') && !has('process') && config.log.engine === 'embedded') {
    throw new ConfigError(`roles ${config.roles.join(', ')}: records ingested into the embedded log can only be indexed by this process, which has no process role: add --role process, or use Kafka (--log kafka --kafka-brokers host:9092) and run --role process elsewhere`);
  }
}

function checkTimeZones(config: Config): void {
  const zones: Array<[string, string | undefined]> = [['ingest.timeZone', config.ingest.timeZone],
    ...Object.entries(config.streams).map(([stream, settings]): [string, string | undefined] => [`streams.${stream}.timeZone`, settings.timeZone])];
  for (const [key, zone] of zones) {
    if (zone === undefined) continue;
    try {
      checkTimeZone(zone);
    } catch {
      throw new ConfigError(`${key}: '${zone}' is not a time zone: use an IANA name such as UTC, Europe/Berlin or America/New_York`);
    }
  }
}
