// Streams indexed on search (streams.NAME.index: on-search): the Sunbird preset's intermediate
// topics hold every event again and are not indexed until someone searches them. The first read
// naming one starts its indexing (the Tributary-Indexing header says so) from the oldest record
// the log keeps; from then on it is indexed as records arrive, also after a restart. Until then
// the streams list shows it with its records not counted. Other
// streams are indexed at once, and `streams.NAME.index: always` turns it off for a stream.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { getJson, postJson, startChild, tempDir, waitFor } from './harness.ts';
import { telemetryBatches } from '../../src/presets/sunbird-telemetry/generate.ts';

async function total(url: string, stream: string): Promise<{ total: number; indexing: string | null }> {
  const response = await fetch(`${url}/api/v1/search?stream=${stream}&limit=0`);
  assert.equal(response.status, 200);
  const body = await response.json() as { total: number };
  return { total: body.total, indexing: response.headers.get('tributary-indexing') };
}

/** Posts the batches; returns how many events the extractor puts on telemetry.raw (all but LOG). */
async function post(url: string, seed: number): Promise<number> {
  let raw = 0;
  for (const { batch } of telemetryBatches(4, { seed, batchSize: 25, invalidShare: 0, repeatShare: 0 })) {
    assert.equal((await postJson(`${url}/v1/telemetry`, JSON.stringify(batch))).status, 200);
    raw += batch.events.filter((event) => (event as { eid?: string }).eid !== 'LOG').length;
  }
  return raw;
}

describe('streams indexed on search', () => {
  const dataDir = tempDir('on-search');
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  it('indexes an intermediate topic from its first search on, every record once, and keeps it indexed after a restart', async () => {
    let server = await startChild(dataDir);
    try {
      const raw = await post(server.url, 1);
      // the pipeline's end is indexed as events arrive; telemetry.raw waits for a search
      await waitFor(async () => ((await total(server.url, 'telemetry.denorm')).total > 0 ? true : undefined), 30_000, 'denormalized events');
      const listed = async () => new Map((await getJson(`${server.url}/api/v1/streams`)).body.streams.map((s: { stream: string; records: number | null; index?: string }) => [s.stream, s]));
      const before = await listed();
      assert.ok((before.get('telemetry.denorm') as { records: number }).records > 0);
      // listed, so that a user finds it, with its records waiting on the log
      assert.deepEqual(before.get('telemetry.raw'), { stream: 'telemetry.raw', records: null, oldestTs: null, newestTs: null, index: 'on-search' });
      const first = await total(server.url, 'telemetry.raw');
      assert.equal(first.indexing, 'telemetry.raw');
      const caughtUp = await waitFor(async () => {
        const { total: n } = await total(server.url, 'telemetry.raw');
        return n >= raw ? n : undefined;
      }, 30_000, `${raw} raw events indexed`);
      assert.equal(caughtUp, raw);
      assert.equal((await total(server.url, 'telemetry.raw')).indexing, null, 'only the first search starts it');
      assert.equal(((await listed()).get('telemetry.raw') as { records: number }).records, raw);

      await server.kill();
      server = await startChild(dataDir);
      const more = await post(server.url, 2);
      // no search started anything this time: the topic stays indexed across the restart
      await waitFor(async () => ((await total(server.url, 'telemetry.raw')).total >= raw + more ? true : undefined), 30_000, 'raw events after the restart');
      const after = await total(server.url, 'telemetry.raw');
      assert.deepEqual(after, { total: raw + more, indexing: null });
    } finally {
      await server.kill();
    }
  });

  it('indexes a stream set to always at once', async () => {
    const dir = tempDir('on-search-always');
    const config = path.join(dir, 'tributary.yaml');
    writeFileSync(config, 'streams:\n  telemetry.raw:\n    index: always\n');
    const server = await startChild(dir, ['--config', config]);
    try {
      const raw = await post(server.url, 3);
      await waitFor(async () => ((await getJson(`${server.url}/api/v1/streams`)).body.streams.some((s: { stream: string }) => s.stream === 'telemetry.raw') ? true : undefined), 30_000, 'telemetry.raw listed');
      const { total: n, indexing } = await waitFor(async () => {
        const answer = await total(server.url, 'telemetry.raw');
        return answer.total >= raw ? answer : undefined;
      }, 30_000, `${raw} raw events`);
      assert.deepEqual({ n, indexing }, { n: raw, indexing: null });
    } finally {
      await server.kill();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
