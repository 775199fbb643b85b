// Seed 004's customer stats routes on a real embedded store, every field checked against a
// brute-force computation with the seed's definitions (SPEC.md), and Python's round checked
// against values Python 3 gives.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { DuckDbStore } from '../../src/stores/embedded/duckdb-store.ts';
import { latencyRanks, pythonRound, registerCustomerStatsRoutes } from '../../src/presets/api-requests/stats-routes.ts';

const NOW = Date.UTC(2024, 8, 27, 12, 30, 0);
const FROM_DATE = '2024-09-22';
const FROM_MS = Date.UTC(2024, 8, 22);
const DAY_MS = 86_400_000;
const STATUSES = [200, 201, 400, 401, 403, 404, 500];

interface Row { ts: number; customer_id: string; status_code: number; duration: number }

/** A seeded generator (mulberry32) so every run checks the same records. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function generate(): Row[] {
  const next = random(42);
  const pick = <T>(items: T[]): T => items[Math.floor(next() * items.length)]!;
  const customers = ['cust_1', 'cust_1', 'cust_1', 'cust_4', 'cust_40', 'cust_7', 'cust 9/x'];
  // from two days before from_date to an hour after now (those are not counted yet)
  const start = FROM_MS - 2 * DAY_MS;
  return Array.from({ length: 700 }, () => ({
    ts: start + Math.floor(next() * (NOW + 3_600_000 - start) / 1000) * 1000,
    customer_id: pick(customers),
    status_code: pick(STATUSES),
    duration: Number((0.1 + next() * 1.9).toFixed(3)),
  }));
}

function naive(ts: number): string {
  return new Date(ts).toISOString().slice(0, 19).replace('T', ' ');
}

function expected(rows: Row[]): Record<string, number | null> {
  const n = rows.length;
  const successful = rows.filter((r) => r.status_code < 400).length;
  const sorted = rows.map((r) => r.duration).sort((a, b) => a - b);
  let sum = 0;
  for (const row of rows) sum += row.duration;
  return {
    total_requests: n, successful_requests: successful, failed_requests: rows.filter((r) => r.status_code >= 400).length,
    uptime: pythonRound(successful / n * 100, 5),
    average_latency: pythonRound(sum / n, 5),
    median_latency: pythonRound(sorted[Math.floor(n / 2)]!, 5),
    p99_latency: pythonRound(n >= 100 ? sorted[Math.floor(n * 0.99) - 1]! : sorted.at(-1)!, 5),
  };
}

describe('pythonRound', () => {
  test('rounds the binary value half to even as Python 3 does', () => {
    const cases: Array<[number, number, number]> = [
      [2.675, 2, 2.67], [0.125, 2, 0.12], [0.375, 2, 0.38], [-2.675, 2, -2.67], [-0.125, 2, -0.12],
      [1.00005, 5, 1.00005], [1.000005, 5, 1.00001], [2.5, 0, 2], [1.5, 0, 2], [0.5, 0, 0],
      [28.571428571428573, 5, 28.57143], [0.000005, 5, 0.00001], [0.000015, 5, 0.00002], [0.123455, 5, 0.12345],
      [1.234565, 5, 1.23456], [1.234575, 5, 1.23457], [2.0000050000000003, 5, 2.00001], [0.30000000000000004, 5, 0.3],
      [1e20, 5, 1e20], [5e-324, 5, 0],
    ];
    for (const [x, digits, rounded] of cases) assert.equal(pythonRound(x, digits), rounded, `round(${x}, ${digits})`);
  });

  test('ranks the median and p99 as the seed client does', () => {
    assert.deepEqual(latencyRanks(1), { median: 0, p99: 0 });
    assert.deepEqual(latencyRanks(99), { median: 49, p99: 98 });
    assert.deepEqual(latencyRanks(100), { median: 50, p99: 98 });
    assert.deepEqual(latencyRanks(700), { median: 350, p99: 692 });
  });
});

describe('customer stats routes (seed 004)', () => {
  const rows = generate();
  let dir: string;
  let store: DuckDbStore;
  let app: FastifyInstance;
  const counted = rows.filter((r) => r.ts >= FROM_MS && r.ts <= NOW);
  const get = async (url: string) => {
    const response = await app.inject({ method: 'GET', url });
    return { status: response.statusCode, body: response.json() as Record<string, unknown> };
  };

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'customer-stats-'));
    store = await DuckDbStore.open(dir);
    await store.write([{
      stream: 'api_requests', partition: 0,
      entries: rows.map((row, i) => ({
        offset: i, ingestedAt: NOW,
        value: Buffer.from(JSON.stringify({ timestamp: naive(row.ts), customer_id: row.customer_id, request_path: `/api/v1/resource${(i % 4) + 1}`, status_code: row.status_code, duration: row.duration })),
      })),
    }, { stream: 'other', partition: 1, entries: [{ offset: 0, ingestedAt: NOW, value: Buffer.from(JSON.stringify({ timestamp: naive(NOW - 1000), customer_id: 'cust_1', status_code: 200, duration: 9 })) }] }]);
    app = Fastify();
    registerCustomerStatsRoutes(app, { store, stream: 'api_requests', now: () => NOW });
    await app.ready();
  });

  after(async () => {
    await app.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('the data covers what the checks need', () => {
    assert.ok(rows.some((r) => r.ts < FROM_MS) && rows.some((r) => r.ts > NOW), 'records before from_date and after now');
    assert.ok(counted.filter((r) => r.customer_id === 'cust_1').length >= 100, 'a customer past 100 requests (p99 by rank)');
    assert.ok(counted.filter((r) => r.customer_id === 'cust_7').length < 100, 'a customer under 100 requests (p99 is the max)');
  });

  test('each customer: every field as the seed computes it, customer_id matched exactly', async () => {
    for (const customer of ['cust_1', 'cust_4', 'cust_40', 'cust_7', 'cust 9/x']) {
      const { status, body } = await get(`/customers/${encodeURIComponent(customer)}/stats?from_date=${FROM_DATE}`);
      assert.equal(status, 200, customer);
      assert.deepEqual(body, expected(counted.filter((r) => r.customer_id === customer)), customer);
    }
  });

  test('all customers', async () => {
    const { status, body } = await get(`/customers/customer/stats/all?from_date=${FROM_DATE}`);
    assert.equal(status, 200);
    assert.deepEqual(body, expected(counted));
  });

  test('group=day: one entry per UTC day with data, oldest first', async () => {
    for (const [url, members] of [
      [`/customers/cust_1/stats?from_date=${FROM_DATE}&group=day`, counted.filter((r) => r.customer_id === 'cust_1')],
      [`/customers/customer/stats/all?from_date=${FROM_DATE}&group=day`, counted],
    ] as const) {
      const { status, body } = await get(url);
      assert.equal(status, 200);
      const dates = [...new Set(members.map((r) => new Date(r.ts).toISOString().slice(0, 10)))].sort();
      assert.deepEqual(body, { days: dates.map((date) => ({ date, ...expected(members.filter((r) => new Date(r.ts).toISOString().startsWith(date))) })) });
    }
  });

  test('a bad, impossible, missing or future from_date is a 422 with a detail', async () => {
    for (const from of ['2024-9-22', '22-09-2024', '2024-02-30', '2024-13-01', '0000-01-01', 'yesterday', '']) {
      assert.deepEqual(await get(`/customers/cust_1/stats?from_date=${from}`), { status: 422, body: { detail: 'Invalid date format, expected YYYY-MM-DD' } }, from);
    }
    assert.deepEqual(await get('/customers/customer/stats/all'), { status: 422, body: { detail: 'Invalid date format, expected YYYY-MM-DD' } });
    const future = await get('/customers/cust_1/stats?from_date=2024-09-28');
    assert.equal(future.status, 422);
    assert.match(String(future.body.detail), /future/);
    assert.equal((await get(`/customers/cust_1/stats?from_date=${FROM_DATE}&group=week`)).status, 422);
    assert.equal((await get('/customers/cust_1/stats?from_date=2024-09-27')).status, 200, 'today is not the future');
  });

  test('durations that are not numbers count as requests but are not ranked nor averaged', async () => {
    const durations: unknown[] = Array.from({ length: 130 }, (_, i) => (i % 9 === 0 ? 'n/a' : i % 13 === 0 ? undefined : Number(((i * 7919) % 1900 / 1000 + 0.1).toFixed(3))));
    await store.write([{
      stream: 'api_requests_text', partition: 0,
      entries: durations.map((duration, i) => ({ offset: i, ingestedAt: NOW, value: Buffer.from(JSON.stringify({ timestamp: naive(NOW - i * 60_000), customer_id: 'cust_t', status_code: STATUSES[i % 7], duration })) })),
    }]);
    const other = Fastify();
    registerCustomerStatsRoutes(other, { store, stream: 'api_requests_text', now: () => NOW });
    const response = await other.inject({ method: 'GET', url: `/customers/cust_t/stats?from_date=${FROM_DATE}` });
    await other.close();
    const numbers = durations.filter((d) => typeof d === 'number');
    const byNumbers = expected(numbers.map((duration) => ({ ts: NOW, customer_id: 'cust_t', status_code: 200, duration })));
    const successful = durations.filter((_, i) => STATUSES[i % 7]! < 400).length;
    assert.ok(numbers.length >= 100 && numbers.length < durations.length);
    assert.deepEqual(response.json(), {
      total_requests: durations.length, successful_requests: successful, failed_requests: durations.length - successful,
      uptime: pythonRound(successful / durations.length * 100, 5),
      average_latency: byNumbers.average_latency, median_latency: byNumbers.median_latency, p99_latency: byNumbers.p99_latency,
    });
  });

  test('a customer without records since the date is a 404 with a detail', async () => {
    const missing = { status: 404, body: { detail: 'Customer data not found' } };
    assert.deepEqual(await get(`/customers/cust_99/stats?from_date=${FROM_DATE}`), missing);
    assert.deepEqual(await get('/customers/cust/stats?from_date=2024-09-01'), missing, 'no partial match of cust_1');
    assert.deepEqual(await get(`/customers/cust_99/stats?from_date=${FROM_DATE}&group=day`), missing);
  });
});
