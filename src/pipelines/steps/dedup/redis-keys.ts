// Dedup keys kept in Redis, so several processes running one pipeline (members of its consumer
// group, or one per machine) deduplicate together: the first process to claim a key wins. A
// claim stores who claimed it (the record's origin), so the same record read again after a crash
// is recognised as itself, not as a duplicate of itself.
import { closeRedis, openRedis, redisHashes, type SharedHashes } from '../../redis-client.ts';

export type Claim = 'new' | 'again' | 'seen';

export interface SharedKeys {
  /**
   * Where this process's records come from, so a claim's owner names one record among all the
   * processes: the Kafka cluster (a record read again by another member is the same record), or
   * this process's own embedded log (another process's offset 0 is another record).
   */
  readonly scope: string;
  /** Claims each key for its owner for ttlMs, in order (a key twice in one call: the second is seen). */
  claim(entries: ReadonlyArray<{ key: string; owner: string }>, ttlMs: number): Promise<Claim[]>;
  /** Hashes on the same Redis (reference tables). */
  readonly hashes: SharedHashes;
  close(): Promise<void>;
}

export async function connectRedisKeys(url: string, scope: string): Promise<SharedKeys> {
  const client = await openRedis(url, 'keep pipeline state (dedup keys, reference tables) in this process');
  return {
    scope,
    async claim(entries, ttlMs) {
      // SET NX GET: sets the key when absent (answering null), else answers who holds it; the
      // commands of one call go out together (node-redis pipelines commands sent in one tick)
      const holders = await Promise.all(entries.map(({ key, owner }) => client.set(key, owner, { condition: 'NX', expiration: { type: 'PX', value: Math.max(1, Math.round(ttlMs)) }, GET: true })));
      return holders.map((holder, i) => (holder === null ? 'new' : holder === entries[i]!.owner ? 'again' : 'seen'));
    },
    hashes: redisHashes(client),
    async close() {
      await closeRedis(client);
    },
  };
}
