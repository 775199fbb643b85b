import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync, linkSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { probeFreshness } from '../../bench/freshness.ts';
import { generateNdjsonChunk } from '../../bench/generator.ts';
import { retryAfterMs } from '../../bench/http-post.ts';
import { runLoad } from '../../bench/loadgen.ts';
import { percentile, percentileFromCounts } from '../../bench/percentile.ts';
import { directorySize, readProcessStats, sampleResources } from '../../bench/sysstats.ts';

type Handler = (req: http.IncomingMessage, body: Buffer, res: http.ServerResponse) => void;

function startServer(handler: Handler): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => handler(req, Buffer.concat(chunks), res));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((done) => server.close(() => done())),
  })));
}

const countLines = (b: Buffer): number => b.toString('latin1').split('\n').length - 1;

describe('bench loadgen', () => {
  it('sends every record exactly once (gzip), retrying 429 with Retry-After', async () => {
    const received: Buffer[] = [];
    let throttled = 0;
    const sink = await startServer((req, body, res) => {
      if (throttled < 2) {
        throttled++;
        res.writeHead(429, { 'retry-after': '0' }).end('{"error":{"code":"busy","message":"slow down"}}');
        return;
      }
      const raw = req.headers['content-encoding'] === 'gzip' ? gunzipSync(body) : body;
      received.push(raw);
      res.writeHead(202, { 'content-type': 'application/json' }).end(JSON.stringify({ accepted: countLines(raw) }));
    });
    try {
      const summary = await runLoad({
        url: `${sink.url}/api/v1/logs`, records: 2500, batch: 1000, concurrency: 2, format: 'gzip', rate: 'max', seed: 9,
      });
      assert.equal(summary.recordsAccepted, 2500);
      assert.equal(summary.recordsSent, 2500);
      assert.equal(summary.retries, 2);
      assert.deepEqual(summary.errors, { 429: 2 });
      assert.equal(summary.prebuilt, true);
      const sent = Buffer.concat(received).toString('latin1').split('\n').filter((l) => l !== '');
      assert.equal(new Set(sent).size, 2500);
      const expected = new Set(generateNdjsonChunk(9, 0, 2500).toString('latin1').split('\n'));
      for (const line of sent) assert.ok(expected.has(line));
    } finally {
      await sink.close();
    }
  });

  it('speaks Elasticsearch _bulk and counts per-item failures; paces by --rate', async () => {
    let bodies = 0;
    const es = await startServer((_req, body, res) => {
      bodies++;
      const lines = body.toString('latin1').split('\n').filter((l) => l !== '');
      assert.equal(lines[0], '{"create":{}}');
      const items = Array.from({ length: lines.length / 2 }, (_, k) => ({ create: { status: k === 0 ? 400 : 201 } }));
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ errors: true, items }));
    });
    try {
      const started = performance.now();
      const summary = await runLoad({
        url: `${es.url}/logs/_bulk`, records: 600, batch: 100, concurrency: 2, format: 'es-bulk', rate: 2000, seed: 1,
        prebuildMaxBytes: 0,
      });
      assert.equal(bodies, 6);
      assert.equal(summary.recordsAccepted, 594);
      assert.equal(summary.prebuilt, false);
      assert.ok(performance.now() - started >= 240, 'rate 2000/s: the 6th batch is due at 250 ms');
    } finally {
      await es.close();
    }
  });

  it('parses Retry-After seconds and dates', () => {
    assert.equal(retryAfterMs('2'), 2000);
    assert.equal(retryAfterMs(undefined), undefined);
    assert.equal(retryAfterMs(new Date(10_000).toUTCString(), 4000), 6000);
  });
});

