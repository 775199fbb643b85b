// The log commands with --log kafka: straight to a real broker, no server. Start one with
// `bash scripts/kafka.sh start` (127.0.0.1:9092, or TRIBUTARY_KAFKA_BROKERS). Under CI=true a
// missing broker (or kcat) fails; otherwise those tests are skipped with the reason.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { runCli, lines, cleanEnv } from './log-cli-run.ts';
import { partitionForKey } from '../../src/log/partitioner.ts';
import { BROKERS, skipWithoutBroker, skipWithoutKcat, kcatProduce } from '../support/kafka.ts';

const noBroker = await skipWithoutBroker();
const noKcat = skipWithoutKcat();

describe('tributary log commands with --log kafka', { skip: noBroker }, () => {
  const topic = `cli-kafka-${randomUUID().slice(0, 8)}`;
  const group = `cli-kafka-group-${randomUUID().slice(0, 8)}`;
  // the engine comes from the environment here, as a user would set it once
  const env = cleanEnv({ TRIBUTARY_LOG: 'kafka', TRIBUTARY_KAFKA_BROKERS: BROKERS.join(',') });
  const cli = (args: string[], input?: string) => runCli(args, input, env);

  before(async () => {
    const run = await cli(['topics', 'create', topic, '--partitions', '3']);
    assert.equal(run.code, 0, run.stderr);
  });
  after(async () => {
    await cli(['topics', 'delete', topic]);
  });

  it('lists and describes the topic', async () => {
    assert.ok(lines((await cli(['topics', 'list'])).stdout).includes(topic));
    const described = JSON.parse((await cli(['topics', 'describe', topic, '--json'])).stdout);
    assert.equal(described.partitions.length, 3);
  });

  const messages = Array.from({ length: 9 }, (_, i) => ({ device_id: `device-${i % 4}`, i }));

  it('produces keyed NDJSON onto murmur2 partitions and consumes exactly it', async () => {
    const produced = await cli(['produce', topic, '--key-field', 'device_id'], messages.map((m) => JSON.stringify(m)).join('\n'));
    assert.equal(produced.code, 0, produced.stderr);
    const expectedEnd = [0, 0, 0];
    for (const m of messages) expectedEnd[partitionForKey(m.device_id, 3)]! += 1;
    const described = JSON.parse((await cli(['topics', 'describe', topic, '--json'])).stdout);
    assert.deepEqual(described.partitions.map((p: { endOffset: number }) => p.endOffset), expectedEnd);

    const consumed = await cli(['consume', topic, '--from-beginning', '--max', '9', '--print-offset', '--print-key']);
    assert.equal(consumed.code, 0, consumed.stderr);
    const printed = lines(consumed.stdout).map((line) => line.split('\t'));
    assert.equal(printed.length, 9);
    for (const [partition, , key] of printed) assert.equal(partition, `Partition:${partitionForKey(key!, 3)}`);
    assert.deepEqual(printed.map((fields) => fields[3]).sort(), messages.map((m) => JSON.stringify(m)).sort());
  });

  it('resumes a group and shows its lag', async () => {
    const first = await cli(['consume', topic, '--group', group, '--from-beginning', '--max', '4']);
    assert.equal(first.code, 0, first.stderr);
    let described = JSON.parse((await cli(['groups', 'describe', group, '--json'])).stdout);
    assert.equal(described.partitions.reduce((sum: number, p: { lag: number }) => sum + p.lag, 0), 5);
    const second = await cli(['consume', topic, '--group', group, '--max', '5']);
    assert.deepEqual([...lines(first.stdout), ...lines(second.stdout)].sort(), messages.map((m) => JSON.stringify(m)).sort());
    described = JSON.parse((await cli(['groups', 'describe', group, '--json'])).stdout);
    assert.equal(described.partitions.reduce((sum: number, p: { lag: number }) => sum + p.lag, 0), 0);
    const listed = await cli(['groups', 'list']);
    assert.ok(lines(listed.stdout).includes(group));
  });

  it('sees a message produced by kcat', { skip: noKcat }, async () => {
    const value = JSON.stringify({ from: 'kcat', id: randomUUID() });
    kcatProduce(topic, [value], () => 'kcat-key');
    const run = await cli(['consume', topic, '--group', group, '--max', '1', '--print-key']);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(lines(run.stdout), [`kcat-key\t${value}`]);
  });

  it('names what to do when the topic or the broker is missing', async () => {
    let run = await cli(['topics', 'describe', `${topic}-missing`]);
    assert.equal(run.code, 1);
    assert.match(run.stderr, new RegExp(`topic "${topic}-missing" does not exist on Kafka at .*'tributary topics list'`));
    run = await runCli(['topics', 'list', '--log', 'kafka', '--kafka-brokers', '127.0.0.1:1']);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /cannot reach Kafka at 127\.0\.0\.1:1: start a broker \(bash scripts\/kafka\.sh start\)/);
  });

  it('creates a topic with the replication factor asked for, naming it when the cluster cannot give it', async () => {
    const run = await cli(['topics', 'create', `${topic}-replicas`, '--replication-factor', '2']);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /tributary topics create: create topic \S+-replicas: the cluster cannot give it replication factor 2/);
    assert.ok(!lines((await cli(['topics', 'list'])).stdout).includes(`${topic}-replicas`));
  });
});
