import { createHash } from 'node:crypto';

/**
 * A UUID (version 5 layout) from a name: the same input gives the same id, so an event made
 * again after a restart (a batch's audit event, a SHARE_ITEM) replaces the one made before.
 */
export function stableUuid(name: string): string {
  const bytes = createHash('sha1').update(name).digest().subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x50;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Where a pipeline record came from, as a name for ids made from it. */
export function originName(origin: { topic: string; partition: number; offset: number }): string {
  return `${origin.topic}/${origin.partition}/${origin.offset}`;
}
