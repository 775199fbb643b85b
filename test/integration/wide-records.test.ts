// Records wider than a stream's typed columns: the first members are typed, the members past the
// budget are kept as their text (the row's rest). Bodies come back byte for byte and every field,
// typed or in the rest, is searched and aggregated as over the parsed records. Lines a rest must not
// hold (a key of the typed members again, a field the level comes from, multi-byte text, another
// separator style) keep their text or are typed, never altered.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DuckDbStore } from '../../src/stores/embedded/duckdb-store.ts';
import { parseQuery } from '../../src/query/parser.ts';
import { inStoreFile, withTempDir } from '../support/store-files.ts';

const T0 = Date.UTC(2025, 0, 1);
const BUDGET = 12;

function wide(n: number): Record<string, unknown> {
  const record: Record<string, unknown> = { timestamp: new Date(T0 + n * 1000).toISOString(), level: n % 5 ? 'info' : 'error', message: `event ${n} ✓ naïve`, host: `h-${n % 7}` };
  for (let k = 0; k < 20; k++) record[`f${k}`] = k % 3 === 0 ? n % (k + 2) : `v${k}-${n % (k + 3)}${k === 5 ? ' 🙂' : ''}`;
  record.nested = { a: n % 4, b: { c: `c${n % 2}` } };
  return record;
}

/** The lines: most compact, some with Python's separators, and some a rest must not hold. */
function lines(): string[] {
  const out: string[] = [];
  for (let n = 0; n < 300; n++) {
    const record = wide(n);
    if (n % 50 === 7) out.push(JSON.stringify(record).replace(/}$/, ',"f2":"again"}')); // f2 twice: kept as text
    else if (n % 50 === 9) out.push(JSON.stringify({ ...record, nested: { level: 'fatal' } })); // a level key in the rest
    else if (n % 10 === 3) out.push(JSON.stringify(record, null, 0).replaceAll('":', '": ').replaceAll(/,"/g, ', "'));
    else out.push(JSON.stringify(record));
  }
  return out;
}

describe('embedded store: records wider than their stream\'s typed columns', () => {
  test('type their first members, keep the rest as text, and answer every field as the parsed records', withTempDir('wide-records-', async (dir) => {
    const texts = lines();
    const store = await DuckDbStore.open(dir, { maxColumnsPerStream: BUDGET });
    try {
      for (let first = 0; first < texts.length; first += 100) {
        await store.write([{ stream: 'wide', partition: 0, entries: texts.slice(first, first + 100).map((text, i) => ({ offset: first + i, ingestedAt: T0, value: Buffer.from(text) })) }]);
      }
      const all = await store.search({ query: null, streams: ['wide'], limit: 1000 });
      assert.deepEqual(all.hits.map((hit) => hit.bodyJson).sort(), [...texts].sort(), 'every body byte for byte');

      const parsed = texts.map((text) => JSON.parse(text) as Record<string, unknown>);
      const matching = (predicate: (record: Record<string, unknown>) => boolean) => texts.filter((_, i) => predicate(parsed[i]!)).sort();
      const cases: Array<[string, (record: Record<string, unknown>) => boolean]> = [
        ['host:"h-3"', (r) => r.host === 'h-3'],
        ['f5:"v5-2 🙂"', (r) => r.f5 === 'v5-2 🙂'],
        ['f18:5', (r) => r.f18 === 5],
        ['f19:"v19-4"', (r) => r.f19 === 'v19-4'],
        ['nested.b.c:c1 AND f12:5', (r) => (r.nested as { b?: { c?: string } }).b?.c === 'c1' && r.f12 === 5],
        ['level:error', (r) => r.level === 'error'],
        ['nested.level:fatal', (r) => (r.nested as { level?: string }).level === 'fatal'],
      ];
      for (const [query, predicate] of cases) {
        const found = await store.search({ query: parseQuery(query), streams: ['wide'], limit: 1000 });
        const expected = matching(predicate);
        assert.ok(expected.length > 0, `${query} matches some`);
        assert.ok(JSON.stringify(found.hits.map((hit) => hit.bodyJson).sort()) === JSON.stringify(expected), `${query}: ${found.hits.length} hits, ${expected.length} expected`);
        assert.equal(found.total, matching(predicate).length, `${query}: total`);
      }
      const stats = await store.stats({ query: null, streams: ['wide'], groupBy: ['f17'], aggregations: [{ fn: 'count' }, { fn: 'distinct', field: 'f19' }], limit: 100 });
      const byF17 = new Map<string, Set<unknown>>();
      for (const record of parsed) byF17.set(String(record.f17), (byF17.get(String(record.f17)) ?? new Set()).add(record.f19));
      assert.deepEqual(stats.groups.map((group) => [group.key.f17, Object.values(group.values)[1]]).sort(), [...byF17].map(([key, values]) => [key, values.size]).sort(), 'distinct of a rest field per group of a rest field');
    } finally {
      await store.close();
    }
    const [[rested, raw]] = await inStoreFile(dir, (run) => run('SELECT count(rest), count(raw) FROM records')) as [[bigint, bigint]];
    assert.ok(Number(rested) >= 250, `most rows are typed with a rest (${rested})`);
    assert.ok(Number(raw) >= 12, `the lines a rest must not hold keep their text (${raw})`);
  }));
});
