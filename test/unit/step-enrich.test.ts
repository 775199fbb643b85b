import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { enrichStep, type EnrichOptions } from '../../src/pipelines/steps/enrich/enrich.ts';
import { parseCsv } from '../../src/pipelines/steps/enrich/csv.ts';
import type { LookupOptions } from '../../src/pipelines/steps/enrich/lookup.ts';
import type { PipelineRecord, StepResult } from '../../src/pipelines/step.ts';

const context = { now: () => 0 };
const rec = (body: Record<string, unknown>, offset = 0): PipelineRecord => ({ body, origin: { topic: 't', partition: 0, offset, ingestedAt: 0 } });

async function run(options: EnrichOptions, records: PipelineRecord[]): Promise<StepResult> {
  const step = await enrichStep.create(options, context);
  return step.process(records);
}

let dir: string;
const file = (name: string): string => join(dir, name);

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'enrich-'));
  await writeFile(file('customers.csv'), 'id,name,tier,note\r\ncust_1,Acme,gold,"says ""hi"", twice"\r\ncust_2,Globex,silver,"two\nlines"\r\n42,Numeric,bronze,\r\n');
  await writeFile(file('devices.json'), JSON.stringify([
    { did: 'd1', profile: { os: 'android', tags: ['a'] }, year: 2021 },
    { did: 'd2', profile: { os: 'ios' } },
  ]));
  await writeFile(file('dupes.csv'), 'id,v\na,1\nb,2\na,3\n');
  await writeFile(file('ragged.csv'), 'id,v\na,1\nb\n');
  await writeFile(file('empty.csv'), '');
  await writeFile(file('notarray.json'), '{"id":1}');
  await writeFile(file('table.txt'), 'id\n');
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('enrich step: options schema', () => {
  const validate = new Ajv({ strict: false, useDefaults: true }).compile(enrichStep.options);
  it('accepts the operations, refuses nothing to do and unknown keys, fills onMissing', () => {
    const options: EnrichOptions = { lookup: [{ file: 'x.csv', key: 'k', match: 'id', fields: { a: 'b' } }] };
    assert.ok(validate(options));
    assert.equal(options.lookup![0]!.onMissing, 'pass');
    assert.ok(validate({ set: { 'a.b': { any: ['json'] } }, rename: { a: 'b' }, copy: { a: 'c' }, remove: ['d'] }));
    assert.ok(!validate({}));
    assert.ok(!validate({ derive: { a: 'b + c' } }));
    assert.ok(!validate({ rename: { a: '' } }));
    assert.ok(!validate({ lookup: [{ file: 'x.csv', key: 'k', match: 'id', fields: {} }] }));
    assert.ok(!validate({ lookup: [{ file: 'x.csv', key: 'k', match: 'id', fields: { a: 'b' }, onMissing: 'drop' }] }));
  });
});

