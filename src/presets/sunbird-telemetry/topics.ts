// The Sunbird telemetry pipeline's topics (PIPELINE_NOTES.md), each a searchable stream of the
// same name. The original prefixes each with its environment ({env}.telemetry.raw); a Tributary
// process is one environment, so the names go without.

export const TOPICS = {
  ingest: 'telemetry.ingest',
  extractorDuplicate: 'telemetry.extractor.duplicate',
  extractorFailed: 'telemetry.extractor.failed',
  raw: 'telemetry.raw',
  failed: 'telemetry.failed',
  log: 'druid.events.log',
  duplicate: 'telemetry.duplicate',
  error: 'telemetry.error',
  unique: 'telemetry.unique',
  primary: 'telemetry.unique.primary',
  secondary: 'telemetry.unique.secondary',
  audit: 'telemetry.audit',
  cbAudit: 'telemetry.cb.audit',
  denorm: 'telemetry.denorm',
} as const;

/** The events of the telemetry v3 spec with a schema in schemas/ (file: lower(eid).json). */
export const EVENT_SCHEMAS = ['ASSESS', 'AUDIT', 'CB_AUDIT', 'END', 'ERROR', 'EXDATA', 'FEEDBACK', 'HEARTBEAT', 'IMPRESSION', 'INTERACT',
  'INTERRUPT', 'LOG', 'METRICS', 'RESPONSE', 'SEARCH', 'SHARE', 'START', 'SUMMARY'] as const;
