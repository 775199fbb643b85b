import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { computeExpected } from '../../bench/expected.ts';
import { benchQueries } from '../../bench/bench-queries.ts';
import { generateNdjsonChunk, generateRecord, resolveTimeSpan } from '../../bench/generator.ts';
import type { DyteRecord } from '../../bench/generator.ts';
import { LEVEL_WEIGHTS_BP } from '../../bench/vocabulary.ts';
import { MESSAGE_TEMPLATES } from '../../bench/message-templates.ts';

const SEED = 42;

function lines(buf: Buffer): string[] {
  const text = buf.toString('latin1');
  assert.ok(text.endsWith('\n'));
  return text.slice(0, -1).split('\n');
}

describe('bench generator', () => {
  const sample = generateNdjsonChunk(SEED, 0, 20_000);
  const sampleLines = lines(sample);
  const records = sampleLines.map((l) => JSON.parse(l) as DyteRecord);
  const share = (pred: (r: DyteRecord) => boolean): number => records.filter(pred).length / records.length;

  it('is deterministic: same seed and index give the same bytes, any slice', () => {
    const again = generateNdjsonChunk(SEED, 0, 20_000);
    assert.ok(sample.equals(again));
    assert.deepEqual(lines(generateNdjsonChunk(SEED, 1234, 50)), sampleLines.slice(1234, 1284));
    assert.notDeepEqual(lines(generateNdjsonChunk(SEED + 1, 0, 50)), sampleLines.slice(0, 50));
    assert.equal(generateNdjsonChunk(SEED, 5, 0).length, 0);
  });

  it('renders lines byte-identical to JSON.stringify(generateRecord())', () => {
    for (let i = 0; i < 2000; i++) assert.equal(sampleLines[i], JSON.stringify(generateRecord(SEED, i)));
    assert.ok(/^[\x20-\x7e\n]*$/.test(sample.toString('latin1')), 'ASCII only');
  });

  it('averages 350–420 bytes per line', () => {
    const avg = sample.length / sampleLines.length;
    assert.ok(avg >= 350 && avg <= 420, `average line ${avg} bytes`);
  });

  it('every line is JSON with every field', () => {
    const { startMs, endMs } = resolveTimeSpan();
    for (const r of records) {
      assert.ok(['error', 'warn', 'info', 'debug'].includes(r.level));
      assert.equal(typeof r.message, 'string');
      assert.match(r.resourceId, /^server-\d{4}$/);
      const ts = Date.parse(r.timestamp);
      assert.ok(ts >= startMs && ts < endMs && r.timestamp === new Date(ts).toISOString());
      assert.match(r.traceId, /^[0-9a-f]{32}$/);
      assert.match(r.spanId, /^[0-9a-f]{16}$/);
      assert.match(r.commit, /^[0-9a-f]{7}$/);
      assert.match(r.metadata.parentResourceId, /^server-\d{2}00$/);
      assert.equal(typeof r.metadata.region, 'string');
      assert.ok(r.metadata.env === 'prod' || r.metadata.env === 'staging');
      assert.match(r.customer_id, /^cust_\d{1,3}$/);
      assert.ok(Number.isInteger(r.latency_ms) && r.latency_ms >= 0);
      assert.ok(Number.isInteger(r.status) && r.status >= 200 && r.status < 600);
    }
  });

  it('has the target selectivities (20,000 records)', () => {
    const near = (actual: number, target: number, tolerance: number, what: string): void =>
      assert.ok(Math.abs(actual - target) <= tolerance, `${what}: ${actual}, want ${target} ± ${tolerance}`);
    near(share((r) => r.level === 'error'), LEVEL_WEIGHTS_BP.error / 10_000, 0.01, 'level error');
    near(share((r) => r.level === 'warn'), 0.15, 0.012, 'level warn');
    near(share((r) => /\bfailed to connect\b/i.test(r.message)), 0.01, 0.003, 'phrase');
    near(share((r) => /timeout after [0-9]+ ms/.test(r.message)), 0.037, 0.006, 'regex');
    near(share((r) => r.level === 'error' && /\btimeout\b/i.test(r.message)), 0.035, 0.006, 'error AND timeout');
    const { startMs } = resolveTimeSpan();
    const day3 = share((r) => Math.floor((Date.parse(r.timestamp) - startMs) / 86_400_000) === 3);
    near(day3, 1 / 7, 0.015, 'one day');
    // Skewed latency: median well below mean, p99 far above median.
    const latencies = records.map((r) => r.latency_ms).sort((a, b) => a - b);
    const median = latencies[latencies.length >> 1]!;
    const mean = latencies.reduce((a, b) => a + b, 0) / latencies.length;
    assert.ok(mean > 2 * median, `mean ${mean} vs median ${median}`);
    // Every template is used and no other template mentions the query words.
    const templateWords = MESSAGE_TEMPLATES.filter((t) => /failed to connect/i.test(t.pattern)).map((t) => t.id);
    assert.deepEqual(templateWords, ['db_connect_failed']);
    assert.equal(new Set(records.map((r) => r.resourceId)).size > 8000, true);
    assert.equal(new Set(records.map((r) => r.customer_id)).size > 450, true);
  });

  it('brute-force expected answers agree with a naive reimplementation (5,000 records)', () => {
    const n = 5000;
    const startIndex = 100;
    const generator = { endTimeMs: Date.parse('2025-03-01T00:00:00Z') };
    const expected = computeExpected({ seed: SEED, records: n, startIndex, generator });
    const docs = lines(generateNdjsonChunk(SEED, startIndex, n, generator)).map((l) => JSON.parse(l) as DyteRecord);
    const queries = benchQueries(generator);
    const range = (name: string): [number, number] => {
      const q = queries.find((x) => x.name === name)!;
      return [Date.parse(q.from!), Date.parse(q.to!)];
    };
    const [dayFrom, dayTo] = range('one_day_range');
    const [twoFrom, twoTo] = range('error_timeout_two_days');
    const ts = (d: DyteRecord): number => Date.parse(d.timestamp);
    const naive: Record<string, number> = {
      level_error: docs.filter((d) => d.level === 'error').length,
      one_resource: docs.filter((d) => d.resourceId === 'server-1234').length,
      phrase_failed_to_connect: docs.filter((d) => d.message.toLowerCase().includes('failed to connect')).length,
      one_day_range: docs.filter((d) => ts(d) >= dayFrom && ts(d) < dayTo).length,
      error_timeout_two_days: docs.filter((d) => d.level === 'error' && ts(d) >= twoFrom && ts(d) < twoTo &&
        d.message.toLowerCase().split(/[^a-z0-9]+/).includes('timeout')).length,
      message_regex: docs.filter((d) => /timeout after \d+ ms/.test(d.message)).length,
    };
    assert.deepEqual(Object.fromEntries(expected.queries.map((q) => [q.name, q.count])), naive);
    assert.ok(naive.one_resource! >= 0 && naive.level_error! > 0 && naive.error_timeout_two_days! > 0);

    const byCustomer = new Map<string, number[]>();
    for (const d of docs) byCustomer.set(d.customer_id, [...(byCustomer.get(d.customer_id) ?? []), d.latency_ms]);
    const naiveCustomers = [...byCustomer.entries()]
      .sort((a, b) => Number(a[0].slice(5)) - Number(b[0].slice(5)))
      .map(([customer_id, values]) => {
        const sorted = [...values].sort((a, b) => a - b);
        const sum = values.reduce((a, b) => a + b, 0);
        return {
          customer_id, count: values.length, latencySum: sum, avgLatencyMs: sum / values.length,
          p99LatencyMs: sorted[Math.ceil(0.99 * sorted.length) - 1]!,
        };
      });
    assert.deepEqual(expected.perCustomer, naiveCustomers);

    const hourFrom = Date.parse(expected.hitsPerHour.from);
    const hours = new Array<number>(168).fill(0);
    for (const d of docs) hours[Math.floor((ts(d) - hourFrom) / 3_600_000)]!++;
    assert.deepEqual(expected.hitsPerHour.counts, hours);
    assert.equal(expected.distinctResourceIds, new Set(docs.map((d) => d.resourceId)).size);
  });
});