describe('enrich step: set, rename, copy, remove', () => {
  it('applies each operation on dotted paths', async () => {
    const result = await run({
      set: { env: 'prod', 'meta.version': 2, 'meta.tags': ['x'] },
      rename: { msg: 'message', 'ctx.user': 'user.id' },
      copy: { 'user.id': 'actor' },
      remove: ['secret', 'ctx'],
    }, [rec({ msg: 'hi', ctx: { user: 'u1', other: 1 }, secret: 's', meta: { keep: true } })]);
    assert.deepEqual(result.rejected, []);
    assert.deepEqual(result.records[0]!.body, {
      message: 'hi', user: { id: 'u1' }, actor: 'u1', env: 'prod', meta: { keep: true, version: 2, tags: ['x'] },
    });
  });

  it('runs in the fixed order rename → copy → set → lookup → remove, whatever the order in config', async () => {
    const result = await run({
      remove: ['b'],
      set: { c: 'set', d: 'default' },
      copy: { b: 'c' },
      rename: { a: 'b' },
      lookup: [{ file: file('customers.csv'), key: 'b', match: 'id', fields: { d: 'name' } }],
    }, [rec({ a: 'cust_1' }), rec({ a: 'unknown' })]);
    // rename a→b, then copy b→c, then set overwrites c, the lookup by b overrides the default d, b is removed last
    assert.deepEqual(result.records.map((r) => r.body), [{ c: 'set', d: 'Acme' }, { c: 'set', d: 'default' }]);
  });

  it('leaves missing sources alone', async () => {
    const result = await run({ rename: { nope: 'x' }, copy: { nada: 'y' }, remove: ['none', 'a.b.c'] }, [rec({ a: 1 })]);
    assert.deepEqual(result.records[0]!.body, { a: 1 });
  });

  it('never changes the input record nor shares objects between records or with the config', async () => {
    const set = { 'meta.list': [1] };
    const input = { meta: { keep: { deep: 1 } }, obj: { x: 1 } };
    const snapshot = structuredClone(input);
    const step = await enrichStep.create({ set, copy: { obj: 'objCopy' }, rename: { 'meta.keep': 'kept' } }, context);
    const { records } = await step.process([rec(input), rec(structuredClone(input))]);
    assert.deepEqual(input, snapshot);
    ((records[0]!.body.meta as Record<string, unknown[]>).list!).push(2);
    ((records[0]!.body.objCopy as Record<string, number>).x) = 9;
    assert.deepEqual((records[1]!.body.meta as Record<string, unknown>).list, [1]);
    assert.deepEqual(set, { 'meta.list': [1] });
    assert.deepEqual(records[0]!.body.obj, { x: 1 });
  });

  it('rejects a record where a write meets a field that is not an object, keeping its original body', async () => {
    const input = { meta: 'text', n: 1 };
    const result = await run({ set: { 'meta.version': 2, n: 2 } }, [rec(input, 3), rec({ n: 1 }, 4)]);
    assert.deepEqual(result.rejected, [{ record: rec(input, 3), reason: "cannot set 'meta.version': a field on its way is not an object" }]);
    assert.deepEqual(result.records.map((r) => r.body), [{ n: 2, meta: { version: 2 } }]);
  });

  it('cannot be steered into a prototype', async () => {
    const result = await run({ set: { '__proto__.polluted': true }, copy: { a: 'constructor.prototype.x' } }, [rec({ a: 1 })]);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.equal((Object.prototype as Record<string, unknown>).x, undefined);
    assert.equal(Object.getPrototypeOf(result.records[0]!.body), Object.prototype);
  });

  it('refuses a path with an empty segment at create, naming it', async () => {
    await assert.rejects(enrichStep.create({ rename: { 'a..b': 'c' } }, context) as Promise<unknown>, /rename from 'a\.\.b' is not a field path/);
    await assert.rejects(enrichStep.create({ remove: ['.x'] }, context) as Promise<unknown>, /remove '\.x' is not a field path/);
  });
});