describe('bench freshness probe', () => {
  it('measures ms from the 202 to the first search hit', async () => {
    const visibleAt = new Map<string, number>();
    const api = await startServer((req, body, res) => {
      const url = new URL(req.url!, 'http://x');
      if (req.method === 'POST') {
        const record = JSON.parse(body.toString()) as { probe_marker: string; message: string };
        assert.ok(record.message.includes(record.probe_marker));
        visibleAt.set(record.probe_marker, performance.now() + 60);
        res.writeHead(202).end('{"accepted":1}');
        return;
      }
      const at = visibleAt.get(url.searchParams.get('q')!);
      const found = at !== undefined && performance.now() >= at;
      assert.equal(url.searchParams.get('limit'), '1');
      res.writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ total: found ? 1 : 0, hits: found ? [{}] : [] }));
    });
    try {
      const result = await probeFreshness({
        ingestUrl: `${api.url}/api/v1/logs`, searchUrl: `${api.url}/api/v1/search`, probes: 3, intervalMs: 50, pollMs: 10,
      });
      assert.equal(result.probes, 3);
      assert.equal(result.visible, 3);
      assert.ok(result.latencyMs.p50 >= 55 && result.latencyMs.max < 500, JSON.stringify(result.latencyMs));
    } finally {
      await api.close();
    }
  });

  it('asks a peer the way it is asked (VictoriaLogs: ?query=, a line of NDJSON when found, nothing when not)', async () => {
    const visibleAt = new Map<string, number>();
    const api = await startServer((req, body, res) => {
      const url = new URL(req.url!, 'http://x');
      if (req.method === 'POST') {
        const record = JSON.parse(body.toString()) as { probe_marker: string };
        visibleAt.set(record.probe_marker, performance.now() + 40);
        res.writeHead(200).end();
        return;
      }
      assert.equal(url.searchParams.get('q'), null);
      const at = visibleAt.get(url.searchParams.get('query')!);
      res.writeHead(200).end(at !== undefined && performance.now() >= at ? '{"_msg":"freshness probe"}\n' : '');
    });
    try {
      const result = await probeFreshness({
        ingestUrl: `${api.url}/insert/jsonline`, searchUrl: `${api.url}/select/logsql/query?start=2020-01-01T00:00:00Z`, probes: 2, intervalMs: 50, pollMs: 10,
        searchParam: 'query', found: (text) => text.trim().length > 0,
      });
      assert.equal(result.visible, 2);
      assert.ok(result.latencyMs.p50 >= 35, JSON.stringify(result.latencyMs));
    } finally {
      await api.close();
    }
  });
});

describe('bench sysstats and percentiles', () => {
  it('reads this process from /proc', async () => {
    const s = readProcessStats(process.pid);
    assert.ok(s.rssBytes > 10e6 && s.peakRssBytes >= s.rssBytes && s.userMs > 0);
    const sampler = sampleResources(process.pid, { intervalMs: 10 });
    await new Promise((r) => setTimeout(r, 40));
    const summary = sampler.stop();
    assert.ok(summary.samples >= 2 && summary.peakSampledRssBytes > 0);
  });

  it('sizes a directory by allocated blocks, hard links once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bench-du-'));
    try {
      mkdirSync(join(dir, 'sub'));
      writeFileSync(join(dir, 'sub', 'a'), Buffer.alloc(10_000, 1));
      linkSync(join(dir, 'sub', 'a'), join(dir, 'b'));
      writeFileSync(join(dir, 'c'), 'x');
      const size = await directorySize(dir);
      assert.equal(size.files, 2);
      assert.equal(size.apparentBytes, 10_001);
      assert.ok(size.diskBytes >= 10_001);
    } finally {
      rmSync(dir, { recursive: true });
    }
  });

  it('nearest-rank percentiles', () => {
    assert.equal(percentile([5, 1, 4, 2, 3], 50), 3);
    assert.equal(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 99), 10);
    assert.equal(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 90), 9);
    assert.equal(percentileFromCounts(new Map([[7, 98], [1000, 2]]), 99), 1000);
    assert.equal(percentileFromCounts(new Map([[7, 99], [1000, 1]]), 99), 7);
  });
});

describe('bench loadgen --file', () => {
  it('sends every non-blank line of a file once, in order, in batches', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'loadgen-file-'));
    const file = join(dir, 'records.ndjson');
    const records = Array.from({ length: 2345 }, (_, i) => JSON.stringify({ i, message: `line ${i}` }));
    writeFileSync(file, `${records.slice(0, 1000).join('\n')}\n\n${records.slice(1000).join('\n')}`); // a blank line, no final newline
    const received: string[][] = [];
    const sink = await startServer((_req, body, res) => {
      received.push(body.toString('utf8').split('\n').filter((l) => l !== ''));
      res.writeHead(202, { 'content-type': 'application/json' }).end(JSON.stringify({ accepted: received.at(-1)!.length }));
    });
    try {
      for (const prebuildMaxBytes of [undefined, 0]) {
        received.length = 0;
        const summary = await runLoad({ url: sink.url, file, records: 0, batch: 500, concurrency: 1, format: 'ndjson', rate: 'max', seed: 1, ...(prebuildMaxBytes === undefined ? {} : { prebuildMaxBytes }) });
        assert.equal(summary.recordsAccepted, 2345);
        assert.equal(summary.records, 2345);
        assert.deepEqual(received.map((b) => b.length), [500, 500, 500, 500, 345]);
        assert.deepEqual(received.flat(), records);
      }
    } finally {
      await sink.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
