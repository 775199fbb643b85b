// Preset sunbird-telemetry (seed 003): Sunbird clients POST telemetry batches to /v1/telemetry.
// One pipeline runs the seed's three jobs as stages: the extractor splits batches into events
// (batches deduplicated on params.msgid), the preprocessor validates each against the telemetry v3
// schema of its eid, corrects it, deduplicates it on mid and routes it by eid, the denormalizer adds
// reference data to unique events (PIPELINE_NOTES.md). Every topic is a searchable stream of its name.
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

export const SUNBIRD_PIPELINE = 'sunbird-telemetry';

// each of these holds every event again (the batches, the extracted, the unique, routed to primary or
// secondary): they are indexed once searched, and of the events only telemetry.denorm, the
// pipeline's end, as they arrive (docs/performance.md, steps 22 and 26)
const ON_SEARCH = [TOPICS.ingest, TOPICS.raw, TOPICS.unique, TOPICS.primary, TOPICS.secondary];

const SCHEMA_DIR = fileURLToPath(new URL('./schemas/', import.meta.url));

/**
 * The seed's three jobs as stages of one pipeline: each batch is parsed once and its events go
 * through extraction, preprocessing and denormalization in one pass, each stage's records written
 * to the stage's topics (`emit`) as the seed's jobs write them. Three pipelines, one a stage, wrote
 * each event to a topic and parsed it again from there: 25 % fewer events a second
 * (docs/performance.md, step 26).
 */
export function sunbirdPipelines(settings: SunbirdTelemetrySettings, dataDir: string): Record<string, PipelineConfig> {
  const dedup = { ttl: settings.dedup.ttl, maxKeys: settings.dedup.maxKeys };
  return {
    [SUNBIRD_PIPELINE]: {
      description: 'seed 003: telemetry.ingest batches → extracted (telemetry.raw), validated, corrected, deduplicated and routed by eid (telemetry.unique and the rest), denormalized (telemetry.denorm)',
      // the seed's group reading telemetry.ingest
      group: 'telemetry-extractor-group',
      input: { streams: [TOPICS.ingest] },
      // a run of 20 batches (~1,000 events) holds the event loop the HTTP routes share ~50 ms; a
      // run waits 50 ms for more batches, as each writes to a dozen topics, each write an fsync
      read: { maxRecords: 20, linger: '50ms' },
      steps: [
        // the extractor: batches deduplicated on params.msgid, split into stamped events
        { dedup: { key: 'params.msgid', ...dedup, duplicatesTo: 'batch-duplicate', mark: 'flags.extractor_duplicate' } },
        { 'sunbird-extract': { maxEventBytes: settings.maxEventBytes, channel: settings.defaultChannel } },
        { emit: { output: 'raw' } },
        // the preprocessor
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
        { emit: { output: ROUTE_OUTPUTS.unique } },
        // the denormalizer, on the unique events
        { 'sunbird-denormalize': { dir: referenceDir(dataDir), maxAge: settings.denormalizer.maxAge, files: settings.denormalizer.reference } },
      ],
      outputs: {
        default: { topic: TOPICS.denorm },
        raw: { topic: TOPICS.raw },
        [EXTRACT_OUTPUTS.log]: { topic: TOPICS.log },
        [EXTRACT_OUTPUTS.failed]: { topic: TOPICS.failed },
        [EXTRACT_OUTPUTS.badBatch]: { topic: TOPICS.extractorFailed },
        'batch-duplicate': { topic: TOPICS.extractorDuplicate },
        duplicate: { topic: TOPICS.duplicate },
        [ROUTE_OUTPUTS.error]: { topic: TOPICS.error },
        [ROUTE_OUTPUTS.unique]: { topic: TOPICS.unique },
        [ROUTE_OUTPUTS.primary]: { topic: TOPICS.primary },
        [ROUTE_OUTPUTS.secondary]: { topic: TOPICS.secondary },
        [ROUTE_OUTPUTS.audit]: { topic: TOPICS.audit },
        [ROUTE_OUTPUTS.cbAudit]: { topic: TOPICS.cbAudit },
      },
      // validation failures, in the seed's telemetry.failed format
      deadLetters: { topic: TOPICS.failed, format: 'sunbird' },
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
  streamIndexing(config): Record<string, StreamIndexing> {
    return presetSettings<SunbirdTelemetrySettings>(config, 'sunbird-telemetry').enabled
      ? Object.fromEntries(ON_SEARCH.map((topic) => [topic, 'on-search' as const]))
      : {};
  },
  ingestRoutes(context): void {
    if (!presetSettings<SunbirdTelemetrySettings>(context.config, 'sunbird-telemetry').enabled) return;
    registerTelemetryRoutes(context);
    registerReferenceRoutes(context.app, context.config.dataDir, context.config.redis.url);
  },
};
