// The OpenSearch store as a registered engine: one store shared by every process of a scale-out
// deployment (--store opensearch --opensearch-url URL).
import type { StoreEngine } from '../../registry.ts';
import { streamTimeZone } from '../../config/config.ts';

export const opensearchStore: StoreEngine = {
  name: 'opensearch',
  description: 'OpenSearch: an index per stream and day, shared by every Tributary process (scale-out)',
  config: {
    section: 'store',
    properties: {
      opensearch: {
        type: 'object',
        additionalProperties: false,
        default: {},
        description: 'The OpenSearch store (store.engine opensearch).',
        properties: {
          url: {
            type: 'string',
            pattern: '^https?://',
            description: 'The cluster, e.g. http://127.0.0.1:9200 (flag --opensearch-url; env TRIBUTARY_OPENSEARCH_URL).',
          },
          indexPrefix: {
            type: 'string',
            pattern: '^[a-z0-9][a-z0-9_]*$',
            default: 'tributary',
            description: 'Every index and template of this store starts with it, so several deployments can share a cluster.',
          },
          retentionDays: {
            type: 'number',
            exclusiveMinimum: 0,
            description: 'Days of event time kept: an index holds one stream\'s day, deleted whole once the day is older than this (checked at start and hourly). Unset: kept until deleted by hand.',
          },
          replicas: {
            type: 'integer',
            minimum: 0,
            default: 0,
            description: 'Replicas of each record index: 0 on a one-node cluster, 1 or more on a real one.',
          },
        },
      },
    },
  },
  async open(config) {
    const settings = config.store.opensearch;
    if (!settings?.url) throw new Error('store.engine is opensearch but no URL is set: pass --opensearch-url http://host:9200 or set TRIBUTARY_OPENSEARCH_URL');
    const { OpenSearchStore } = await import('./opensearch-store.ts');
    return OpenSearchStore.open(settings.url, {
      indexPrefix: settings.indexPrefix, replicas: settings.replicas, retentionDays: settings.retentionDays,
      queryTimeoutMs: config.search.timeoutMs, timeZoneOf: (stream) => streamTimeZone(config, stream),
    });
  },
};
