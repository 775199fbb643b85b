// Preset user-login (seed 001): login events from stream user-login are validated (missing
// required fields → dead-letter-queue in the seed's format) and aggregated per 5-minute window of
// their own timestamp into metric-event records with exactly the seed's fields. Unlike the
// original, a window closes on the watermark or on a timer when input stops, not only when the
// next message happens to come, and it is aligned to the epoch, so restarts cut the same windows.
import type { Preset } from '../preset.ts';
import { DURATION, presetSettings } from '../preset.ts';
import type { PipelineConfig } from '../../pipelines/config.ts';
import { USER_LOGIN_REQUIRED } from './generate.ts';

export interface UserLoginSettings {
  enabled: boolean;
  stream: string;
  metricsTopic: string;
  deadLetterTopic: string;
  window: { size: string; slide?: string; lateness: string; idleTimeout: string };
}


/** metric-event's fields in the seed's order. */
const METRIC_FIELDS = ['timestamp', 'window_start', 'window_size', 'active_users', 'unique_ips', 'processing_rate', 'error_rate',
  'device_distribution', 'version_distribution', 'location_distribution', 'total_messages', 'total_errors'];

export function userLoginPipeline(settings: UserLoginSettings): PipelineConfig {
  const { size, slide, lateness, idleTimeout } = settings.window;
  return {
    description: 'seed 001: validate user-login events, window them into metric-event',
    input: { streams: [settings.stream] },
    steps: [
      { validate: { required: [...USER_LOGIN_REQUIRED] } },
      {
        window: {
          ...(slide ? { type: 'hopping', slide } : { type: 'tumbling' }),
          size, lateness, idleTimeout,
          timeField: 'timestamp',
          fields: { emittedAt: 'timestamp', windowStart: 'window_start', windowEnd: null },
          aggregates: [
            { fn: 'count', as: 'window_size' },
            { fn: 'distinct', field: 'user_id', as: 'active_users' },
            { fn: 'distinct', field: 'ip', as: 'unique_ips' },
            { fn: 'rate', as: 'processing_rate', decimals: 2 },
            { fn: 'distribution', field: 'device_type', as: 'device_distribution' },
            { fn: 'distribution', field: 'app_version', as: 'version_distribution' },
            { fn: 'distribution', field: 'locale', as: 'location_distribution' },
            { fn: 'count', as: 'total_messages' },
          ],
          rejected: { countAs: 'total_errors', percentAs: 'error_rate', decimals: 2 },
          fieldOrder: METRIC_FIELDS,
        },
      },
    ],
    outputs: { default: { topic: settings.metricsTopic } },
    deadLetters: { topic: settings.deadLetterTopic, format: 'user-login' },
  };
}

export const userLoginPreset: Preset = {
  name: 'user-login',
  description: 'seed 001: user-login events → validated, 5-minute windowed metrics (metric-event), dead-letter-queue',
  config: {
    section: 'presets',
    properties: {
      'user-login': {
        type: 'object',
        additionalProperties: false,
        default: {},
        properties: {
          enabled: { type: 'boolean', default: true },
          stream: { type: 'string', default: 'user-login', description: 'The stream (topic) of login events.' },
          metricsTopic: { type: 'string', default: 'metric-event' },
          deadLetterTopic: { type: 'string', default: 'dead-letter-queue' },
          window: {
            type: 'object',
            additionalProperties: false,
            default: {},
            properties: {
              size: { ...DURATION, default: '5m' },
              slide: { ...DURATION, description: 'Set for hopping windows; unset, tumbling.' },
              lateness: { ...DURATION, default: '0s' },
              idleTimeout: { ...DURATION, default: '1m', description: 'With no input this long, open windows close.' },
            },
          },
        },
      },
    },
  },
  pipelines(config): Record<string, PipelineConfig> {
    const settings = presetSettings<UserLoginSettings>(config, 'user-login');
    return settings.enabled ? { 'user-login': userLoginPipeline(settings) } : {};
  },
};
