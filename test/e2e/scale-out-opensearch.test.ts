// Scale-out as it is deployed: one ingest process, two processor processes in one consumer group
// and one query process, on a real Kafka and a real OpenSearch shared by all of them. A processor
// is killed with SIGKILL mid-load; the query process still sees every acknowledged record
// exactly once, and the same queries answer there as on one embedded process.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, rmSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { startInProcess, startChild, tempDir, getJson, waitFor, type ChildServer } from './harness.ts';
import { BROKERS, skipWithoutBroker } from '../support/kafka.ts';
import { OPENSEARCH_URL, skipWithoutOpenSearch, testIndexPrefix } from '../support/opensearch.ts';
import { ingestUntilStopped, allKeys, countCopies } from '../fault/ingest-load.ts';
import { OpenSearchStore } from '../../src/stores/opensearch/opensearch-store.ts';

const skip = (await skipWithoutBroker()) || (await skipWithoutOpenSearch());
const PARTITIONS = 4;

async function total(url: string, q = '_exists_:u'): Promise<number> {
  return (await getJson(`${url}/api/v1/search?${new URLSearchParams({ q, limit: '0' })}`)).body.total;
}

describe('scale-out on Kafka and OpenSearch: ingest, two processors, query', { skip }, () => {
  const dir = tempDir('scale-out');
  const topicPrefix = `so-${randomUUID().slice(0, 8)}.`;
  const indexPrefix = testIndexPrefix();
  const shared = [
    'log:', '  engine: kafka', `  partitions: ${PARTITIONS}`, '  kafka:', `    brokers: [${BROKERS.map((b) => `"${b}"`).join(', ')}]`, `    topicPrefix: "${topicPrefix}"`,
    'store:', '  engine: opensearch', '  opensearch:', `    url: "${OPENSEARCH_URL}"`, `    indexPrefix: "${indexPrefix}"`,
    // the presets' pipelines are not what this test is about
    'presets: { user-login: { enabled: false }, api-requests: { enabled: false }, function-call-logs: { enabled: false }, sunbird-telemetry: { enabled: false } }',
  ];
  let ingest: Awaited<ReturnType<typeof startInProcess>>;
  const children: ChildServer[] = [];

  async function child(name: string, roles: string[]): Promise<ChildServer> {
    const dataDir = path.join(dir, name);
    mkdirSync(dataDir);
    const configFile = path.join(dir, `${name}.yaml`);
    writeFileSync(configFile, [...shared, `roles: [${roles.join(', ')}]`, ''].join('\n'));
    const started = await startChild(dataDir, ['--config', configFile]);
    children.push(started);
    return started;
  }

  before(async () => {
    ingest = await startInProcess({
      'log.engine': 'kafka', 'log.kafka.brokers': BROKERS, 'log.kafka.topicPrefix': topicPrefix, 'log.partitions': PARTITIONS, roles: ['ingest'],
      'store.engine': 'opensearch', 'store.opensearch.url': OPENSEARCH_URL, 'store.opensearch.indexPrefix': indexPrefix,
    }, path.join(dir, 'ingest'));
  });
  after(async () => {
    for (const running of children) await running.kill('SIGKILL');
    await ingest?.cleanup();
    const store = await OpenSearchStore.open(OPENSEARCH_URL, { indexPrefix });
    await store.drop();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a query process sees every acknowledged record once, though a processor was killed mid-load', async () => {
    const a = await child('a', ['process']);
    const b = await child('b', ['process']);
    const query = await child('q', ['query']);
    assert.equal((await getJson(`${a.url}/api/v1/search`)).status, 404, 'a processor alone serves no search');

    const load = ingestUntilStopped(ingest.url, 's', 'orders');
    await waitFor(async () => ((await total(query.url)) > 2000 ? true : undefined), 60_000, 'records searchable on the query process');
    await waitFor(async () => ((await ingest.log.describeGroup('tributary-indexer')).members === 2 ? true : undefined), 30_000, 'both processors in the group');

    await a.kill('SIGKILL');
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const acked = await load.stop();
    await waitFor(async () => ((await total(query.url)) >= acked.size ? true : undefined), 90_000, `${acked.size} records on the query process`);

    const seen = countCopies(await allKeys(query.url));
    assert.deepEqual([...seen].filter(([, n]) => n > 1).slice(0, 10), [], 'no record twice');
    const lost = [...acked].filter((key) => !seen.has(key));
    assert.deepEqual(lost.slice(0, 10), [], `${lost.length} acknowledged records lost`);
    assert.equal(await total(query.url, 'stream:orders'), seen.size);
    console.log(`# ${acked.size} acknowledged, ${seen.size} searchable once each on the query process`);

    // the explorer's questions answer on the shared store too
    const histogram = (await getJson(`${query.url}/api/v1/histogram?${new URLSearchParams({ q: 'stream:orders', interval: '1h' })}`)).body;
    assert.equal(histogram.buckets.reduce((sum: number, bucket: { count: number }) => sum + bucket.count, 0), seen.size);
    const facets = (await getJson(`${query.url}/api/v1/facets?${new URLSearchParams({ q: 'stream:orders', fields: 'level' })}`)).body;
    assert.deepEqual(facets.fields.level.values, [{ value: 'info', count: seen.size }]);
    const one = [...seen.keys()][0]!;
    assert.equal(await total(query.url, `u:${one}`), 1);
    assert.equal(await total(query.url, `"crash test ${one}"`), 1);
  });
});
