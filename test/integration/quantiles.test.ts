// Quantiles in stats are computed from per-value counts (quantile-sql.ts), not DuckDB's
// quantile_cont. They must answer exactly what quantile_cont defines: position (n - 1) * q, linear
// interpolation between the values at its floor and ceiling, missing and non-numeric values left out.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DuckDbStore } from '../../src/stores/embedded/duckdb-store.ts';
import { parseQuery } from '../../src/query/parser.ts';
import { withTempDir } from '../support/store-files.ts';

const QUANTILES = { median: 0.5, p50: 0.5, p90: 0.9, p95: 0.95, p99: 0.99 } as const;

function quantileCont(values: number[], q: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const position = (sorted.length - 1) * q;
  const lo = sorted[Math.floor(position)]!;
  const hi = sorted[Math.ceil(position)]!;
  return Math.floor(position) === Math.ceil(position) ? lo : lo + (hi - lo) * (position - Math.floor(position));
}

/** Deterministic values with ties, fractions, negatives and large magnitudes; some missing or not numbers. */
function latency(n: number): unknown {
  if (n % 41 === 0) return undefined;
  if (n % 43 === 0) return null;
  if (n % 47 === 0) return 'slow';
  if (n % 13 === 0) return (n % 7) + 0.25 * (n % 3);
  if (n % 17 === 0) return -((n * 7) % 300);
  if (n % 97 === 0) return 1e15 + n;
  return (n * 37) % 50;
}

function group(n: number): string | undefined {
  if (n === 11) return 'single'; // a group of one record
  if (n % 29 === 0) return undefined; // records without the key form a group of their own
  return `g${n % 6}`;
}

describe('quantiles in stats', () => {
  test('every quantile of every group equals quantile_cont over the numeric values', withTempDir('quantiles-', async (dir) => {
    const store = await DuckDbStore.open(dir);
    try {
      const records = Array.from({ length: 3000 }, (_, n) => ({ n, customer: group(n), latency_ms: latency(n) }));
      await store.write([{
        stream: 'app', partition: 0,
        entries: records.map((record, i) => ({ offset: i, ingestedAt: Date.UTC(2024, 0, 1) + i, value: Buffer.from(JSON.stringify({ message: `r${record.n}`, ...record })) })),
      }]);
      const numeric = (r: (typeof records)[number]) => typeof r.latency_ms === 'number';
      const aggregations = Object.keys(QUANTILES).map((fn) => ({ fn: fn as keyof typeof QUANTILES, field: 'latency_ms' }));

      const byGroup = await store.stats({ query: null, groupBy: ['customer'], aggregations: [{ fn: 'count' }, ...aggregations, { fn: 'avg', field: 'latency_ms' }], limit: 100 });
      const keys = [...new Set(records.map((r) => r.customer ?? null))];
      assert.equal(byGroup.totalGroups, keys.length);
      for (const key of keys) {
        const members = records.filter((r) => (r.customer ?? null) === key);
        const values = members.filter(numeric).map((r) => r.latency_ms as number);
        const found = byGroup.groups.find((g) => g.key.customer === key);
        assert.ok(found, `group ${key}`);
        assert.equal(found.values.count, members.length);
        for (const [fn, q] of Object.entries(QUANTILES)) assert.equal(found.values[`${fn}(latency_ms)`], quantileCont(values, q), `${fn} of ${key}`);
      }

      const filtered = await store.stats({ query: parseQuery('customer:g1'), groupBy: [], aggregations, limit: 10 });
      const g1 = records.filter((r) => r.customer === 'g1' && numeric(r)).map((r) => r.latency_ms as number);
      for (const [fn, q] of Object.entries(QUANTILES)) assert.equal(filtered.groups[0]!.values[`${fn}(latency_ms)`], quantileCont(g1, q), `${fn} of the filtered records`);

      const none = await store.stats({ query: parseQuery('customer:nobody'), groupBy: [], aggregations: [{ fn: 'count' }, { fn: 'p99', field: 'latency_ms' }], limit: 10 });
      assert.deepEqual(none.groups[0]!.values, { count: 0, 'p99(latency_ms)': null });
    } finally {
      await store.close();
    }
  }));
});
