// The one way in (src/sources/accept.ts), against a log that fails on cue.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Acceptor, type AcceptConfig, type Acceptance } from '../../src/sources/accept.ts';
import { LogError, type Log, type ProduceMessage } from '../../src/log/log.ts';
import { streamTopics } from '../../src/log/stream-topics.ts';
import { Metrics } from '../../src/metrics.ts';

/** A log of one process: topics as a set, produce failing with whatever `failNext` holds. */
function scriptedLog() {
  const topics = new Set<string>();
  const produced: { topic: string; messages: ProduceMessage[] }[] = [];
  const state = { failNext: [] as LogError[], creates: 0, backlog: 0 };
  const log = {
    engine: 'kafka',
    createTopic: async (name: string) => {
      state.creates += 1;
      if (topics.has(name)) return false;
      topics.add(name);
      return true;
    },
    produce: async (topic: string, messages: ProduceMessage[]) => {
      const failure = state.failNext.shift();
      if (failure) throw failure;
      if (!topics.has(topic)) throw new LogError('UNKNOWN_TOPIC', `produce to ${topic}: unknown topic`);
      produced.push({ topic, messages });
      return messages.map((_, offset) => ({ partition: 0, offset }));
    },
    describeGroup: async (group: string) => ({ group, members: 1, partitions: [{ topic: 't.app', partition: 0, committed: 0, endOffset: state.backlog, lag: state.backlog }] }),
    describeTopic: async (name: string) => ({ name, partitions: [{ partition: 0, startOffset: 0, endOffset: state.backlog }], config: { partitions: 1 } }),
  } as unknown as Log;
  return { log, topics, produced, state };
}

const config = (roles: AcceptConfig['roles'] = ['ingest']): AcceptConfig => ({
  roles,
  log: { engine: 'kafka', partitions: 1, fsync: true, deleteIndexed: true, kafka: { clientId: 'c', topicPrefix: 't.' } },
  ingest: { defaultStream: 'logs', maxBodyBytes: 1 << 20, maxBacklog: 10, backlogWaitMs: 0, timeZone: 'UTC', requestTimeoutMs: 60_000 },
});

function acceptor(roles?: AcceptConfig['roles']) {
  const scripted = scriptedLog();
  const metrics = new Metrics();
  const accept = new Acceptor([{ log: scripted.log, topics: streamTopics('t.'), indexerGroup: 'indexer' }], config(roles), metrics);
  return { ...scripted, metrics, accept };
}

const records = (...texts: string[]) => texts.map((text) => Buffer.from(text));

async function counter(metrics: Metrics, name: string): Promise<string> {
  return (await metrics.registry.getSingleMetricAsString(name)).split('\n').filter((line) => !line.startsWith('#')).join('\n');
}

/** The number accepted, or the refusal (so a failed assertion shows it). */
function acceptedCount(result: Acceptance): number | Acceptance {
  return 'refused' in result ? result : result.accepted;
}

test("accepts records onto the stream's topic, created on first use, and counts them", async () => {
  const { accept, produced, topics, metrics } = acceptor();
  const first = await accept.accept('app', records('{"a":1}', '{"a":2}'));
  assert.ok(!('refused' in first));
  assert.equal(first.accepted, 2);
  // where each record went: its stored id is made from it
  assert.deepEqual(first.positions.map((position) => position.offset).sort(), [0, 1]);
  assert.ok(topics.has('t.app'));
  assert.deepEqual(produced.map((p) => [p.topic, p.messages.map((m) => m.value.toString())]), [['t.app', ['{"a":1}', '{"a":2}']]]);
  assert.equal(await counter(metrics, 'tributary_ingested_records_total'), 'tributary_ingested_records_total{stream="app"} 2');
  assert.equal(await counter(metrics, 'tributary_ingested_bytes_total'), 'tributary_ingested_bytes_total{stream="app"} 14');
});

test('creates a topic deleted under it again and sends the records once more', async () => {
  const { accept, produced, topics, state } = acceptor();
  await accept.accept('app', records('first'));
  topics.delete('t.app');
  assert.equal(acceptedCount(await accept.accept('app', records('second'))), 1);
  assert.ok(topics.has('t.app'));
  assert.equal(state.creates, 2);
  assert.deepEqual(produced.map((p) => p.messages[0]!.value.toString()), ['first', 'second']);
});

test('tries a deleted topic once: still unknown after creating it, the records are refused as unavailable', async () => {
  const { accept, state } = acceptor();
  await accept.accept('app', records('first'));
  state.failNext.push(new LogError('UNKNOWN_TOPIC', 'gone'), new LogError('UNKNOWN_TOPIC', 'still gone'));
  const result = await accept.accept('app', records('second'));
  assert.ok('refused' in result);
  assert.equal(result.refused.kind, 'unavailable');
  assert.match(result.refused.message, /nothing was acknowledged: retry later \(still gone\)/);
  assert.equal(acceptedCount(await accept.accept('app', records('third'))), 1);
});

test('refuses records the log finds too large, passing on what the log says of its limit', async () => {
  const { accept, state, metrics } = acceptor();
  state.failNext.push(new LogError('TOO_LARGE', 'a message of 2097152 bytes is over the 1048588 bytes topic t.app accepts'));
  assert.deepEqual(await accept.accept('app', records('big')), {
    refused: { kind: 'too_large', code: 'record_too_large', message: 'nothing was acknowledged: a message of 2097152 bytes is over the 1048588 bytes topic t.app accepts' },
  });
  assert.equal(await counter(metrics, 'tributary_ingest_rejected_total'), 'tributary_ingest_rejected_total{code="record_too_large"} 1');
  assert.equal(await counter(metrics, 'tributary_ingested_records_total'), '');
});

test('refuses records while the log is unavailable', async () => {
  const { accept, state } = acceptor();
  state.failNext.push(new LogError('UNAVAILABLE', 'broker down'));
  const result = await accept.accept('app', records('x'));
  assert.ok('refused' in result);
  assert.deepEqual([result.refused.kind, result.refused.code], ['unavailable', 'log_unavailable']);
});

test('holds records back past the indexing backlog where this process indexes, then refuses them', async () => {
  const { accept, state, produced } = acceptor(['ingest', 'process']);
  state.backlog = 50;
  const result = await accept.accept('app', records('x'));
  assert.ok('refused' in result);
  assert.equal(result.refused.kind, 'backlog');
  assert.match(result.refused.message, /^50 records are waiting to be indexed \(ingest\.maxBacklog is 10\)/);
  assert.equal(produced.length, 0);
  const elsewhere = acceptor(['ingest']);
  elsewhere.state.backlog = 50;
  assert.equal(acceptedCount(await elsewhere.accept.accept('app', records('x'))), 1, 'a process that does not index lets the log buffer');
});

test('lets other errors through: a misconfiguration is no refusal', async () => {
  const { accept, state } = acceptor();
  await accept.accept('app', records('first'));
  state.failNext.push(new LogError('INVALID_ARGUMENT', 'bad'));
  await assert.rejects(accept.accept('app', records('x')), /bad/);
});
