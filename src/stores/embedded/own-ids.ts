// Which record ids a stream may already hold, so a write carrying its own ids deletes earlier
// copies only when there can be one: the delete scans the rid column of the whole table, and a
// pipeline's fresh outputs (dead letters, window results) would otherwise pay that scan on every
// write. A hash per id, per stream, loaded once at open: a collision only costs a useless delete.
// 53 bits of it: with 32, a store of 500k ids sent one write in eight of a thousand new ids to
// that delete, a scan that grows with the table.
import type { DuckDBConnection } from '@duckdb/node-api';

/** FNV-1a and a second hash of its form with another seed and multiplier, 32 and 21 bits: an integer a double holds exactly. */
function hash(id: string): number {
  let a = 0x811c9dc5;
  let b = 0x050c5d1f;
  for (let i = 0; i < id.length; i++) {
    const c = id.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
  }
  return (a >>> 0) * 0x200000 + ((b >>> 0) & 0x1fffff);
}

export class OwnIds {
  readonly #byStream = new Map<string, Set<number>>();

  static async load(connection: DuckDBConnection): Promise<OwnIds> {
    const ids = new OwnIds();
    const rows = await connection.runAndReadAll('SELECT stream, rid FROM records WHERE rid IS NOT NULL');
    for (const [stream, rid] of rows.getRows()) ids.#hashes(String(stream)).add(hash(String(rid)));
    return ids;
  }

  #hashes(stream: string): Set<number> {
    let hashes = this.#byStream.get(stream);
    if (!hashes) this.#byStream.set(stream, (hashes = new Set()));
    return hashes;
  }

  /** The ids that may have been stored before in the stream; all of them count as stored from now on. */
  maybeStored(stream: string, ids: Iterable<string>): string[] {
    const hashes = this.#hashes(stream);
    const maybe: string[] = [];
    for (const id of ids) {
      const h = hash(id);
      if (hashes.has(h)) maybe.push(id);
      else hashes.add(h);
    }
    return maybe;
  }
}
