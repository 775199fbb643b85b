// Which topics of the embedded log become searchable, as a user sees it: a stream ingested over
// HTTP is; a topic made with `tributary topics create` and written with `tributary produce` (a
// pipeline's intermediate topic) is not, unless created with --stream; a data dir written before
// topics were marked keeps its topics indexed.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { openEmbeddedLog } from '../../src/log/embedded/index.ts';
import { getJson, postJson, startInProcess, tempDir, waitFor } from './harness.ts';
import { runCli } from './log-cli-run.ts';

type Server = Awaited<ReturnType<typeof startInProcess>>;

async function total(server: Server, stream: string): Promise<number> {
  const { status, body } = await getJson(`${server.url}/api/v1/search?limit=1&stream=${encodeURIComponent(stream)}`);
  assert.equal(status, 200, JSON.stringify(body));
  return body.total;
}

const searchable = (server: Server, stream: string, expected: number) =>
  waitFor(async () => ((await total(server, stream)) === expected ? true : undefined), 15_000, `${expected} records of ${stream} to be searchable`);

describe('indexed topics on the embedded log', () => {
  let server: Server;
  const cli = async (args: string[], input?: string) => {
    const run = await runCli([...args, '--url', server.url], input);
    assert.equal(run.code, 0, run.stderr);
    return run;
  };

  before(async () => {
    server = await startInProcess();
  });
  after(() => server.cleanup());

  it('indexes a stream ingested over HTTP and not a topic made with topics create, unless it is created with --stream', async () => {
    await cli(['topics', 'create', 'intermediate', '--partitions', '2']);
    await cli(['produce', 'intermediate'], '{"message":"an intermediate record"}\n{"message":"another"}\n');
    const ingested = await postJson(`${server.url}/api/v1/logs?stream=app`, '{"message":"an ingested record"}');
    assert.equal(ingested.status, 202);
    await searchable(server, 'app', 1);
    // the intermediate topic was written first: were it indexed, it would be searchable by now
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal(await total(server, 'intermediate'), 0);
    const indexer = JSON.parse((await cli(['groups', 'describe', 'tributary-indexer', '--json'])).stdout);
    // the streams the presets read, created at start: user-login and the function-call-logs
    // preset's three; the inputs of the Sunbird telemetry preset's pipelines are indexed on search
    // (test/e2e/on-search-streams.test.ts)
    const presetStreams = ['user-login', 'FunctionCallLogs', 'LeaderActivityLogs', 'eventsphere'];
    assert.deepEqual([...new Set(indexer.partitions.map((p: { topic: string }) => p.topic))].sort(), ['app', ...presetStreams].sort(), 'the indexer reads only the stream topics');

    await cli(['topics', 'create', 'audit', '--stream', 'audit']);
    assert.match((await cli(['topics', 'describe', 'audit'])).stdout, /Retention: keep forever {2}Stream: audit/);
    await cli(['produce', 'audit'], '{"message":"an audit record"}\n');
    await searchable(server, 'audit', 1);
  });

  it('indexes the records of a topic made with topics create once HTTP ingest writes to it as a stream', async () => {
    await cli(['topics', 'create', 'raw-first']);
    await cli(['produce', 'raw-first'], '{"message":"produced before ingest"}\n');
    const ingested = await postJson(`${server.url}/api/v1/logs?stream=raw-first`, '{"message":"ingested"}');
    assert.equal(ingested.status, 202);
    await searchable(server, 'raw-first', 2);
  });
});

describe('a data dir written before topics were marked', () => {
  it('keeps its topics indexed', async () => {
    const dataDir = tempDir('unmarked-topics');
    const log = await openEmbeddedLog(path.join(dataDir, 'log'), { logger: { warn: () => {}, error: () => {} } });
    await log.createTopic('old-stream', { partitions: 1 });
    await log.produce('old-stream', [{ value: Buffer.from('{"message":"written before the upgrade"}') }]);
    await log.close();
    // as the previous version wrote it: no stream in topic.json, every topic indexed
    writeFileSync(path.join(dataDir, 'log', 'old-stream', 'topic.json'), JSON.stringify({ partitions: 1 }));
    const server = await startInProcess({}, dataDir);
    try {
      await searchable(server, 'old-stream', 1);
    } finally {
      await server.cleanup();
    }
  });
});
