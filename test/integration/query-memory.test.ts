// A query that needs more memory than store.memoryLimit allows is refused as busy (the API's 503
// with Retry-After), naming the setting, not an internal error; the store keeps answering others.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DuckDbStore } from '../../src/stores/embedded/duckdb-store.ts';
import { StoreBusyError } from '../../src/stores/store.ts';
import { parseQuery } from '../../src/query/parser.ts';
import { withTempDir } from '../support/store-files.ts';

/** Records too wide for typed columns: they keep their text, ~2 KB each. */
function wide(n: number): string {
  const record: Record<string, unknown> = { timestamp: new Date(Date.UTC(2025, 0, 1) + n * 1000).toISOString(), level: n % 10 ? 'info' : 'error', message: `event ${n}`, resourceId: `host-${n % 2000}` };
  for (let k = 0; k < 100; k++) record[`attr_${k}`] = `value-${k}-${(n * 7 + k) % 97}`;
  return JSON.stringify(record);
}

test('a query short of store memory is a busy error naming store.memoryLimit; the store still answers', withTempDir('query-memory-', async (dir) => {
  const store = await DuckDbStore.open(dir, { memoryLimit: '16MB' });
  try {
    for (let first = 0; first < 20_000; first += 1000) {
      const entries = Array.from({ length: 1000 }, (_, i) => ({ offset: first + i, ingestedAt: Date.UTC(2025, 0, 2), value: Buffer.from(wide(first + i)) }));
      await store.write([{ stream: 'logs', partition: 0, entries }]);
    }
    await assert.rejects(store.search({ query: parseQuery('resourceId:"host-42"'), limit: 100 }), (error: unknown) => {
      assert.ok(error instanceof StoreBusyError, `a busy error, not ${String(error)}`);
      assert.match(error.message, /store\.memoryLimit/);
      return true;
    });
    assert.equal((await store.search({ query: parseQuery('level:error'), limit: 0 })).total, 2000);
  } finally {
    await store.close();
  }
}));
