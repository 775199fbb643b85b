// A time without a zone (seed 004's `2024-09-25 05:42:20`) is read as UTC, whatever zone the
// server runs in, or in the zone configured for its stream; a query reads it the same way.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { startChild, tempDir, postJson, getJson, waitFor, type ChildServer } from './harness.ts';

describe('times without a zone', () => {
  const dataDir = tempDir('zoneless');
  let server: ChildServer;

  before(async () => {
    writeFileSync(path.join(dataDir, 'tributary.yaml'), 'streams:\n  kolkata:\n    timeZone: Asia/Kolkata\n');
    // a server in a zone far from UTC: its own zone must not move any record's time
    server = await startChild(dataDir, [], { TZ: 'America/New_York' });
  });
  after(async () => {
    await server.kill();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function storedTs(stream: string, query: string): Promise<number> {
    return waitFor(async () => {
      const { body } = await getJson(`${server.url}/api/v1/search?stream=${stream}&q=${encodeURIComponent(query)}`);
      return body.total === 1 ? Date.parse(body.hits[0].ts) : undefined;
    }, 10_000, `the record of ${stream} to be searchable`);
  }

  it('reads them as UTC at ingest and in queries, through both of the store\'s write paths', async () => {
    const lines = ['{"timestamp":"2024-09-25 05:42:20","message":"typed"}', '{"timestamp":"2024-09-25 05:42:20","message":"raw","odd":[1,{"x":2}]}'];
    assert.equal((await postJson(`${server.url}/api/v1/logs?stream=utc`, lines.join('\n'), { 'content-type': 'application/x-ndjson' })).status, 202);
    assert.equal(await storedTs('utc', 'typed'), Date.parse('2024-09-25T05:42:20Z'));
    assert.equal(await storedTs('utc', 'raw'), Date.parse('2024-09-25T05:42:20Z'));
    const { body } = await getJson(`${server.url}/api/v1/search?stream=utc&from=${encodeURIComponent('2024-09-25 05:42:20')}&to=${encodeURIComponent('2024-09-25 05:42:20')}`);
    assert.equal(body.total, 2);
  });

  it('reads them in the zone configured for the stream', async () => {
    assert.equal((await postJson(`${server.url}/api/v1/logs?stream=kolkata`, '{"timestamp":"2024-09-25 05:42:20","message":"ist"}')).status, 202);
    assert.equal(await storedTs('kolkata', 'ist'), Date.parse('2024-09-25T05:42:20+05:30'));
  });
});
