// Preset sunbird-telemetry (seed 003): Sunbird clients POST telemetry batches to /v1/telemetry;
// the extractor splits them into events (batches deduplicated on params.msgid), the preprocessor
// validates each against the telemetry v3 schema of its eid, corrects it, deduplicates it on mid
// and routes it by eid; the denormalizer adds reference data to unique events (PIPELINE_NOTES.md).
// Every topic is a searchable stream of its name.
import { fileURLToPath } from 'node:url';
import type { Preset } from '../preset.ts';
import type { StreamIndexing } from '../../config/config.ts';
import { DURATION, presetSettings } from '../preset.ts';
import type { PipelineConfig } from '../../pipelines/config.ts';
import { EVENT_SCHEMAS, TOPICS } from './topics.ts';
import { EXTRACT_OUTPUTS } from './extract-step.ts';
import { ROUTE_OUTPUTS } from './route-step.ts';
import { registerTelemetryRoutes } from './telemetry-routes.ts';
import { referenceDir, registerReferenceRoutes } from './reference-routes.ts';
import { TABLES, type TableName } from './reference-tables.ts';

export interface SunbirdTelemetrySettings {
  enabled: boolean;
  dedup: { ttl: string; maxKeys: number };
  maxEventBytes: number;
  defaultChannel: string;
  denormalizer: { maxAge: string; reference: Partial<Record<TableName, string>> };
}

const SCHEMA_DIR = fileURLToPath(new URL('./schemas/', import.meta.url));

export function sunbirdPipelines(settings: SunbirdTelemetrySettings, dataDir: string): Record<string, PipelineConfig> {
  const dedup = { ttl: settings.dedup.ttl, maxKeys: settings.dedup.maxKeys };
  return {
    'sunbird-telemetry-extractor': {
      description: 'seed 003: telemetry.ingest batches → events on telemetry.raw (LOG → druid.events.log), batches deduplicated on params.msgid',
      group: 'telemetry-extractor-group',
      input: { streams: [TOPICS.ingest] },
      steps: [
        { dedup: { key: 'params.msgid', ...dedup, duplicatesTo: 'batch-duplicate', mark: 'flags.extractor_duplicate' } },
        { 'sunbird-extract': { maxEventBytes: settings.maxEventBytes, channel: settings.defaultChannel } },
      ],
      outputs: {
        default: { topic: TOPICS.raw },
        [EXTRACT_OUTPUTS.log]: { topic: TOPICS.log },
        [EXTRACT_OUTPUTS.failed]: { topic: TOPICS.failed },
        [EXTRACT_OUTPUTS.badBatch]: { topic: TOPICS.extractorFailed },
        'batch-duplicate': { topic: TOPICS.extractorDuplicate },
      },
    },
    'sunbird-telemetry-preprocessor': {
      description: 'seed 003: telemetry.raw events → validated by eid (failures → telemetry.failed), corrected, deduplicated on mid, routed by eid',
      group: 'pipeline-preprocessor-group',
      input: { streams: [TOPICS.raw] },
      steps: [
        {
          validate: {
            by: 'eid',
            schemas: Object.fromEntries(EVENT_SCHEMAS.map((eid) => [eid, `${SCHEMA_DIR}${eid.toLowerCase()}.json`])),
            refs: { 'resource:/schemas/telemetry/3.0/': SCHEMA_DIR },
          },
        },
        { 'sunbird-preprocess': { defaultChannel: settings.defaultChannel } },
        // LOG is not deduplicated; an event without a mid counts as a duplicate (as in the original)
        { dedup: { key: 'mid', ...dedup, when: 'NOT eid:LOG', missing: 'duplicate', duplicatesTo: 'duplicate', mark: 'flags.pp_duplicate' } },
        { 'sunbird-route': {} },
      ],
      outputs: {
        default: { topic: TOPICS.unique },
        log: { topic: TOPICS.log },
        duplicate: { topic: TOPICS.duplicate },
        [ROUTE_OUTPUTS.error]: { topic: TOPICS.error },
        [ROUTE_OUTPUTS.unique]: { topic: TOPICS.unique },
        [ROUTE_OUTPUTS.primary]: { topic: TOPICS.primary },
        [ROUTE_OUTPUTS.secondary]: { topic: TOPICS.secondary },
        [ROUTE_OUTPUTS.audit]: { topic: TOPICS.audit },
        [ROUTE_OUTPUTS.cbAudit]: { topic: TOPICS.cbAudit },
      },
      deadLetters: { topic: TOPICS.failed, format: 'sunbird' },
    },
    'sunbird-telemetry-denormalizer': {
      description: 'seed 003: telemetry.unique → device, user, content and DialCode data from the reference tables → telemetry.denorm; old events dropped, counted',
      group: 'telemetry-denorm-group',
      input: { streams: [TOPICS.unique] },
      steps: [{ 'sunbird-denormalize': { dir: referenceDir(dataDir), maxAge: settings.denormalizer.maxAge, files: settings.denormalizer.reference } }],
      outputs: { default: { topic: TOPICS.denorm } },
    },
  };
}

