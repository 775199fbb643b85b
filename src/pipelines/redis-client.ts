// One Redis connection (node-redis) for what processes share through it: dedup keys
// (steps/dedup/redis-keys.ts) and reference tables as hashes (Sunbird's denormalizer).
import { createClient } from 'redis';

function newClient(url: string, connected: () => boolean) {
  return createClient({ url, socket: { connectTimeout: 5000, reconnectStrategy: (retries, cause) => (connected() ? Math.min(2000, 100 * 2 ** retries) : cause) } });
}

export type RedisClient = ReturnType<typeof newClient>;

/** Connects, or says what to do; once connected, a lost connection is retried and a command fails saying why. */
export async function openRedis(url: string, without: string): Promise<RedisClient> {
  let connected = false;
  const client = newClient(url, () => connected);
  // without a listener an error event would end the process
  client.on('error', () => undefined);
  try {
    await client.connect();
    connected = true;
  } catch (error) {
    throw new Error(`cannot reach Redis at ${url}: ${(error as Error).message}; start it, or leave --redis out to ${without}`, { cause: error });
  }
  return client;
}

export async function closeRedis(client: RedisClient): Promise<void> {
  await client.quit().catch(() => client.destroy());
}

/** Hashes of string fields, shared by every process on the same Redis. */
export interface SharedHashes {
  /** Sets the fields; answers how many the hash holds after. */
  set(key: string, fields: Record<string, string>): Promise<number>;
  /** The fields' values in order, null where absent. */
  get(key: string, fields: readonly string[]): Promise<Array<string | null>>;
}

export function redisHashes(client: RedisClient): SharedHashes {
  return {
    async set(key, fields) {
      if (Object.keys(fields).length > 0) await client.hSet(key, fields);
      return client.hLen(key);
    },
    async get(key, fields) {
      if (fields.length === 0) return [];
      return client.hmGet(key, [...fields]);
    },
  };
}
