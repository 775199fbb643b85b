// The store contract on the embedded engine (DuckDB in the data dir).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DuckDbStore } from '../../src/stores/embedded/duckdb-store.ts';
import type { Store } from '../../src/stores/store.ts';
import { storeContract } from './store.contract.ts';

storeContract('embedded', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'tributary-store-'));
  let store: Store = await DuckDbStore.open(dir);
  return {
    get store() { return store; },
    async reopen() {
      await store.close();
      store = await DuckDbStore.open(dir);
      return store;
    },
    async cleanup() {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});
