// A query that needs more memory than store.memoryLimit allows is refused as busy (the API's 503
// with Retry-After), naming the setting, not an internal error; the store keeps answering others.
// A query past search.timeoutMs is stopped and refused the same way; one whose asker leaves is
// cancelled. Both in one process: a store closed while a statement still ran (the sibling of a
// failed one) once left native work that kept the process from ever exiting.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DuckDbStore } from '../../src/stores/embedded/duckdb-store.ts';
import { StoreBusyError, StoreCancelledError } from '../../src/stores/store.ts';
import { parseQuery } from '../../src/query/parser.ts';
import { withTempDir } from '../support/store-files.ts';

/** Records wider than a stream's typed columns: members past them (attr_63…) are kept as JSON text and parsed by queries. */
function wide(n: number): string {
  const record: Record<string, unknown> = { timestamp: new Date(Date.UTC(2025, 0, 1) + n * 1000).toISOString(), level: n % 10 ? 'info' : 'error', message: `event ${n}`, resourceId: `host-${n % 2000}` };
  for (let k = 0; k < 100; k++) record[`attr_${k}`] = `value-${k}-${(n * 7 + k) % 97}`;
  return JSON.stringify(record);
}

test('a query short of store memory is a busy error naming store.memoryLimit; the store still answers', withTempDir('query-memory-', async (dir) => {
  const writer = await DuckDbStore.open(dir);
  try {
    for (let first = 0; first < 20_000; first += 1000) {
      const entries = Array.from({ length: 1000 }, (_, i) => ({ offset: first + i, ingestedAt: Date.UTC(2025, 0, 2), value: Buffer.from(wide(first + i)) }));
      await writer.write([{ stream: 'logs', partition: 0, entries }]);
    }
  } finally {
    await writer.close();
  }
  const store = await DuckDbStore.open(dir, { memoryLimit: '16MB' });
  try {
    await assert.rejects(store.stats({ query: null, groupBy: ['attr_91', 'attr_92', 'attr_93'], aggregations: [{ fn: 'distinct', field: 'attr_95' }, { fn: 'p99', field: 'attr_97' }], limit: 1000 }), (error: unknown) => {
      assert.ok(error instanceof StoreBusyError, `a busy error, not ${String(error)}`);
      assert.match(error.message, /store\.memoryLimit/);
      return true;
    });
    assert.equal((await store.search({ query: parseQuery('level:error'), limit: 0 })).total, 2000);
  } finally {
    await store.close();
  }
}));

test('a query past search.timeoutMs is stopped and refused as busy naming it; one whose asker leaves is cancelled', withTempDir('query-timeout-', async (dir) => {
  // the stats below (of members kept as text) take ~300 ms on this machine: a limit of 50 ms stops them (an interrupt before a
  // statement has begun executing is not seen by DuckDB, so a limit of a few ms would not)
  const slowStore = await DuckDbStore.open(dir, { queryTimeoutMs: 50 });
  try {
    for (let first = 0; first < 20_000; first += 1000) {
      const entries = Array.from({ length: 1000 }, (_, i) => ({ offset: first + i, ingestedAt: Date.UTC(2025, 0, 2), value: Buffer.from(wide(first + i)) }));
      await slowStore.write([{ stream: 'logs', partition: 0, entries }]);
    }
    await assert.rejects(slowStore.stats({ query: null, groupBy: ['attr_91', 'attr_92', 'attr_93'], aggregations: [{ fn: 'distinct', field: 'attr_95' }, { fn: 'p99', field: 'attr_97' }], limit: 1000 }), (error: unknown) => {
      assert.ok(error instanceof StoreBusyError, `busy, not ${String(error)}`);
      assert.match(error.message, /search\.timeoutMs \(50 ms\)/);
      return true;
    });
  } finally {
    await slowStore.close();
  }
  const store = await DuckDbStore.open(dir);
  try {
    const controller = new AbortController();
    const asked = store.stats({ query: null, groupBy: ['attr_91', 'attr_92', 'attr_93'], aggregations: [{ fn: 'distinct', field: 'attr_95' }, { fn: 'p99', field: 'attr_97' }], limit: 1000, signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    await assert.rejects(asked, StoreCancelledError);
    assert.equal((await store.search({ query: parseQuery('level:error'), limit: 0 })).total, 2000, 'the connection answers the next query');
  } finally {
    await store.close();
  }
}));

test('closing the store ends the queries still running or waiting for a connection, and the process can exit', withTempDir('query-close-', async (dir) => {
  const store = await DuckDbStore.open(dir, { readConnections: 1 });
  for (let first = 0; first < 20_000; first += 1000) {
    const entries = Array.from({ length: 1000 }, (_, i) => ({ offset: first + i, ingestedAt: Date.UTC(2025, 0, 2), value: Buffer.from(wide(first + i)) }));
    await store.write([{ stream: 'logs', partition: 0, entries }]);
  }
  const heavy = () => store.stats({ query: null, groupBy: ['attr_91', 'attr_92', 'attr_93'], aggregations: [{ fn: 'distinct', field: 'attr_95' }], limit: 1000 });
  const settled = Promise.allSettled([heavy(), heavy()]);
  await new Promise((resolve) => setTimeout(resolve, 30));
  await store.close();
  const outcomes = await settled;
  assert.equal(outcomes[1].status, 'rejected', 'the waiting query is told the store closed');
  assert.match(String((outcomes[1] as PromiseRejectedResult).reason), /closing/);
}));

test('reads queued for a connection end when their askers leave, before the read ahead of them finishes', withTempDir('query-queue-', async (dir) => {
  const store = await DuckDbStore.open(dir, { readConnections: 1 });
  try {
    for (let first = 0; first < 20_000; first += 1000) {
      const entries = Array.from({ length: 1000 }, (_, i) => ({ offset: first + i, ingestedAt: Date.UTC(2025, 0, 2), value: Buffer.from(wide(first + i)) }));
      await store.write([{ stream: 'logs', partition: 0, entries }]);
    }
    const order: string[] = [];
    const ahead = store.stats({ query: null, groupBy: ['attr_91', 'attr_92', 'attr_93'], aggregations: [{ fn: 'distinct', field: 'attr_95' }], limit: 1000 })
      .then(() => order.push('ahead'));
    // a browser that searched at every keystroke and left: facets of many fields, one statement each
    const controllers = Array.from({ length: 10 }, () => new AbortController());
    const queued = controllers.map((controller, i) => store.facets({ query: parseQuery(`level:error OR resourceId:host-${i}`), fields: ['attr_1', 'attr_2', 'attr_3', 'resourceId'], limit: 10, signal: controller.signal })
      .then(() => 'answered', (error: unknown) => (error instanceof StoreCancelledError ? 'cancelled' : String(error)))
      .then((outcome) => { order.push(outcome); }));
    await new Promise((resolve) => setTimeout(resolve, 20));
    for (const controller of controllers) controller.abort();
    await Promise.all([ahead, ...queued]);
    assert.deepEqual(order, [...Array(10).fill('cancelled'), 'ahead'], 'every queued read is cancelled while the one ahead still runs');
    assert.equal((await store.search({ query: parseQuery('level:error'), limit: 0 })).total, 2000, 'the store answers the next query');
  } finally {
    await store.close();
  }
}));
