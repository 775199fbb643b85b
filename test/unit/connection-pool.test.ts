// The store's read connections: a caller waiting for one stops waiting when its asker leaves or
// its time is up, and the queue of waiting callers is bounded (src/stores/embedded/connection-pool.ts).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { DuckDBInstance } from '@duckdb/node-api';
import { ConnectionPool, PoolWaitError } from '../../src/stores/embedded/connection-pool.ts';

let instance: DuckDBInstance;
before(async () => { instance = await DuckDBInstance.create(':memory:'); });
after(() => instance.closeSync());

/** Holds the pool's only connection until released. */
function hold(pool: ConnectionPool): { release: () => void; done: Promise<void> } {
  let release!: () => void;
  const released = new Promise<void>((resolve) => { release = resolve; });
  return { release, done: pool.use(() => released) };
}

const waitEnd = (why: string) => (error: unknown) => error instanceof PoolWaitError && error.why === why;

test('a waiting caller whose asker leaves stops waiting; the next one gets the connection', async () => {
  const pool = await ConnectionPool.open(instance, 1);
  const busy = hold(pool);
  const controller = new AbortController();
  const leaving = pool.use(async () => 'ran', { signal: controller.signal });
  const staying = pool.use(async (connection) => (await connection.runAndReadAll('SELECT 42 AS n')).getRowObjects()[0]!.n);
  assert.equal(pool.queued, 2);
  controller.abort();
  await assert.rejects(leaving, waitEnd('cancelled'));
  assert.equal(pool.queued, 1);
  busy.release();
  await busy.done;
  assert.equal(await staying, 42);
  await assert.rejects(pool.use(async () => 'ran', { signal: controller.signal }), waitEnd('cancelled'), 'an asker gone before asking never runs');
  await pool.close();
});

test('a caller stops waiting at its time limit, and a full queue refuses at once', async () => {
  const pool = await ConnectionPool.open(instance, 1, 2);
  const busy = hold(pool);
  const timed = pool.use(async () => 'ran', { maxWaitMs: 30 });
  const patient = pool.use(async () => 'ran');
  await assert.rejects(pool.use(async () => 'ran'), waitEnd('queue_full'));
  await assert.rejects(timed, waitEnd('timeout'));
  assert.equal(pool.queued, 1);
  busy.release();
  assert.equal(await patient, 'ran');
  await pool.close();
});
