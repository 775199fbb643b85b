// The pipeline commands as a user runs them: `pipeline test` on the presets' own test files and on
// a wrong one, `pipelines list/describe` and `dlq replay` against a running server (child process).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { getJson, postJson, startChild, tempDir, waitFor, ROOT, tributary } from './harness.ts';


const login = (user: string, seconds: number, extra: Record<string, unknown> = { device_type: 'iOS', app_version: '2.3.0' }) =>
  ({ user_id: user, ip: '10.0.0.1', locale: 'CA', device_id: `d-${user}`, timestamp: 1_737_417_600 + seconds, ...extra });

async function total(url: string, stream: string): Promise<number> {
  return (await getJson(`${url}/api/v1/search?stream=${stream}&limit=0`)).body.total;
}

describe('tributary pipeline test', () => {
  for (const preset of ['user-login', 'api-requests', 'function-call-logs']) {
    it(`passes the ${preset} preset's own test file`, async () => {
      const { code, stdout, stderr } = await tributary(['pipeline', 'test', `src/presets/${preset}/pipeline.test.yaml`]);
      assert.equal(code, 0, stdout + stderr);
      assert.match(stdout, /^ok {2}/m);
      assert.match(stdout, / 0 failed$/m);
    });
  }

  it('fails a wrong expectation naming the test and the difference, and a bad file with exit 2', async () => {
    const dir = tempDir('pipeline-test');
    try {
      const good = readFileSync(path.join(ROOT, 'src/presets/user-login/pipeline.test.yaml'), 'utf8');
      writeFileSync(path.join(dir, 'wrong.yaml'), good.replace('total_errors: 1', 'total_errors: 5'));
      const wrong = await tributary(['pipeline', 'test', path.join(dir, 'wrong.yaml')]);
      assert.equal(wrong.code, 1, wrong.stderr);
      assert.match(wrong.stdout, /^FAIL a window closes when the watermark passes it/m);
      assert.match(wrong.stdout, /default\[0\]\.total_errors: expected 5, got 1/);
      assert.match(wrong.stdout, /^ok {2}the last window closes when the input goes idle/m);
      assert.match(wrong.stdout, /1 passed, 1 failed/);

      writeFileSync(path.join(dir, 'bad.yaml'), 'pipeline: no-such-pipeline\ntests: [{name: a, input: [], expect: {}}]\n');
      const bad = await tributary(['pipeline', 'test', path.join(dir, 'bad.yaml')], dir);
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /no pipeline named 'no-such-pipeline' \(known: user-login/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('tributary pipelines and dlq replay against a running server', () => {
  it('lists and describes the pipelines, and replays dead letters once after a fix', async () => {
    const dataDir = tempDir('pipeline-cli');
    let server = await startChild(dataDir);
    try {
      const valid = [login('u1', 10), login('u2', 20), login('u1', 400)];
      const invalid = [login('u3', 30, { app_version: '2.3.0' }), login('u4', 40, {}), login('u5', 50, { device_type: 'android' })];
      const body = [...valid, ...invalid].map((record) => JSON.stringify(record)).join('\n');
      assert.equal((await postJson(`${server.url}/api/v1/logs?stream=user-login`, body, { 'content-type': 'application/x-ndjson' })).status, 202);
      await waitFor(async () => ((await total(server.url, 'dead-letter-queue')) === invalid.length ? true : undefined), 15_000, 'dead letters');

      const list = await tributary(['pipelines', 'list', '--url', server.url]);
      assert.equal(list.code, 0, list.stderr);
      assert.match(list.stdout, /^NAME +GROUP +IN +OUT +DEAD LETTERS +LATE +LAG +STATE BYTES$/m);
      assert.match(list.stdout, /^user-login +pipeline-user-login +6 +\d+ +3 +0 +\d+ +\d+$/m);
      const json = JSON.parse((await tributary(['pipelines', 'list', '--json', '--server', server.url])).stdout);
      assert.deepEqual(json.pipelines.map((p: { name: string }) => p.name), ['tributary-indexer', 'user-login', 'function-call-logs', 'leader-activity-logs', 'eventsphere-routing', 'sunbird-telemetry']);

      const described = await tributary(['pipelines', 'describe', 'user-login', '--url', server.url]);
      assert.equal(described.code, 0, described.stderr);
      assert.match(described.stdout, /Input topics: user-login/);
      assert.match(described.stdout, /Steps: validate → window/);
      assert.match(described.stdout, /Outputs: default → topic metric-event/);
      assert.match(described.stdout, /Dead letters: topic dead-letter-queue/);
      assert.match(described.stdout, /^dead letters +validate +3$/m);
      assert.match(described.stdout, /Last checkpoint: \d{4}-/);
      const unknown = await tributary(['pipelines', 'describe', 'nope', '--url', server.url]);
      assert.equal(unknown.code, 1);
      assert.match(unknown.stderr, /no pipeline named 'nope' .*its pipelines: tributary-indexer, user-login/);

      // the fix: user-login no longer requires device_type and app_version, and writes to a stream of its own
      await server.kill();
      const configFile = path.join(dataDir, 'fixed.yaml');
      writeFileSync(configFile, [
        'pipelines:',
        '  user-login:',
        '    input: { streams: [user-login] }',
        '    steps: [ { validate: { required: [user_id, timestamp] } } ]',
        '    outputs: { default: { topic: fixed-logins } }',
        '    deadLetters: { topic: dead-letter-queue, format: user-login }',
      ].join('\n'));
      server = await startChild(dataDir, ['--config', configFile]);
      const first = await tributary(['dlq', 'replay', 'user-login', '--url', server.url]);
      assert.equal(first.code, 0, first.stderr);
      assert.match(first.stdout, new RegExp(`replayed ${invalid.length} dead letters of pipeline user-login`));
      await waitFor(async () => ((await total(server.url, 'fixed-logins')) === invalid.length ? true : undefined), 15_000, 'replayed records');
      const { body: fixed } = await getJson(`${server.url}/api/v1/search?stream=fixed-logins&limit=10`);
      assert.deepEqual(fixed.hits.map((hit: { record: { user_id: string } }) => hit.record.user_id).sort(), ['u3', 'u4', 'u5']);

      const second = await tributary(['dlq', 'replay', 'user-login', '--url', server.url, '--json']);
      assert.equal(second.code, 0, second.stderr);
      assert.equal(JSON.parse(second.stdout).replayed, 0);
      assert.equal(await total(server.url, 'dead-letter-queue'), invalid.length);
    } finally {
      await server.kill();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('runs the indexer as a pipeline: listed, described, paused (records wait, unsearchable) and resumed', async () => {
    const dataDir = tempDir('indexer-pipeline');
    const server = await startChild(dataDir);
    const post = (n: number) => postJson(`${server.url}/api/v1/logs?stream=app`, JSON.stringify({ n, message: `record ${n}` }));
    try {
      for (const n of [1, 2, 3]) assert.equal((await post(n)).status, 202);
      await waitFor(async () => ((await total(server.url, 'app')) === 3 ? true : undefined), 15_000, 'three records searchable');
      const list = await tributary(['pipelines', 'list', '--url', server.url]);
      assert.equal(list.code, 0, list.stderr);
      assert.match(list.stdout, /^tributary-indexer +tributary-indexer +\d+ +\d+ +0 +0 +0 +0$/m);
      const described = await tributary(['pipelines', 'describe', 'tributary-indexer', '--url', server.url]);
      assert.equal(described.code, 0, described.stderr);
      assert.match(described.stdout, /Steps: -/);
      assert.match(described.stdout, /Outputs: default → store \(the stream of each topic\)/);
      assert.match(described.stdout, /Input topics: .*\bapp\b/);

      assert.equal((await tributary(['pipelines', 'pause', 'tributary-indexer', '--url', server.url])).code, 0);
      for (const n of [4, 5]) assert.equal((await post(n)).status, 202, 'ingest goes on while the indexer is paused');
      await new Promise((resolve) => setTimeout(resolve, 1500));
      assert.equal(await total(server.url, 'app'), 3, 'records wait in the log while the indexer is paused');
      const paused = JSON.parse((await tributary(['pipelines', 'describe', 'tributary-indexer', '--json', '--url', server.url])).stdout);
      assert.equal(paused.paused, true);
      assert.equal(paused.lag, 2);

      assert.equal((await tributary(['pipelines', 'resume', 'tributary-indexer', '--url', server.url])).code, 0);
      await waitFor(async () => ((await total(server.url, 'app')) === 5 ? true : undefined), 15_000, 'the waiting records searchable after resume');

      const replay = await tributary(['dlq', 'replay', 'tributary-indexer', '--url', server.url]);
      assert.equal(replay.code, 1);
      assert.match(replay.stderr, /pipeline tributary-indexer reads no named stream or topic to send its dead letters back to/);
    } finally {
      await server.kill();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
