// The telemetry extractor (seed 003, PIPELINE_NOTES.md step 1): a batch as it landed on
// telemetry.ingest becomes its events, each stamped with the batch's sync time (syncts and
// @timestamp) and flags.ex_processed. LOG events go to the log route, an event over the size
// limit to the failed route, the rest on (telemetry.raw); one audit LOG event per batch counts
// its events. Batches marked duplicate by the dedup step before it pass as they are.
import type { PipelineRecord, StepContext, StepKind, StepResult } from '../../pipelines/step.ts';
import { originName, stableUuid } from './stable-uuid.ts';
import { isPlainObject as isObject } from '../../record/normalize.ts';

export interface ExtractOptions {
  /** An event whose JSON is larger goes to the `failed` output (the original's event.max.size). */
  maxEventBytes: number;
  /** The channel of the audit event. */
  channel: string;
}

/** Output names the step sets; the preset maps them to topics. */
export const EXTRACT_OUTPUTS = { log: 'log', failed: 'failed', badBatch: 'bad-batch' } as const;

/** yyyy-MM-dd'T'HH:mm:ss.SSS'Z', UTC. */
const isoTime = (ms: number): string => new Date(ms).toISOString();

function auditEvent(batch: Record<string, unknown>, count: number, syncts: number, mid: string, channel: string): Record<string, unknown> {
  return {
    eid: 'LOG',
    ets: syncts,
    ver: '3.0',
    mid: typeof batch.mid === 'string' && batch.mid !== '' ? batch.mid : mid,
    actor: { id: 'sunbird.telemetry', type: 'telemetry-sync' },
    context: { channel, env: 'data-pipeline', pdata: { id: 'data-pipeline', pid: 'telemetry-extractor', ver: '1.0' } },
    edata: { type: 'telemetry_audit', level: 'INFO', message: 'telemetry sync', params: [{ ver: '3.0', events_count: count, sync_status: 'SUCCESS' }] },
    syncts,
    '@timestamp': isoTime(syncts),
    flags: { ex_processed: true },
  };
}

function extract(record: PipelineRecord, options: ExtractOptions): PipelineRecord[] {
  const batch = record.body;
  const name = originName(record.origin);
  if (!Array.isArray(batch.events)) {
    const why = batch.events === undefined ? 'the batch has no events' : 'the batch\'s events are not an array';
    return [{ ...record, output: EXTRACT_OUTPUTS.badBatch, body: { ...batch, flags: { ex_processed: false }, metadata: { ex_error: why, src: 'TelemetryExtractor' } } }];
  }
  // the sync time: the batch's own, else when it reached Tributary (the same on a replay)
  const syncts = typeof batch.syncts === 'number' ? batch.syncts : record.origin.ingestedAt;
  const out: PipelineRecord[] = [];
  const timestamp = isoTime(syncts);
  // JSON written again is at most ~5× the text it was parsed from (1e20 → 100000000000000000000):
  // in a batch of a sixth of the limit no event can be over it, and none is serialized to measure
  const measure = record.origin.bytes === undefined || record.origin.bytes * 6 > options.maxEventBytes;
  batch.events.forEach((event: unknown, index) => {
    const id = `${name}/${index}`;
    if (!isObject(event)) {
      out.push({ ...record, id, output: EXTRACT_OUTPUTS.failed, body: { event, flags: { ex_processed: false }, metadata: { ex_error: 'The event is not a JSON object', src: 'TelemetryExtractor' } } });
      return;
    }
    const stamped = { ...event, syncts, '@timestamp': timestamp, flags: { ...(isObject(event.flags) ? event.flags : {}), ex_processed: true } };
    if (measure && Buffer.byteLength(JSON.stringify(event)) > options.maxEventBytes) {
      out.push({ ...record, id, output: EXTRACT_OUTPUTS.failed, body: { ...stamped, flags: { ...stamped.flags, ex_processed: false }, metadata: { ex_error: 'Event size is Exceeded', src: 'TelemetryExtractor' } } });
      return;
    }
    out.push({ ...record, id, body: stamped, ...(event.eid === 'LOG' ? { output: EXTRACT_OUTPUTS.log } : {}) });
  });
  const audit = auditEvent(batch, batch.events.length, syncts, stableUuid(`${name}/audit`), options.channel);
  out.push({ ...record, id: `${name}/audit`, output: EXTRACT_OUTPUTS.log, body: audit });
  return out;
}

export const sunbirdExtractStep = {
  name: 'sunbird-extract',
  description: 'Sunbird telemetry extractor: a batch envelope → its events, stamped with syncts and @timestamp; LOG → output log, oversize → output failed; one audit LOG event per batch.',
  options: {
    type: 'object',
    additionalProperties: false,
    properties: {
      maxEventBytes: { type: 'integer', minimum: 1, default: 1_048_576, description: 'An event larger than this goes to the failed output.' },
      channel: { type: 'string', minLength: 1, default: 'b00bc992ef25f1a9a8d63291e20efc8d', description: 'The channel of the audit event.' },
    },
  },
  create(options: ExtractOptions, _context: StepContext) {
    return {
      process(records: PipelineRecord[]): StepResult {
        // a batch the dedup step sent to its duplicates output goes there whole
        return { records: records.flatMap((record) => (record.output === undefined ? extract(record, options) : [record])), rejected: [] };
      },
    };
  },
} satisfies StepKind<ExtractOptions>;
