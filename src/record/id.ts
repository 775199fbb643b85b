// Record ids: time-sortable and derived from the record's position in the log, so a redelivered
// message gets the same id it had the first time (ULID's alphabet and time prefix; the rest is
// the partition and offset instead of randomness).

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

function base32(n: number, width: number): string {
  let out = '';
  let rest = Math.floor(n);
  for (let i = 0; i < width; i++) {
    out = ALPHABET[rest % 32] + out;
    rest = Math.floor(rest / 32);
  }
  return out;
}

export function positionId(appendMs: number, partition: number, offset: number): string {
  return base32(appendMs, 10) + base32(partition, 3) + base32(offset, 11);
}
