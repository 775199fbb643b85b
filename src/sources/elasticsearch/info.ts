// What Elasticsearch's clients and shippers ask before they write (the version at `GET /`, the
// license, cluster health, templates, ILM, ingest pipelines, nodes), answered so they carry on.
// Elastic's clients refuse a server without the X-Elastic-Product header.

/** The version shippers are told: 8.x is what Beats, Logstash, Vector and Fluent Bit all speak. */
export const COMPATIBLE_VERSION = '8.17.0';
export const PRODUCT_HEADER = 'x-elastic-product';
export const PRODUCT = 'Elasticsearch';
const CLUSTER = 'tributary';

export function rootInfo(tributaryVersion: string): Record<string, unknown> {
  return {
    name: CLUSTER,
    cluster_name: CLUSTER,
    cluster_uuid: 'tributary-0000000000000',
    version: {
      number: COMPATIBLE_VERSION,
      build_flavor: 'default',
      build_type: 'tar',
      build_hash: 'tributary',
      build_date: '2026-01-01T00:00:00.000Z',
      build_snapshot: false,
      lucene_version: '9.12.0',
      minimum_wire_compatibility_version: '7.17.0',
      minimum_index_compatibility_version: '7.0.0',
    },
    tagline: 'You Know, for Search',
    tributary: { version: tributaryVersion, note: 'Tributary answers the Elasticsearch ingest API (_bulk, _doc); search with GET /api/v1/search' },
  };
}

export const LICENSE = {
  license: { status: 'active', uid: 'tributary', type: 'basic', issue_date: '2026-01-01T00:00:00.000Z', issue_date_in_millis: 1767225600000, max_nodes: 1000, issued_to: CLUSTER, issuer: 'tributary', start_date_in_millis: -1 },
};

export const XPACK = {
  build: { hash: 'tributary', date: '2026-01-01T00:00:00.000Z' },
  license: { uid: 'tributary', type: 'basic', mode: 'basic', status: 'active' },
  features: {},
  tagline: 'You Know, for X',
};

export function clusterHealth(): Record<string, unknown> {
  return {
    cluster_name: CLUSTER, status: 'green', timed_out: false, number_of_nodes: 1, number_of_data_nodes: 1,
    active_primary_shards: 0, active_shards: 0, relocating_shards: 0, initializing_shards: 0, unassigned_shards: 0,
    delayed_unassigned_shards: 0, number_of_pending_tasks: 0, number_of_in_flight_fetch: 0,
    task_max_waiting_in_queue_millis: 0, active_shards_percent_as_number: 100,
  };
}

export function nodes(): Record<string, unknown> {
  return {
    _nodes: { total: 1, successful: 1, failed: 0 },
    cluster_name: CLUSTER,
    nodes: { tributary: { name: CLUSTER, version: COMPATIBLE_VERSION, roles: ['data', 'ingest', 'master'], http: { publish_address: '127.0.0.1:3000' }, ingest: { processors: [] } } },
  };
}

/** Elasticsearch's error body. */
export function errorBody(status: number, type: string, reason: string): Record<string, unknown> {
  return { error: { root_cause: [{ type, reason }], type, reason }, status };
}
