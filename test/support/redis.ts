// Whether the Redis server the shared-state tests need is here (scripts/redis.sh, started by
// `npm test`). Under CI=true a missing server is a failure (thrown at load); elsewhere they skip.
import { connectRedisKeys } from '../../src/pipelines/steps/dedup/redis-keys.ts';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6390';

/** false when Redis answers, else the skip reason; throws under CI=true. */
export async function skipWithoutRedis(): Promise<string | false> {
  try {
    await (await connectRedisKeys(REDIS_URL, 'probe')).close();
    return false;
  } catch (error) {
    const reason = `no Redis at ${REDIS_URL} (${(error as Error).message}): start one with 'bash scripts/redis.sh start'`;
    if (process.env.CI === 'true') throw new Error(`${reason} — CI=true must run the Redis tests`);
    return reason;
  }
}
