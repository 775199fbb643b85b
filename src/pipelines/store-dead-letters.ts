// Records the store cannot take go to a stream of their own, with the reason and where they came
// from, so one bad record never holds back the records after it and nothing acknowledged is lost.
import { isUtf8 } from 'node:buffer';
import type { LogEntry } from '../stores/store.ts';

/** Streams named with a leading `_` cannot be written through ingest: they are Tributary's own. */
export const DEAD_LETTER_STREAM = '_dead_letters';

export interface DeadLetterOrigin {
  stream: string;
  topic: string;
  partition: number;
}

/** The dead-letter record of one log entry: the original text (or base64 when it is not UTF-8) and the reason. */
export function deadLetterEntry(entry: LogEntry, origin: DeadLetterOrigin, reason: string): LogEntry {
  const original = isUtf8(entry.value) ? { record: entry.value.toString('utf8') } : { recordBase64: entry.value.toString('base64') };
  const value = JSON.stringify({
    timestamp: new Date(entry.ingestedAt).toISOString(),
    level: 'error',
    message: `not stored in stream ${origin.stream}: ${reason}`,
    reason,
    stream: origin.stream,
    topic: origin.topic,
    partition: origin.partition,
    offset: entry.offset,
    ...original,
  });
  return { offset: entry.offset, ingestedAt: entry.ingestedAt, value: Buffer.from(value) };
}