export const sunbirdTelemetryPreset: Preset = {
  name: 'sunbird-telemetry',
  description: 'seed 003: Sunbird telemetry v3 batches → extracted, validated, deduplicated and routed events',
  config: {
    section: 'presets',
    properties: {
      'sunbird-telemetry': {
        type: 'object',
        additionalProperties: false,
        default: {},
        properties: {
          enabled: { type: 'boolean', default: true },
          dedup: {
            type: 'object',
            additionalProperties: false,
            default: {},
            properties: {
              ttl: { ...DURATION, default: '1h', description: 'How long a batch msgid or an event mid counts as seen (the original: 3600 s).' },
              maxKeys: { type: 'integer', minimum: 1, default: 1_000_000 },
            },
          },
          maxEventBytes: { type: 'integer', minimum: 1, default: 1_048_576, description: 'An event larger than this goes to telemetry.failed (the original\'s event.max.size).' },
          defaultChannel: { type: 'string', minLength: 1, default: 'b00bc992ef25f1a9a8d63291e20efc8d', description: 'The channel of an event sent with a blank one.' },
          denormalizer: {
            type: 'object',
            additionalProperties: false,
            default: {},
            properties: {
              maxAge: { ...DURATION, default: '90d', description: 'Events whose ets is older are dropped, counted (the original: 3 months).' },
              reference: {
                type: 'object',
                additionalProperties: false,
                default: {},
                properties: Object.fromEntries(TABLES.map((table) => [table, { type: 'string', minLength: 1 }])),
                description: 'Files of rows (JSON array or NDJSON, each with its id) loaded into a reference table at start; PUT /api/v1/sunbird/reference/TABLE adds more.',
              },
            },
          },
        },
      },
    },
  },
  pipelines(config): Record<string, PipelineConfig> {
    const settings = presetSettings<SunbirdTelemetrySettings>(config, 'sunbird-telemetry');
    return settings.enabled ? sunbirdPipelines(settings, config.dataDir) : {};
  },
  // the topics between the pipelines hold every event again (twice, and once more as batches): they
  // are indexed once someone searches them, which halves the indexing (docs/performance.md, step 22)
  streamIndexing(config): Record<string, StreamIndexing> {
    return presetSettings<SunbirdTelemetrySettings>(config, 'sunbird-telemetry').enabled
      ? { [TOPICS.ingest]: 'on-search', [TOPICS.raw]: 'on-search', [TOPICS.unique]: 'on-search' }
      : {};
  },
  ingestRoutes(context): void {
    if (!presetSettings<SunbirdTelemetrySettings>(context.config, 'sunbird-telemetry').enabled) return;
    registerTelemetryRoutes(context);
    registerReferenceRoutes(context.app, context.config.dataDir, context.config.redis.url);
  },
};
