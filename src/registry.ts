// Components by name, each with the config keys it adds (a JSON Schema fragment), as Vector
// registers its components: log engines, store engines, sources and pipeline steps (each step
// kind with the schema of its options) and presets. Adding one is a folder beside its siblings and one line
// in a list below; src/config/schema.ts composes the configuration schema from these fragments.
import type { FastifyInstance } from 'fastify';
import type { Config, StreamIndexing } from './config/config.ts';
import type { Log } from './log/log.ts';
import type { StreamLog } from './log/stream-topics.ts';
import type { Store } from './stores/store.ts';
import type { Acceptor } from './sources/accept.ts';
import type { Metrics } from './metrics.ts';
import { embeddedLog } from './log/embedded/engine.ts';
import { kafkaLog } from './log/kafka/engine.ts';
import { embeddedStore } from './stores/embedded/engine.ts';
import { opensearchStore } from './stores/opensearch/engine.ts';
import { httpSource } from './sources/http/source.ts';
import { elasticsearchSource } from './sources/elasticsearch/source.ts';
import { syslogSource } from './sources/syslog/source.ts';
import { otlpSource } from './sources/otlp/source.ts';
import { lokiSource } from './sources/loki/source.ts';
import { kafkaTopicSource } from './sources/kafka-topic/source.ts';
import { fileTailSource } from './sources/file-tail/source.ts';
import type { StepKind } from './pipelines/step.ts';
import type { Preset } from './presets/preset.ts';
import { userLoginPreset } from './presets/user-login/preset.ts';
import { apiRequestsPreset } from './presets/api-requests/preset.ts';
import { functionCallLogsPreset } from './presets/function-call-logs/preset.ts';
import { sunbirdTelemetryPreset } from './presets/sunbird-telemetry/preset.ts';
import { sunbirdExtractStep } from './presets/sunbird-telemetry/extract-step.ts';
import { sunbirdPreprocessStep } from './presets/sunbird-telemetry/preprocess-step.ts';
import { sunbirdRouteStep } from './presets/sunbird-telemetry/route-step.ts';
import { sunbirdDenormalizeStep } from './presets/sunbird-telemetry/denormalize-step.ts';
import { parseStep } from './pipelines/steps/parse/parse.ts';
import { validateStep } from './pipelines/steps/validate/validate.ts';
import { dedupStep } from './pipelines/steps/dedup/dedup.ts';
import { routeStep } from './pipelines/steps/route/route.ts';
import { enrichStep } from './pipelines/steps/enrich/enrich.ts';
import { batchStep } from './pipelines/steps/batch/batch.ts';
import { windowStep } from './pipelines/steps/window/window.ts';
import { emitStep } from './pipelines/steps/emit/emit.ts';

/** Keys a component adds to a section of the configuration, as JSON Schema properties. */
export interface ConfigFragment {
  section: string;
  properties: Record<string, unknown>;
}

export interface Component {
  name: string;
  description: string;
  config?: ConfigFragment;
}

export interface LogEngine extends Component {
  /** Loads its code lazily: the embedded default never loads a Kafka client. */
  open(config: Config): Promise<Log>;
  /** Where Tributary's own streams live on this engine. */
  streamLog(config: Config, log: Log): StreamLog;
}

export interface StoreEngine extends Component {
  open(config: Config): Promise<Store>;
}

/** What a source that accepts records is given. */
export interface SourceContext {
  app: FastifyInstance;
  acceptor: Acceptor;
  config: Config;
  metrics: Metrics;
}

export interface RunningSource {
  stop(): Promise<void>;
}

export interface Source extends Component {
  /** Attaches a source that hands records to the acceptor (when the process ingests). */
  attach?(context: SourceContext): void;
  /** Starts a source that runs on its own (a file tail) when the process ingests; stopped at close. */
  start?(context: Omit<SourceContext, 'app'>): Promise<RunningSource>;
  /** Logs of its own to index in place (a Kafka topic is already a durable log), beside the main streams. */
  streamLogs?(config: Config, main: Log): Promise<StreamLog[]>;
}

export const LOG_ENGINES: readonly LogEngine[] = [embeddedLog, kafkaLog];
export const STORE_ENGINES: readonly StoreEngine[] = [embeddedStore, opensearchStore];
export const SOURCES: readonly Source[] = [httpSource, elasticsearchSource, otlpSource, lokiSource, kafkaTopicSource, fileTailSource, syslogSource];
export const PRESETS: readonly Preset[] = [userLoginPreset, apiRequestsPreset, functionCallLogsPreset, sunbirdTelemetryPreset];
export const STEPS: readonly StepKind[] = [parseStep, validateStep, dedupStep, routeStep, enrichStep, batchStep, windowStep, emitStep,
  // the steps only the Sunbird telemetry preset needs
  sunbirdExtractStep, sunbirdPreprocessStep, sunbirdRouteStep, sunbirdDenormalizeStep];

function named<T extends Component>(list: readonly T[], name: string, what: string): T {
  const found = list.find((component) => component.name === name);
  if (!found) throw new Error(`no ${what} named '${name}': use one of ${list.map((component) => component.name).join(', ')}`);
  return found;
}

export const logEngine = (name: string): LogEngine => named(LOG_ENGINES, name, 'log engine');
export const storeEngine = (name: string): StoreEngine => named(STORE_ENGINES, name, 'store engine');
export const stepKind = (name: string): StepKind => named(STEPS, name, 'pipeline step');

/** Partitions of a stream's topic: streams.NAME.partitions, else its preset's, else log.partitions. */
export function streamPartitions(config: Config): (stream: string) => number {
  const presets: Record<string, number> = Object.assign({}, ...PRESETS.map((preset) => preset.streamPartitions?.(config) ?? {}));
  return (stream) => config.streams[stream]?.partitions ?? presets[stream] ?? config.log.partitions;
}

/** Whether a stream is indexed only once searched: streams.NAME.index, else its preset's, else always. */
export function streamIndexedOnSearch(config: Config): (stream: string) => boolean {
  const presets: Record<string, StreamIndexing> = Object.assign({}, ...PRESETS.map((preset) => preset.streamIndexing?.(config) ?? {}));
  return (stream) => (config.streams[stream]?.index ?? presets[stream] ?? 'always') === 'on-search';
}

/** The logs streams live on, most specific first: the sources' own, then the main log's. */
export async function openStreamLogs(config: Config, main: Log): Promise<StreamLog[]> {
  const own = await Promise.all(SOURCES.map((source) => source.streamLogs?.(config, main) ?? Promise.resolve([])));
  return [...own.flat(), logEngine(config.log.engine).streamLog(config, main)];
}
