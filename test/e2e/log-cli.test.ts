// `tributary topics|groups|produce|consume` as a user runs them, against a running server on the
// embedded log (the server owns the data dir; the CLI goes through its log API).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startInProcess, waitFor } from './harness.ts';
import { runCli, startCli, lines } from './log-cli-run.ts';
import { partitionForKey } from '../../src/log/partitioner.ts';

describe('tributary log commands on the embedded engine', () => {
  let server: Awaited<ReturnType<typeof startInProcess>>;
  let url: string[];
  const cli = (args: string[], input?: string) => runCli([...args, ...url], input);

  before(async () => {
    server = await startInProcess();
    url = ['--url', server.url];
  });
  after(() => server.cleanup());

  it('creates, lists, describes and deletes a topic', async () => {
    let run = await cli(['topics', 'create', 'audit', '--partitions', '3', '--retention-ms', '86400000']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /created topic audit with 3 partitions/);

    run = await cli(['topics', 'create', 'audit']);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /topic "audit" already exists: 'tributary topics describe audit'/);

    run = await cli(['topics', 'list']);
    assert.ok(lines(run.stdout).includes('audit'), run.stdout);

    run = await cli(['topics', 'describe', 'audit']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /Topic: audit {2}Partitions: 3 {2}Messages: 0 {2}Retention: 86400000 ms/);
    assert.equal(lines(run.stdout).length, 5); // title, header, 3 partitions

    run = await cli(['topics', 'describe', 'audit', '--json']);
    assert.deepEqual(JSON.parse(run.stdout).config, { partitions: 3, retentionMs: 86400000 });

    run = await cli(['topics', 'delete', 'audit']);
    assert.equal(run.code, 0, run.stderr);
    run = await cli(['topics', 'list', '--json']);
    assert.ok(!JSON.parse(run.stdout).includes('audit'));
  });

  const logins = Array.from({ length: 12 }, (_, i) => ({ user_id: `user-${i % 5}`, seq: i, device_type: i % 2 ? 'ios' : 'android' }));
  const ndjson = logins.map((login) => JSON.stringify(login)).join('\n') + '\n';

  it('produces NDJSON keyed by a field onto murmur2 partitions, and consume prints exactly them', async () => {
    assert.equal((await cli(['topics', 'create', 'logins', '-p', '4'])).code, 0);
    const produced = await cli(['produce', 'logins', '--key-field', 'user_id'], `${ndjson}\n`);
    assert.equal(produced.code, 0, produced.stderr);
    assert.match(produced.stderr, /produced 12 messages to logins/);

    const expectedEnd = [0, 0, 0, 0];
    for (const login of logins) expectedEnd[partitionForKey(login.user_id, 4)]! += 1;
    const described = JSON.parse((await cli(['topics', 'describe', 'logins', '--json'])).stdout);
    assert.deepEqual(described.partitions.map((p: { endOffset: number }) => p.endOffset), expectedEnd);

    const consumed = await cli(['consume', 'logins', '--from-beginning', '--max', '12', '--print-key', '--print-offset']);
    assert.equal(consumed.code, 0, consumed.stderr);
    assert.match(consumed.stderr, /Processed a total of 12 messages/);
    const printed = lines(consumed.stdout).map((line) => {
      const [partition, offset, key, value] = line.split('\t');
      return { partition: Number(partition!.replace('Partition:', '')), offset: Number(offset!.replace('Offset:', '')), key: key!, value: value! };
    });
    assert.equal(printed.length, 12);
    for (const message of printed) {
      assert.equal(message.partition, partitionForKey(message.key, 4), `key ${message.key}`);
      assert.equal(JSON.parse(message.value).user_id, message.key);
    }
    assert.deepEqual(printed.map((m) => m.value).sort(), logins.map((login) => JSON.stringify(login)).sort());

    const plain = await cli(['consume', 'logins', '--from-beginning', '--max', '3']);
    assert.equal(lines(plain.stdout).length, 3);
    for (const line of lines(plain.stdout)) assert.ok(line.startsWith('{"user_id":'), line); // value as is
  });

  it('resumes a group where it stopped, with committed offsets and lag per partition', async () => {
    let run = await cli(['consume', 'logins', '--group', 'metrics', '--from-beginning', '--max', '5']);
    assert.equal(run.code, 0, run.stderr);
    const first = lines(run.stdout);
    assert.equal(first.length, 5);

    run = await cli(['groups', 'describe', 'metrics', '--json']);
    const partial = JSON.parse(run.stdout);
    // only partitions the group committed on are listed (as on Kafka)
    assert.equal(partial.partitions.reduce((sum: number, p: { committed: number }) => sum + p.committed, 0), 5);
    for (const p of partial.partitions) assert.equal(p.lag, p.endOffset - p.committed);

    run = await cli(['consume', 'logins', '--group', 'metrics', '--from-beginning', '--max', '7']);
    const second = lines(run.stdout);
    assert.equal(second.length, 7);
    assert.deepEqual([...first, ...second].sort(), logins.map((login) => JSON.stringify(login)).sort(), 'no message twice, none lost');

    const extra = { user_id: 'user-9', seq: 99 };
    assert.equal((await cli(['produce', 'logins', '-k', 'user_id'], JSON.stringify(extra))).code, 0);
    const lagging = JSON.parse((await cli(['groups', 'describe', 'metrics', '--json'])).stdout);
    assert.deepEqual(
      lagging.partitions.filter((p: { lag: number }) => p.lag > 0).map((p: { partition: number; lag: number }) => [p.partition, p.lag]),
      [[partitionForKey('user-9', 4), 1]],
    );
    run = await cli(['consume', 'logins', '--group', 'metrics', '--max', '1']);
    assert.deepEqual(lines(run.stdout), [JSON.stringify(extra)], 'only the new message');

    run = await cli(['groups', 'describe', 'metrics']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /Group: metrics {2}Members: 0 {2}Total lag: 0/);
    assert.match(run.stdout, /TOPIC\s+PARTITION\s+COMMITTED\s+END\s+LAG/);
    const described = JSON.parse((await cli(['groups', 'describe', 'metrics', '--json'])).stdout);
    const end = JSON.parse((await cli(['topics', 'describe', 'logins', '--json'])).stdout).partitions;
    for (const p of described.partitions) {
      assert.equal(p.committed, end[p.partition].endOffset);
      assert.equal(p.lag, 0);
    }

    run = await cli(['groups', 'list']);
    assert.ok(lines(run.stdout).includes('metrics'));
    assert.ok(!run.stdout.includes('tributary-console-'), 'reads without --group are hidden');
    assert.match((await cli(['groups', 'list', '--all'])).stdout, /tributary-console-/);
  });

  it('prints messages as they arrive and commits on Ctrl-C', async () => {
    assert.equal((await cli(['topics', 'create', 'live', '-p', '2'])).code, 0);
    const consumer = startCli(['consume', 'live', '--group', 'watcher', '--from-beginning', ...url]);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    assert.equal((await cli(['produce', 'live'], '{"n":1}\n{"n":2}\n')).code, 0);
    await waitFor(async () => (lines(consumer.stdout()).length === 2 ? true : undefined), 10_000, 'the live messages');
    consumer.child.kill('SIGINT');
    const run = await consumer.result;
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /Processed a total of 2 messages/);
    const group = JSON.parse((await cli(['groups', 'describe', 'watcher', '--json'])).stdout);
    assert.equal(group.partitions.reduce((sum: number, p: { lag: number }) => sum + p.lag, 0), 0);
    assert.equal(group.partitions.reduce((sum: number, p: { committed: number | null }) => sum + (p.committed ?? 0), 0), 2);
  });

  it('tells the user what to do next', async () => {
    for (const args of [['topics', 'describe', 'no-such'], ['topics', 'delete', 'no-such'], ['consume', 'no-such', '--max', '1'], ['produce', 'no-such']]) {
      const run = await cli(args, '{"a":1}\n');
      assert.equal(run.code, 1, args.join(' '));
      assert.match(run.stderr, /topic "no-such" does not exist on Tributary at http:\/\/127\.0\.0\.1:\d+: 'tributary topics list' shows the topics/);
    }
    let run = await cli(['groups', 'describe', 'no-such-group']);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /'tributary groups list' shows the groups/);

    run = await cli(['produce', 'logins', '--key-field', 'user_id'], '{"user_id":"a"}\nnot json\n');
    assert.equal(run.code, 1);
    assert.match(run.stderr, /tributary produce: line 2: not JSON .*1 message before it were produced/);

    run = await runCli(['topics', 'list', '--url', 'http://127.0.0.1:9']);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /cannot reach Tributary at http:\/\/127\.0\.0\.1:9: start it with 'npx tributary start'.*or use --log kafka/);

    run = await runCli(['topics', 'list', '--log', 'kafka']);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /--log kafka needs brokers: pass --kafka-brokers/);
  });
});
