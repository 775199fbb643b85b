// Which record ids a stream may already hold, so a write carrying its own ids deletes earlier
// copies only when there can be one: the delete scans the rid column of the whole table, and a
// pipeline's fresh outputs (dead letters, window results) would otherwise pay that scan on every
// write. A hash per id, per stream, loaded once at open: a collision only costs a useless delete.
import type { DuckDBConnection } from '@duckdb/node-api';

function hash(id: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
  return h >>> 0;
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
