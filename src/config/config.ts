import type { RecordLimits } from '../record/limits.ts';
import type { PipelineConfig } from '../pipelines/config.ts';

export const ROLES = ['ingest', 'process', 'query'] as const;
export type Role = (typeof ROLES)[number];

export interface Config {
  port: number;
  host: string;
  auth: { mode: 'auto' | 'on' | 'off'; sessionHours: number };
  /** HTTPS on the main port when set. */
  tls?: { cert: string; key: string };
  dataDir: string;
  roles: Role[];
  log: {
    /** A registered log engine (src/registry.ts). */
    engine: string;
    partitions: number;
    fsync: boolean;
    retentionHours?: number;
    retentionBytes?: number;
    deleteIndexed: boolean;
    /** replicationFactor: of the topics Tributary creates; unset, the cluster's default.replication.factor. */
    kafka: { brokers?: string[]; clientId: string; topicPrefix: string; replicationFactor?: number };
  };
  sources: { kafkaTopics: string[]; tail: TailSourceConfig[]; syslog: SyslogSourceConfig };
  ingest: { defaultStream: string; maxBodyBytes: number; maxBacklog: number; backlogWaitMs: number; timeZone: string; requestTimeoutMs: number };
  streams: Record<string, StreamSettings>;
  limits: RecordLimits;
  store: {
    engine: string; memoryLimit: string; checkpointThreshold: string; writers: number; maxColumnsPerStream?: number;
    opensearch?: { url?: string; indexPrefix: string; replicas: number; retentionDays?: number };
  };
  indexer: { batchSize: number; maxWaitMs: number };
  search: { defaultLimit: number; maxLimit: number; timeoutMs: number };
  redis: { url?: string };
  /** Pipelines declared in the config file, by name (the presets' own are added at start). */
  pipelines: Record<string, PipelineConfig>;
  /** Each preset's settings under its name (src/presets/). */
  presets: Record<string, Record<string, unknown>>;
}

export interface SyslogSourceConfig {
  port: number | null;
  host: string | null;
  stream: string;
  maxMessageBytes: number;
}

export interface TailSourceConfig {
  path: string;
  /** The topic its lines are appended to (a pipeline reads them there). */
  topic: string;
  startAt: 'beginning' | 'end';
}

export type StreamIndexing = 'always' | 'on-search';

export interface StreamSettings {
  timeZone?: string;
  partitions?: number;
  index?: StreamIndexing;
}

/** The zone a stream's times without a zone are read in. */
export function streamTimeZone(config: Pick<Config, 'ingest' | 'streams'>, stream: string): string {
  return config.streams[stream]?.timeZone ?? config.ingest.timeZone;
}

/** What flags or env may set; nested keys are dotted paths into Config. */
export type ConfigOverrides = Record<string, unknown>;
