// Record ids: time-sortable and derived from the record's position in the log, so a redelivered
// message gets the same id it had the first time (ULID's alphabet and time prefix; the rest is
// the partition and offset instead of randomness).

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

/** The log position an id was made from, or undefined for text that is not a record id. */
export function parsePositionId(id: string): { appendMs: number; partition: number; offset: number } | undefined {
  if (id.length !== 24) return undefined;
  const appendMs = fromBase32(id.slice(0, 10));
  const partition = fromBase32(id.slice(10, 13));
  const offset = fromBase32(id.slice(13));
  if (appendMs === undefined || partition === undefined || offset === undefined) return undefined;
  return { appendMs, partition, offset };
}

