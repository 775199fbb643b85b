// Scale-out on Kafka: one ingest process and two processor processes (--role process --role query)
// in one consumer group, each with its own embedded store. They share the partitions; stopping
// one moves its partitions to the other, and across both stores every acknowledged record is
// there exactly once.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, rmSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { startInProcess, startChild, tempDir, getJson, waitFor, type ChildServer } from './harness.ts';
import { BROKERS, skipWithoutBroker } from '../support/kafka.ts';
import { ingestUntilStopped, allKeys, countCopies } from '../fault/ingest-load.ts';

const skip = await skipWithoutBroker();
const PARTITIONS = 4;

async function total(url: string): Promise<number> {
  return (await getJson(`${url}/api/v1/search?q=_exists_:u&limit=1`)).body.total;
}

describe('two processors in one consumer group on Kafka', { skip }, () => {
  const dir = tempDir('kafka-group');
  const configFile = path.join(dir, 'tributary.yaml');
  const prefix = `grp-${randomUUID().slice(0, 8)}.`;
  let ingest: Awaited<ReturnType<typeof startInProcess>>;
  const processors: ChildServer[] = [];

  before(async () => {
    writeFileSync(configFile, [
      'log:', '  engine: kafka', `  partitions: ${PARTITIONS}`, '  kafka:', `    brokers: [${BROKERS.map((b) => `"${b}"`).join(', ')}]`, `    topicPrefix: "${prefix}"`,
      'roles: [process, query]', '',
    ].join('\n'));
    ingest = await startInProcess({ 'log.engine': 'kafka', 'log.kafka.brokers': BROKERS, 'log.kafka.topicPrefix': prefix, 'log.partitions': PARTITIONS, roles: ['ingest'] }, path.join(dir, 'ingest'));
    for (const name of ['a', 'b']) {
      const dataDir = path.join(dir, name);
      mkdirSync(dataDir);
      processors.push(await startChild(dataDir, ['--config', configFile]));
    }
  });
  after(async () => {
    for (const processor of processors) await processor.kill();
    await ingest?.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  it('shares the partitions, hands them over on a stop, and stores every record once', async () => {
    const [a, b] = processors as [ChildServer, ChildServer];
    assert.equal((await getJson(`${ingest.url}/api/v1/search`)).status, 404, 'an ingest-only process serves no search');

    const load = ingestUntilStopped(ingest.url, 'g', 'orders');
    await waitFor(async () => ((await total(a.url)) > 0 && (await total(b.url)) > 0 ? true : undefined), 60_000, 'both processors to index records');
    const before = { a: await total(a.url), b: await total(b.url) };
    console.log(`# before the stop: a indexed ${before.a}, b indexed ${before.b}`);

    await a.kill('SIGTERM');
    const bAtStop = await total(b.url);
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const acked = await load.stop();

    const aKeys = await allKeysFromStore(a, processors);
    await waitFor(async () => ((await total(b.url)) + aKeys.length >= acked.size ? true : undefined), 60_000, `${acked.size} records across both stores`);
    const bKeys = await allKeys(b.url);
    assert.ok(bKeys.length > bAtStop, 'b kept indexing after a stopped');

    const seen = countCopies([...aKeys, ...bKeys]);
    assert.deepEqual([...seen].filter(([, n]) => n > 1).slice(0, 10), [], 'no record in both stores or twice in one');
    const lost = [...acked].filter((key) => !seen.has(key));
    assert.deepEqual(lost.slice(0, 10), [], `${lost.length} acknowledged records lost`);

    const group = (await ingest.log.describeGroup('tributary-indexer')).partitions.filter((p) => p.topic === `${prefix}orders`);
    assert.equal(group.length, PARTITIONS);
    assert.ok(group.every((p) => p.lag === 0), `the group caught up: ${JSON.stringify(group)}`);
    console.log(`# ${acked.size} acknowledged; a stored ${aKeys.length}, b stored ${bKeys.length}`);
  });
});

/** a was stopped: reopen its data dir as a query-only process to read what it stored. */
async function allKeysFromStore(stopped: ChildServer, processors: ChildServer[]): Promise<string[]> {
  const dataDir = /data: (\S+?)[,)]/.exec(stopped.output())![1]!;
  const reader = await startChild(dataDir, ['--role', 'query']);
  processors.push(reader);
  return allKeys(reader.url);
}
