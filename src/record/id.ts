// Record ids: time-sortable and derived from the record's position in the log, so a redelivered
// message gets the same id it had the first time (ULID's alphabet and time prefix; the rest is
// the partition and offset instead of randomness). A stream fed by several topics numbers them
// (source 0 for its first): the ids of a later topic's records end with its number. A record that
// carries an id of its own (a preset's LogID, Sunbird's mid) keeps it instead.

/** The log header a message's own record id travels in (the indexer stores it as the record's id). */
export const RECORD_ID_HEADER = 'tributary-id';

export const ID_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

function base32(n: number, width: number): string {
  let out = '';
  let rest = Math.floor(n);
  for (let i = 0; i < width; i++) {
    out = ID_ALPHABET[rest % 32] + out;
    rest = Math.floor(rest / 32);
  }
  return out;
}

export function positionId(appendMs: number, partition: number, offset: number): string {
  return base32(appendMs, 10) + base32(partition, 3) + base32(offset, 11);
}

function fromBase32(text: string): number | undefined {
  let n = 0;
  for (const char of text) {
    const digit = ID_ALPHABET.indexOf(char);
    if (digit < 0) return undefined;
    n = n * 32 + digit;
  }
  return n;
}

/** Most topics one stream can be fed from: the source number takes two characters. */
export const MAX_SOURCES = 32 * 32;

/** The id of the record at a log position of the stream's `source`th topic. */
export function recordId(appendMs: number, partition: number, offset: number, source: number): string {
  const position = positionId(appendMs, partition, offset);
  return source === 0 ? position : position + base32(source, 2);
}

export interface RecordPosition {
  appendMs: number;
  partition: number;
  offset: number;
  source: number;
}

/** The log position an id was made from, or undefined for text that is not such an id. */
export function parsePositionId(id: string): RecordPosition | undefined {
  if (id.length !== 24 && id.length !== 26) return undefined;
  const appendMs = fromBase32(id.slice(0, 10));
  const partition = fromBase32(id.slice(10, 13));
  const offset = fromBase32(id.slice(13, 24));
  const source = id.length === 26 ? fromBase32(id.slice(24)) : 0;
  if (appendMs === undefined || partition === undefined || offset === undefined || source === undefined || source === 0 && id.length === 26) return undefined;
  return { appendMs, partition, offset, source };
}

