// The typed-column budget is per stream: a stream whose ever-new fields use up its columns keeps
// the members of its further shapes past the budget as text (the row's rest), and another stream
// still learns typed columns of its own. A column two streams share counts against both. All
// streams together stay within the table's ceiling, and a shape of columns the table already has
// is learned even at the ceiling. Every body reads back byte for byte, every field is searchable.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DuckDbStore } from '../../src/stores/embedded/duckdb-store.ts';
import { MAX_TABLE_COLUMNS } from '../../src/stores/embedded/shape-registry.ts';
import { parseQuery } from '../../src/query/parser.ts';
import { inStoreFile, withTempDir } from '../support/store-files.ts';

const T0 = Date.UTC(2024, 4, 1);
const BUDGET = 6;

/** 20 lines of one shape: a message (kept in the record's own column) and the given fields. */
function entries(fields: string[], firstOffset: number) {
  return Array.from({ length: 20 }, (_, n) => ({
    offset: firstOffset + n, ingestedAt: T0,
    value: Buffer.from(JSON.stringify({ message: `line ${n}`, ...Object.fromEntries(fields.map((field) => [field, `${field}-${n % 3}`])) })),
  }));
}

describe('column budget', () => {
  test('a stream past its budget keeps the members past it as text; another stream still gets typed columns, shared ones counted', withTempDir('column-budget-', async (dir) => {
    let offset = 0;
    // one shape per write: each write learns its shape (when the budget allows) and types its rows
    const write = (store: DuckDbStore, stream: string, fields: string[]) => store.write([{ stream, partition: 0, entries: entries(fields, (offset += 20) - 20) }]);
    const first = await DuckDbStore.open(dir, { maxColumnsPerStream: BUDGET });
    try {
      await write(first, 'a', ['a1', 'a2', 'shared']);
      await write(first, 'a', ['a3', 'a4', 'a5']); // a has its 6 columns
    } finally {
      await first.close();
    }
    // reopened: the budget is counted from the templates in the file
    const store = await DuckDbStore.open(dir, { maxColumnsPerStream: BUDGET });
    try {
      await write(store, 'a', ['a6']); // a 7th for a
      await write(store, 'b', ['b1', 'b2', 'b3', 'b4', 'b5']);
      await write(store, 'b', ['shared', 'b6']); // b's 6th and 7th: the one a has counts for b too
    } finally {
      await store.close();
    }
    const rows = await inStoreFile(dir, (run) => run(`SELECT stream, count(*) FILTER (WHERE raw IS NULL AND rest IS NULL), count(rest), count(raw),
      count(*) FILTER (WHERE rest = '{"a6":"a6-' || (off % 20 % 3) || '"}' OR rest = '{"b6":"b6-' || (off % 20 % 3) || '"}') FROM records GROUP BY stream ORDER BY stream`));
    assert.deepEqual(rows.map((row) => row.map(String)), [['a', '40', '20', '0', '20'], ['b', '20', '20', '0', '20']],
      'per stream: rows typed whole, rows with a rest, rows kept as text, and the rest holding the field past the budget');
    const reopened = await DuckDbStore.open(dir, { maxColumnsPerStream: BUDGET });
    try {
      const found = await reopened.search({ query: parseQuery('a6:"a6-1" OR b6:"b6-1" OR shared:"shared-1"'), limit: 100 });
      const expected = [...entries(['a6'], 0), ...entries(['b1', 'b2', 'b3', 'b4', 'b5'], 0), ...entries(['shared', 'b6'], 0), ...entries(['a1', 'a2', 'shared'], 0)]
        .map((entry) => entry.value.toString()).filter((text) => /"(a6|b6|shared)":"\w+-1"/.test(text));
      assert.deepEqual(found.hits.map((hit) => hit.bodyJson).sort(), expected.sort(), 'fields typed or in the rest are found, bodies byte for byte');
    } finally {
      await reopened.close();
    }
    const columns = await inStoreFile(dir, (run) => run('SELECT path FROM store_columns ORDER BY name'));
    assert.deepEqual(columns.map((row) => JSON.parse(String(row[0]))[0]).sort(), ['a1', 'a2', 'a3', 'a4', 'a5', 'b1', 'b2', 'b3', 'b4', 'b5', 'shared']);
  }));

  test('streams within their budgets stop at the table\'s ceiling; a shape of existing columns is still learned', withTempDir('column-ceiling-', async (dir) => {
    const half = MAX_TABLE_COLUMNS / 2;
    const fields = (prefix: string, count: number) => Array.from({ length: count }, (_, i) => `${prefix}${i}`);
    const store = await DuckDbStore.open(dir, { maxColumnsPerStream: half + 1 });
    let offset = 0;
    const write = (stream: string, names: string[]) => store.write([{ stream, partition: 0, entries: entries(names, (offset += 20) - 20) }]);
    try {
      await write('x', fields('x', half));
      await write('y', fields('y', half)); // the table is full
      await write('z', ['z0']); // z's first column: within z's budget, over the table's
      await write('z', fields('x', 3)); // columns the table has
    } finally {
      await store.close();
    }
    const rows = await inStoreFile(dir, (run) => run(`SELECT stream, count(*) FILTER (WHERE raw IS NULL AND rest IS NULL), count(rest), count(raw) FROM records GROUP BY stream ORDER BY stream`));
    assert.deepEqual(rows.map((row) => row.map(String)), [['x', '20', '0', '0'], ['y', '20', '0', '0'], ['z', '20', '20', '0']], 'z0, past the table\'s ceiling, is in its rows\' rest');
    const [[columns]] = await inStoreFile(dir, (run) => run('SELECT count(*) FROM store_columns')) as [[bigint]];
    assert.equal(Number(columns), MAX_TABLE_COLUMNS);
  }));
});
