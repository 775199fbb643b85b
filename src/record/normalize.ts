import type { LogRecord } from './record.ts';
import { eventTime } from './time.ts';
import { recordLevel } from './level.ts';
import { recordMessage } from './message.ts';

export interface RecordOrigin {
  stream: string;
  id: string;
  ingestedAt: number;
  /** The zone a time without one is read in (default UTC). */
  timeZone?: string;
}

/** Builds the record a store keeps from an original JSON object; missing event time → ingest time. */
export function toRecord(body: Record<string, unknown>, origin: RecordOrigin): LogRecord {
  return {
    id: origin.id,
    stream: origin.stream,
    ts: eventTime(body, origin.timeZone) ?? origin.ingestedAt,
    ingestedAt: origin.ingestedAt,
    level: recordLevel(body),
    message: recordMessage(body),
    body,
  };
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
