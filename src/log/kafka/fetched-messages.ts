// The record batches a fetch returned for one partition, as the log layer's messages.
import type { RecordsBatch } from '@platformatic/kafka';
import type { ConsumedMessage } from '../log.ts';

const IS_CONTROL = 0b100000;

export interface FetchedPartition {
  messages: ConsumedMessage[];
  /** Where to read next when no message came back (only control records or a compacted gap); else null. */
  skipTo: bigint | null;
}

/** Messages from offset `from` on, at most `max` of them, transaction control records left out. */
export function fetchedMessages(topic: string, partition: number, batches: RecordsBatch[], from: bigint, max: number): FetchedPartition {
  const messages: ConsumedMessage[] = [];
  for (const batch of batches) {
    if ((batch.attributes & IS_CONTROL) !== 0) continue;
    for (const record of batch.records) {
      const offset = batch.firstOffset + BigInt(record.offsetDelta);
      if (offset < from) continue;
      const headers: Record<string, string> = {};
      for (const [key, value] of record.headers) {
        if (key) headers[key.toString('utf8')] = value ? value.toString('utf8') : '';
      }
      messages.push({
        topic,
        partition,
        offset: Number(offset),
        key: record.key ?? null,
        value: record.value ?? Buffer.alloc(0),
        timestamp: Number(batch.firstTimestamp + record.timestampDelta),
        headers,
      });
      if (messages.length >= max) return { messages, skipTo: null };
    }
  }
  if (messages.length > 0) return { messages, skipTo: null };
  let last = -1n;
  for (const batch of batches) {
    const end = batch.firstOffset + BigInt(batch.lastOffsetDelta);
    if (end > last) last = end;
  }
  return { messages, skipTo: last >= from ? last + 1n : null };
}
