import type { RecordLimits } from '../record/limits.ts';

export const ROLES = ['ingest', 'process', 'query'] as const;
export type Role = (typeof ROLES)[number];

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  roles: Role[];
  log: {
    engine: 'embedded' | 'kafka';
    partitions: number;
    fsync: boolean;
    retentionHours?: number;
    retentionBytes?: number;
    deleteIndexed: boolean;
    kafka: { brokers?: string[]; clientId: string; topicPrefix: string };
  };
  sources: { kafkaTopics: string[] };
  ingest: { defaultStream: string; maxBodyBytes: number; maxBacklog: number; backlogWaitMs: number };
  limits: RecordLimits;
  store: { memoryLimit: string; checkpointThreshold: string; writers: number };
  indexer: { batchSize: number; maxWaitMs: number };
  search: { defaultLimit: number; maxLimit: number };
}

/** What flags or env may set; nested keys are dotted paths into Config. */
export type ConfigOverrides = Record<string, unknown>;
