// What a dead letter looks like. Tributary's own format carries everything needed to understand
// and replay it: the original record, the reason, the pipeline and step, where it came from and
// when. A preset may ask for its seed's format (user-login: seed 001's dead-letter-queue records).
import { randomUUID } from 'node:crypto';
import type { PipelineRecord } from './step.ts';
import type { DeadLetterFormat } from './config.ts';
import { formatTime } from './steps/window/window-math.ts';

export interface DeadLetter {
  record: PipelineRecord;
  reason: string;
  pipeline: string;
  step: string;
  /** When it was rejected, ms. */
  at: number;
}

/** The stream (logical topic) a record came from: on Kafka the topic is under a prefix. */
export type StreamOfTopic = (topic: string) => string;

export function deadLetterBody(letter: DeadLetter, format: DeadLetterFormat, streamOf: StreamOfTopic = (topic) => topic): Record<string, unknown> {
  const { record, reason, pipeline, step, at } = letter;
  if (format === 'user-login') {
    return { topic_name: streamOf(record.origin.topic), message: record.body, error: reason, processed_at_utc: formatTime(at, 'iso') };
  }
  if (format === 'sunbird') return sunbirdFailed(record.body, reason);
  return {
    timestamp: new Date(at).toISOString(),
    level: 'error',
    message: `pipeline ${pipeline}, step ${step}: ${reason}`,
    reason,
    pipeline,
    step,
    stream: streamOf(record.origin.topic),
    topic: record.origin.topic,
    partition: record.origin.partition,
    offset: record.origin.offset,
    ingestedAt: new Date(record.origin.ingestedAt).toISOString(),
    record: record.body,
  };
}

/** What the validate step says when no schema fits the record's eid. */
const NO_SCHEMA = /^no (schema for \S+ |\S+: cannot choose a schema)/;

/** Seed 003's telemetry.failed event: the event itself, flagged, with the reason in its metadata. */
function sunbirdFailed(event: Record<string, unknown>, reason: string): Record<string, unknown> {
  const validationError = NO_SCHEMA.test(reason) ? `Schema not found: eid looks incorrect, sending to failed (${reason})` : reason;
  return {
    ...event,
    flags: { ...(isObject(event.flags) ? event.flags : {}), pp_validation_processed: false },
    metadata: { ...(isObject(event.metadata) ? event.metadata : {}), validation_error: validationError, src: 'PipelinePreprocessor' },
  };
}

const isObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);

/**
 * The original record a dead letter of `pipeline` carries, for `tributary dlq replay`; undefined
 * for another pipeline's letter (`inputs`: the streams and topics it reads, which user-login
 * letters name) or a record in the stream that is no letter (Sunbird's telemetry.failed also takes
 * the extractor's oversize events).
 */
export function originalOf(body: Record<string, unknown>, format: DeadLetterFormat, pipeline: string, inputs: ReadonlySet<string>): Record<string, unknown> | undefined {
  if (format === 'sunbird') return sunbirdOriginal(body);
  const ours = body.pipeline === pipeline || (body.pipeline === undefined && typeof body.topic_name === 'string' && inputs.has(body.topic_name));
  const original = body.record ?? body.message;
  return ours && isObject(original) ? original : undefined;
}

/** The event as it was before sunbirdFailed() flagged it. */
function sunbirdOriginal(letter: Record<string, unknown>): Record<string, unknown> | undefined {
  if (!isObject(letter.metadata) || typeof letter.metadata.validation_error !== 'string' || letter.metadata.src !== 'PipelinePreprocessor') return undefined;
  const { validation_error: _error, src: _src, ...metadata } = letter.metadata;
  const { pp_validation_processed: _flag, ...flags } = isObject(letter.flags) ? letter.flags : {};
  const { metadata: _metadata, flags: _flags, ...event } = letter;
  return { ...event, ...(Object.keys(flags).length > 0 ? { flags } : {}), ...(Object.keys(metadata).length > 0 ? { metadata } : {}) };
}

const REPLAY_BATCH_EVENTS = 500;

/**
 * What a replay sends to the pipeline's input for the letters' originals: each original, or for
 * Sunbird, whose pipeline reads batches, the events in batch envelopes, one per sync time so the
 * extractor stamps each event again as it was (a fresh msgid each, so no replay is a duplicate).
 */
export function replayBodies(originals: Array<Record<string, unknown>>, format: DeadLetterFormat): Array<Record<string, unknown>> {
  if (format !== 'sunbird') return originals;
  const bySync = new Map<unknown, Array<Record<string, unknown>>>();
  for (const event of originals) {
    const events = bySync.get(event.syncts) ?? [];
    events.push(event);
    bySync.set(event.syncts, events);
  }
  const batches: Array<Record<string, unknown>> = [];
  for (const [syncts, events] of bySync) {
    for (let i = 0; i < events.length; i += REPLAY_BATCH_EVENTS) {
      const batch: Record<string, unknown> = { id: 'api.sunbird.telemetry', ver: '3.0', params: { msgid: randomUUID() }, events: events.slice(i, i + REPLAY_BATCH_EVENTS) };
      if (typeof syncts === 'number') batch.syncts = syncts;
      batches.push(batch);
    }
  }
  return batches;
}
