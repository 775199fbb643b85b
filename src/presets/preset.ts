// A preset reproduces one seed system on Tributary: its pipelines (declared as a user would in
// the config file), its compatibility routes, and its settings under presets.NAME. Presets are
// registered in src/registry.ts; the default start runs every enabled one.
import type { FastifyInstance } from 'fastify';
import type { Config, StreamIndexing } from '../config/config.ts';
import type { Store } from '../stores/store.ts';
import type { PipelineConfig } from '../pipelines/config.ts';
import type { Component, SourceContext } from '../registry.ts';

export interface PresetRouteContext {
  app: FastifyInstance;
  store: Store;
  config: Config;
}

export interface Preset extends Component {
  /** Its pipelines by name, none when it is off. A pipeline of the same name in the config file replaces one. */
  pipelines(config: Config): Record<string, PipelineConfig>;
  /** Its compatibility routes (when the process serves queries). */
  routes?(context: PresetRouteContext): void;
  /** Its ingest endpoints (when the process ingests): they hand records to the acceptor like any source. */
  ingestRoutes?(context: SourceContext): void;
  /** Partitions of its streams' topics, by stream, when it is on (streams.NAME.partitions overrides). */
  streamPartitions?(config: Config): Record<string, number>;
  /** Streams indexed only once searched, when it is on (streams.NAME.index overrides). */
  streamIndexing?(config: Config): Record<string, StreamIndexing>;
}

/** A duration setting as the steps take it: 500ms, 10s, 15m, 1h30m, 7d. */
export const DURATION = { type: 'string', pattern: '^(?:\\d+(?:\\.\\d+)?(?:ms|s|m|h|d|w))+$' } as const;

/** A preset's own settings, filled with its schema's defaults at load. */
export function presetSettings<T>(config: Config, name: string): T {
  return (config.presets[name] ?? {}) as T;
}