describe('enrich step: lookup', () => {
  it('adds columns of the matching CSV row (quoted fields, CRLF, keys compared as text)', async () => {
    const result = await run({ lookup: [{ file: file('customers.csv'), key: 'customer_id', match: 'id', fields: { 'customer.name': 'name', 'customer.tier': 'tier', note: 'note' } }] },
      [rec({ customer_id: 'cust_1' }), rec({ customer_id: 'cust_2' }), rec({ customer_id: 42 }), rec({ customer_id: 'cust_9' }), rec({ other: 1 })]);
    assert.deepEqual(result.rejected, []);
    assert.deepEqual(result.records.map((r) => r.body), [
      { customer_id: 'cust_1', customer: { name: 'Acme', tier: 'gold' }, note: 'says "hi", twice' },
      { customer_id: 'cust_2', customer: { name: 'Globex', tier: 'silver' }, note: 'two\nlines' },
      { customer_id: 42, customer: { name: 'Numeric', tier: 'bronze' }, note: '' },
      { customer_id: 'cust_9' },
      { other: 1 },
    ]);
  });

  it('adds typed values and objects from a JSON file, by a nested key; a row without a column writes nothing', async () => {
    const result = await run({ lookup: [{ file: file('devices.json'), key: 'context.did', match: 'did', fields: { 'device.os': 'profile.os', 'device.profile': 'profile', 'device.year': 'year' } }] },
      [rec({ context: { did: 'd1' } }), rec({ context: { did: 'd2' } })]);
    assert.deepEqual(result.records.map((r) => r.body.device), [
      { os: 'android', profile: { os: 'android', tags: ['a'] }, year: 2021 },
      { os: 'ios', profile: { os: 'ios' } },
    ]);
  });

  it("with onMissing: 'reject', rejects a record whose key matches nothing, with the reason", async () => {
    const lookup = [{ file: file('customers.csv'), key: 'customer_id', match: 'id', fields: { name: 'name' }, onMissing: 'reject' as const }];
    const result = await run({ lookup }, [rec({ customer_id: 'cust_1' }, 0), rec({ customer_id: 'cust_9' }, 1), rec({ customer_id: { x: 1 } }, 2), rec({}, 3)]);
    assert.deepEqual(result.records.map((r) => r.body), [{ customer_id: 'cust_1', name: 'Acme' }]);
    assert.deepEqual(result.rejected.map((r) => [r.record.origin.offset, r.reason]), [
      [1, `lookup in '${file('customers.csv')}': no row matches customer_id 'cust_9'`],
      [2, `lookup in '${file('customers.csv')}': the record has no usable 'customer_id'`],
      [3, `lookup in '${file('customers.csv')}': the record has no usable 'customer_id'`],
    ]);
  });

  it('fails at create naming the file, the column or the line', async () => {
    const base = { key: 'k', match: 'id', fields: { a: 'name' } };
    const cases: Array<[LookupOptions, RegExp]> = [
      [{ ...base, file: file('missing.csv') }, /missing\.csv': cannot read the file \(ENOENT\)/],
      [{ ...base, file: file('customers.csv'), match: 'ID' }, /no column 'ID' in the file \(it has: id, name, tier, note\)/],
      [{ ...base, file: file('customers.csv'), fields: { a: 'nme' } }, /no column 'nme'/],
      [{ ...base, file: file('devices.json'), match: 'did', fields: { a: 'nothing.here' } }, /no column 'nothing\.here' in the file \(it has: did, profile, year\)/],
      [{ ...base, file: file('dupes.csv'), fields: { a: 'v' } }, /'id' = 'a' appears twice \(line 2 and line 4\)/],
      [{ ...base, file: file('ragged.csv'), fields: { a: 'v' } }, /line 3 has 1 fields, the header 2/],
      [{ ...base, file: file('empty.csv') }, /the file is empty/],
      [{ ...base, file: file('notarray.json') }, /must hold a JSON array of objects/],
      [{ ...base, file: file('table.txt') }, /must end in \.json or \.csv/],
    ];
    for (const [lookup, message] of cases) {
      await assert.rejects(enrichStep.create({ lookup: [lookup] }, context) as Promise<unknown>, message, String(message));
    }
  });

  it('speed sanity: 100k records through a lookup and a set (printed, not asserted)', async () => {
    const step = await enrichStep.create({ set: { env: 'prod' }, lookup: [{ file: file('customers.csv'), key: 'customer_id', match: 'id', fields: { 'customer.tier': 'tier' } }] }, context);
    const records = Array.from({ length: 100_000 }, (_, i) => rec({ customer_id: `cust_${i % 3}`, status_code: 200, duration: 0.1, timestamp: '2024-09-25 05:42:20' }, i));
    const started = performance.now();
    const result = await step.process(records);
    const ms = performance.now() - started;
    assert.equal(result.records.length, 100_000);
    console.log(`enrich: 100k records in ${ms.toFixed(0)} ms (${Math.round(100_000 / (ms / 1000))} records/s)`);
  });
});

describe('enrich step: CSV reader (RFC 4180)', () => {
  it('reads quoted fields with commas, quotes and line breaks, CRLF or LF, a BOM and blank lines', () => {
    const rows = parseCsv('\ufeffa,b,c\r\n"1,5","say ""x""","multi\r\nline"\n\n,,\n"",x,\n');
    assert.deepEqual(rows, [
      { line: 1, fields: ['a', 'b', 'c'] },
      { line: 2, fields: ['1,5', 'say "x"', 'multi\r\nline'] },
      { line: 5, fields: ['', '', ''] },
      { line: 6, fields: ['', 'x', ''] },
    ]);
    assert.deepEqual(parseCsv('a,b'), [{ line: 1, fields: ['a', 'b'] }]);
    assert.deepEqual(parseCsv('é,🌍\n'), [{ line: 1, fields: ['é', '🌍'] }]);
  });

  it('refuses malformed quoting, naming the line', () => {
    assert.throws(() => parseCsv('a\n"open'), /line 2: a quoted field is not closed/);
    assert.throws(() => parseCsv('a\n"x"y'), /line 2: text after the closing quote/);
    assert.throws(() => parseCsv('a\nx"y'), /line 2: a quote inside a field/);
  });
});
