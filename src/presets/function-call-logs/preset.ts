// Preset function-call-logs (seed 000): backend services log function calls and leader activity
// (tributary/sdk, or HTTP) to topics FunctionCallLogs and LeaderActivityLogs; records posted to
// stream eventsphere are routed there by the seed's rule (leaderAction or leader_activity → leader
// activity). Each topic's consumer group (the seed's names) validates the seed's field rules
// (violations → dead letters with the reason), skips a LogID seen before (counted, never retried
// forever as the original's insertMany was) and writes in batches at the seed's cadence (every
// 15 minutes or N records) into store streams function_call_logs and leader_activity_logs, the
// offsets committed only after the write.
import type { Preset } from '../preset.ts';
import { DURATION, presetSettings } from '../preset.ts';
import type { PipelineConfig } from '../../pipelines/config.ts';
import type { AutoscaleConfig } from '../../pipelines/autoscale/pipeline-workers.ts';
import { FUNCTION_CALL_LOGS, LEADER_ACTIVITY_LOGS } from '../../sdk/index.ts';

export interface FunctionCallLogsSettings {
  enabled: boolean;
  routedStream: string;
  streams: { functionCalls: string; leaderActivity: string };
  batch: { maxRecords: number; maxWait: string };
  dedup: { ttl: string; maxKeys: number };
  autoscale: AutoscaleConfig & { enabled: boolean };
}

const OBJECT = { type: 'object' };

/** The seed's mongoose rules (FunctionCallLog). */
export const FUNCTION_CALL_LOG_SCHEMA = {
  type: 'object',
  required: ['LogID', 'endpoint', 'timestamp', 'function_name', 'http_method_type', 'log_message', 'log_type'],
  properties: {
    LogID: { type: 'string', minLength: 1 },
    endpoint: { type: 'string' },
    timestamp: { type: 'string', format: 'date-time' },
    parameters: OBJECT,
    function_name: { type: 'string' },
    http_method_type: { enum: ['GET', 'POST', 'PUT', 'DELETE'] },
    header: OBJECT,
    log_message: { type: 'string' },
    log_type: { enum: ['info', 'error', 'warning', 'success'] },
  },
};

/** The seed's LeaderActivityLog. */
export const LEADER_ACTIVITY_LOG_SCHEMA = {
  type: 'object',
  required: ['leader_activity', 'log_timestamp'],
  properties: {
    leader_activity: { type: 'string', minLength: 1 },
    default_data: OBJECT,
    before_update_data: OBJECT,
    after_change_data: OBJECT,
    log_timestamp: { type: 'string', format: 'date-time' },
  },
};

export function functionCallLogPipelines(settings: FunctionCallLogsSettings): Record<string, PipelineConfig> {
  const batch = { batch: { maxRecords: settings.batch.maxRecords, maxWait: settings.batch.maxWait } };
  const { enabled: scaled, ...scaling } = settings.autoscale;
  const autoscale = scaled ? { autoscale: scaling } : {};
  return {
    'function-call-logs': {
      description: 'seed 000: FunctionCallLogs → validated, LogID deduplicated, batched into store stream function_call_logs',
      group: 'FunctionCallLogConsumerGr',
      input: { streams: [FUNCTION_CALL_LOGS] },
      steps: [
        { validate: { schema: FUNCTION_CALL_LOG_SCHEMA } },
        { dedup: { key: 'LogID', ttl: settings.dedup.ttl, maxKeys: settings.dedup.maxKeys } },
        batch,
      ],
      outputs: { default: { store: settings.streams.functionCalls } },
      ...autoscale,
    },
    'leader-activity-logs': {
      description: 'seed 000: LeaderActivityLogs → validated, batched into store stream leader_activity_logs',
      group: 'LeaderLogConsumerGr',
      input: { streams: [LEADER_ACTIVITY_LOGS] },
      steps: [{ validate: { schema: LEADER_ACTIVITY_LOG_SCHEMA } }, batch],
      outputs: { default: { store: settings.streams.leaderActivity } },
      ...autoscale,
    },
    'eventsphere-routing': {
      description: 'seed 000: records posted to eventsphere → LeaderActivityLogs when they carry leaderAction or leader_activity, else FunctionCallLogs',
      input: { streams: [settings.routedStream] },
      steps: [{ route: { routes: [{ when: '_exists_:leaderAction OR _exists_:leader_activity', to: 'leader' }] } }],
      outputs: { default: { topic: FUNCTION_CALL_LOGS }, leader: { topic: LEADER_ACTIVITY_LOGS } },
    },
  };
}

export const functionCallLogsPreset: Preset = {
  name: 'function-call-logs',
  description: 'seed 000: function-call and leader-activity logs → validated, deduplicated, batched store streams',
  config: {
    section: 'presets',
    properties: {
      'function-call-logs': {
        type: 'object',
        additionalProperties: false,
        default: {},
        properties: {
          enabled: { type: 'boolean', default: true },
          routedStream: { type: 'string', default: 'eventsphere', description: 'Records posted here are routed by the seed\'s rule.' },
          streams: {
            type: 'object',
            additionalProperties: false,
            default: {},
            properties: {
              functionCalls: { type: 'string', default: 'function_call_logs' },
              leaderActivity: { type: 'string', default: 'leader_activity_logs' },
            },
          },
          batch: {
            type: 'object',
            additionalProperties: false,
            default: {},
            properties: {
              maxRecords: { type: 'integer', minimum: 1, default: 30_000, description: 'A batch is written at this many records…' },
              maxWait: { ...DURATION, default: '15m', description: '…or this long after its first record (the seed: every 15 minutes).' },
            },
          },
          dedup: {
            type: 'object',
            additionalProperties: false,
            default: {},
            properties: {
              ttl: { ...DURATION, default: '7d', description: 'How long a LogID counts as seen.' },
              maxKeys: { type: 'integer', minimum: 1, default: 1_000_000 },
            },
          },
          autoscale: {
            type: 'object',
            additionalProperties: false,
            default: {},
            description: 'The seed\'s rule: more than 50K records waiting → 2 workers, more than 100K → 3 (never more than the topic\'s partitions: FunctionCallLogs 3, LeaderActivityLogs 1).',
            properties: {
              enabled: { type: 'boolean', default: true },
              thresholds: { type: 'array', items: { type: 'integer', minimum: 1 }, minItems: 1, default: [50_000, 100_000] },
              cooldown: { ...DURATION, default: '60s', description: 'A worker stops only after the backlog stayed low this long.' },
              interval: { ...DURATION, default: '5s', description: 'How often the backlog is measured.' },
            },
          },
        },
      },
    },
  },
  pipelines(config): Record<string, PipelineConfig> {
    const settings = presetSettings<FunctionCallLogsSettings>(config, 'function-call-logs');
    return settings.enabled ? functionCallLogPipelines(settings) : {};
  },
  // the seed's topics: function calls spread over 3 partitions (3 consumers at most), leader activity in order on 1
  streamPartitions(config): Record<string, number> {
    return presetSettings<FunctionCallLogsSettings>(config, 'function-call-logs').enabled ? { [FUNCTION_CALL_LOGS]: 3, [LEADER_ACTIVITY_LOGS]: 1 } : {};
  },
};
