// Dedup keys kept in Redis, so several processes running one pipeline (members of its consumer
// group, or one per machine) deduplicate together: the first process to claim a key wins. A
// claim stores who claimed it (the record's origin), so the same record read again after a crash
// is recognised as itself, not as a duplicate of itself.
import { createClient } from 'redis';

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
  close(): Promise<void>;
}

export async function connectRedisKeys(url: string, scope: string): Promise<SharedKeys> {
  let connected = false;
  // at start an unreachable Redis is an error to report; once running, a lost connection is retried
  const client = createClient({ url, socket: { connectTimeout: 5000, reconnectStrategy: (retries, cause) => (connected ? Math.min(2000, 100 * 2 ** retries) : cause) } });
  // without a listener an error event would end the process; a command still fails and says why
  client.on('error', () => undefined);
  try {
    await client.connect();
    connected = true;
  } catch (error) {
    throw new Error(`cannot reach Redis at ${url}: ${(error as Error).message}; start it, or leave --redis out to keep dedup state in this process`, { cause: error });
  }
  return {
    scope,
    async claim(entries, ttlMs) {
      // SET NX GET: sets the key when absent (answering null), else answers who holds it; the
      // commands of one call go out together (node-redis pipelines commands sent in one tick)
      const holders = await Promise.all(entries.map(({ key, owner }) => client.set(key, owner, { condition: 'NX', expiration: { type: 'PX', value: Math.max(1, Math.round(ttlMs)) }, GET: true })));
      return holders.map((holder, i) => (holder === null ? 'new' : holder === entries[i]!.owner ? 'again' : 'seen'));
    },
    async close() {
      await client.quit().catch(() => client.destroy());
    },
  };
}
