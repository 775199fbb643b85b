// Preset api-requests (seed 004): lines `YYYY-MM-DD HH:MM:SS cust_N /path STATUS SECONDS` from a
// tailed file (--tail PATH) are parsed (bad lines → dead letters with the reason) and written in
// batches (1000 lines or 1 s, as the seed) straight into store stream api_requests, which the
// seed's per-customer stats API reads. On by default when a file is tailed.
import type { Preset } from '../preset.ts';
import { DURATION, presetSettings } from '../preset.ts';
import type { PipelineConfig } from '../../pipelines/config.ts';
import { DEFAULT_TAIL_TOPIC } from '../../sources/file-tail/source.ts';
import { registerCustomerStatsRoutes } from './stats-routes.ts';

export interface ApiRequestsSettings {
  enabled: 'auto' | boolean;
  topic: string;
  stream: string;
  batch: { maxRecords: number; maxWait: string };
}

export const API_REQUEST_PATTERN = '%{date:timestamp} %{word:customer_id} %{path:request_path} %{int:status_code} %{float:duration}';

export function apiRequestsPipeline(settings: ApiRequestsSettings): PipelineConfig {
  return {
    description: 'seed 004: tailed request lines → parsed → batched into store stream api_requests',
    input: { topics: [settings.topic] },
    steps: [
      { parse: { format: 'pattern', pattern: API_REQUEST_PATTERN } },
      { batch: { maxRecords: settings.batch.maxRecords, maxWait: settings.batch.maxWait } },
    ],
    outputs: { default: { store: settings.stream } },
    read: { maxRecords: 5000, maxWait: '100ms' },
  };
}

function enabled(settings: ApiRequestsSettings, tailing: boolean): boolean {
  return settings.enabled === 'auto' ? tailing : settings.enabled;
}

export const apiRequestsPreset: Preset = {
  name: 'api-requests',
  description: 'seed 004: tailed API request lines → store stream api_requests → per-customer stats API',
  config: {
    section: 'presets',
    properties: {
      'api-requests': {
        type: 'object',
        additionalProperties: false,
        default: {},
        properties: {
          enabled: { enum: ['auto', true, false], default: 'auto', description: 'auto: on when a file is tailed (--tail).' },
          topic: { type: 'string', default: DEFAULT_TAIL_TOPIC, description: 'The topic of raw lines it parses.' },
          stream: { type: 'string', default: 'api_requests' },
          batch: {
            type: 'object',
            additionalProperties: false,
            default: {},
            properties: {
              maxRecords: { type: 'integer', minimum: 1, default: 1000 },
              maxWait: { ...DURATION, default: '1s' },
            },
          },
        },
      },
    },
  },
  pipelines(config): Record<string, PipelineConfig> {
    const settings = presetSettings<ApiRequestsSettings>(config, 'api-requests');
    return enabled(settings, config.sources.tail.length > 0) ? { 'api-requests': apiRequestsPipeline(settings) } : {};
  },
  routes({ app, store, config }) {
    const settings = presetSettings<ApiRequestsSettings>(config, 'api-requests');
    // the stats API answers whenever the stream may hold data, tailed here or written by another process
    if (settings.enabled !== false) registerCustomerStatsRoutes(app, { store, stream: settings.stream });
  },
};
