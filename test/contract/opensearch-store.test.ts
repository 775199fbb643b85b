// The store contract on OpenSearch (scripts/opensearch.sh), each test on indices of its own.
import { storeContract } from './store.contract.ts';
import { openTestStore, skipWithoutOpenSearch, testIndexPrefix } from '../support/opensearch.ts';
import type { OpenSearchStore } from '../../src/stores/opensearch/opensearch-store.ts';

const skip = await skipWithoutOpenSearch();

storeContract('opensearch', async () => {
  const prefix = testIndexPrefix();
  let store: OpenSearchStore = await openTestStore(prefix);
  return {
    get store() { return store; },
    async reopen() {
      await store.close();
      store = await openTestStore(prefix);
      return store;
    },
    async cleanup() {
      await store.drop();
      await store.close();
    },
  };
}, { skip });
