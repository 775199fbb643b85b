// The OpenSearch node the shared-store tests need (scripts/opensearch.sh, started by `npm test`).
// Under CI=true a missing node is a failure (thrown at load); elsewhere those tests skip.
import { randomBytes } from 'node:crypto';
import { OpenSearchStore, type OpenSearchStoreOptions } from '../../src/stores/opensearch/opensearch-store.ts';

export const OPENSEARCH_URL = process.env.OPENSEARCH_URL ?? 'http://127.0.0.1:9250';

/** false when OpenSearch answers, else the skip reason; throws under CI=true. */
export async function skipWithoutOpenSearch(): Promise<string | false> {
  try {
    const response = await fetch(`${OPENSEARCH_URL}/_cluster/health`, { signal: AbortSignal.timeout(5000) });
    if (response.ok) return false;
    throw new Error(`it answered ${response.status}`);
  } catch (error) {
    const reason = `no OpenSearch at ${OPENSEARCH_URL} (${(error as Error).message}): start one with 'bash scripts/opensearch.sh start'`;
    if (process.env.CI === 'true') throw new Error(`${reason} — CI=true must run the OpenSearch tests`);
    return reason;
  }
}

/** A prefix no other test uses, so each test has a store of its own on the shared node. */
export function testIndexPrefix(): string {
  return `t${randomBytes(5).toString('hex')}`;
}

export function openTestStore(prefix: string, options: OpenSearchStoreOptions = {}): Promise<OpenSearchStore> {
  return OpenSearchStore.open(OPENSEARCH_URL, { indexPrefix: prefix, ...options });
}
