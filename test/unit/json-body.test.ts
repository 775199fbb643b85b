import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { parseIngestBody, type BodyOptions } from '../../src/sources/http/json-body.ts';
import { IngestError } from '../../src/sources/http/ingest-error.ts';
import { checkShape, DEFAULT_LIMITS } from '../../src/record/limits.ts';
import { isPlainObject } from '../../src/record/normalize.ts';

const options = (contentType: string, extra: Partial<BodyOptions> = {}): BodyOptions =>
  ({ contentType, maxBodyBytes: 1024 * 1024, limits: DEFAULT_LIMITS, ...extra });

/** The records of a body, as text. */
async function parsed(body: Buffer | string, opts: BodyOptions): Promise<string[]> {
  return (await parseIngestBody(Buffer.from(body), opts)).map(String);
}

async function rejects(body: Buffer | string, opts: BodyOptions, status: number, pattern: RegExp): Promise<void> {
  await assert.rejects(parseIngestBody(Buffer.from(body), opts), (error: unknown) => {
    assert.ok(error instanceof IngestError, String(error));
    assert.equal(error.status, status);
    assert.match(error.message, pattern);
    return true;
  });
}

describe('ingest body parsing', () => {
  it('takes one object, an array or NDJSON', async () => {
    assert.deepEqual(await parsed(' {"a":1} ', options('application/json')), ['{"a":1}']);
    assert.deepEqual(await parsed('[{"a":1},{"b":2}]', options('application/json; charset=utf-8')), ['{"a":1}', '{"b":2}']);
    assert.deepEqual(await parsed('{"a":1}\r\n\n{"b":2}\n', options('application/x-ndjson')), ['{"a":1}', '{"b":2}']);
  });

  it('keeps each NDJSON line as the bytes that came, without a leading byte order mark', async () => {
    const line = '{ "msg" : "caf\u00e9 ✓" ,"n":[1, 2.5e3]}';
    assert.deepEqual(await parsed(`\ufeff${line}\r\n \t\n${line}`, options('application/x-ndjson')), [line, line]);
    // a line only the thorough path accepts (whitespace JSON does not know around it) is trimmed as before
    assert.deepEqual(await parsed('\u00a0{"a":1}\u00a0', options('application/x-ndjson')), ['{"a":1}']);
  });

  it('accepts NDJSON sent as application/json', async () => {
    assert.deepEqual(await parsed('{"a":1}\n{"b":2}', options('application/json')), ['{"a":1}', '{"b":2}']);
  });

  it('decompresses gzip and refuses a gzip bomb over the body limit', async () => {
    const gz = gzipSync('{"a":1}\n{"a":2}');
    assert.equal((await parsed(gz, options('application/x-ndjson', { contentEncoding: 'gzip' }))).length, 2);
    const bomb = gzipSync(Buffer.alloc(5 * 1024 * 1024, 0x20));
    await rejects(bomb, options('application/json', { contentEncoding: 'gzip' }), 413, /decompressed body is larger/);
    await rejects('not gzip', options('application/json', { contentEncoding: 'gzip' }), 400, /not valid gzip/);
  });

  it('names the NDJSON line that is bad, and accepts nothing of that body', async () => {
    await rejects('{"a":1}\n{"a":\n{"a":3}', options('application/x-ndjson'), 400, /^line 2 is not valid JSON/);
    await rejects('{"a":1}\n[1,2]', options('application/x-ndjson'), 400, /^line 2 is an array/);
  });

  it('refuses scalars, nulls, empty bodies, invalid UTF-8 and unknown content types', async () => {
    await rejects('42', options('application/json'), 400, /a number; each record must be a JSON object/);
    await rejects('[{"a":1}, null]', options('application/json'), 400, /array element 1 is null/);
    await rejects('   ', options('application/json'), 400, /empty/);
    await rejects('[]', options('application/json'), 400, /no records/);
    await rejects(Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]), options('application/json'), 400, /not valid UTF-8/);
    await rejects('<a/>', options('application/xml'), 415, /application\/x-ndjson/);
  });

  it('refuses deep nesting and records over the size limit', async () => {
    await rejects('['.repeat(100_000) + ']'.repeat(100_000), options('application/json'), 400, /not valid JSON|an array/);
    await rejects('{"a":'.repeat(70) + '1' + '}'.repeat(70), options('application/json'), 400, /nesting deeper than 64/);
    const big = JSON.stringify({ a: 'x'.repeat(2000) });
    await rejects(big, options('application/json', { limits: { ...DEFAULT_LIMITS, maxRecordBytes: 1000 } }), 413, /larger than 1000 bytes/);
  });
});

/** JSON objects as producers write them: spacing anywhere JSON allows, numbers and strings as printed. */
const space = fc.constantFrom('', '', ' ', '\n', '\t', '\r\n  ');
const scalarText = fc.oneof(
  fc.constantFrom('1.0', '-0.0', '12345678901234567890', '1E+2', '2.50', '1e400', 'true', 'false', 'null'),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => JSON.stringify(n)),
  fc.constantFrom('"say \\"hi\\""', '"\\\\"', '"\\u00e9\\ud83d\\ude80"', '"]},[{"', '"caf\u00e9 ✓"'),
  fc.string({ unit: 'grapheme', maxLength: 8 }).map((text) => JSON.stringify(text)),
);
const { object: objectText } = fc.letrec<{ value: string; object: string; array: string }>((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, scalarText, tie('object'), tie('array')),
  object: fc.tuple(space, fc.array(fc.tuple(fc.string({ maxLength: 4 }), space, space, tie('value'), space), { maxLength: 4 }))
    .map(([inner, members]) => `{${inner}${members.map(([key, a, b, value, c]) => `${JSON.stringify(key)}${a}:${b}${value}${c}`).join(',')}}`),
  array: fc.array(fc.tuple(space, tie('value')), { maxLength: 3 }).map((items) => `[${items.map(([a, value]) => `${a}${value}`).join(',')}]`),
}));
const arrayBody = fc.tuple(fc.array(objectText, { minLength: 1, maxLength: 5 }), fc.array(space, { minLength: 1, maxLength: 4 }))
  .map(([elements, spaces]) => {
    const at = (k: number) => spaces[k % spaces.length]!;
    return { elements, body: `${at(0)}[${at(1)}${elements.map((element, k) => `${element}${at(k + 2)}`).join(`,${at(3)}`)}]${at(1)}` };
  });

/** What the thorough path accepts of an array body: its elements when JSON.parse takes it as a non-empty array of objects within the limits. */
function thoroughArray(text: string): unknown[] | null {
  let value: unknown;
  try {
    value = JSON.parse(text.trim());
  } catch {
    return null;
  }
  if (!Array.isArray(value) || value.length === 0) return null;
  return value.every((item) => isPlainObject(item) && checkShape(item, DEFAULT_LIMITS) === null) ? value : null;
}

describe('JSON array bodies (each element kept as the bytes that came)', () => {
  const json = options('application/json');

  it('keeps a big integer, 1.0, escapes, nested arrays and spacing of every element byte for byte', async () => {
    const elements = [
      '{"id":12345678901234567890,"ratio":1.0,"e":1E+2,"small":-0.0}',
      '{ "q" : "say \\"hi\\" \\\\" , "u":"\\u00e9\\u2028\\ud83d\\ude80", "raw":"caf\u00e9 ✓" }',
      '{"nested":[[1,[2.50,{"deep":[]}]],{}],"t":true,"n":null,"tricky":"],[{"}',
    ];
    const body = `\r\n [\n\t${elements.join(' ,\n  ')}\n]\n`;
    assert.deepEqual(await parsed(body, json), elements);
    // with a byte order mark, gzip, or labelled text/plain, the same bytes
    assert.deepEqual(await parsed(`\ufeff${body}`, json), elements);
    assert.deepEqual(await parsed(gzipSync(body), options('application/json', { contentEncoding: 'gzip' })), elements);
    assert.deepEqual(await parsed(body, options('text/plain')), elements);
  });

  it('keeps a single object body as it came too', async () => {
    const object = '{ "id" : 12345678901234567890, "ratio": 1.0 }';
    assert.deepEqual(await parsed(`\ufeff \n${object}\r\n`, json), [object]);
  });

  it('stores every element of any array of objects as its own bytes, in order', async () => {
    await fc.assert(fc.asyncProperty(arrayBody, async ({ elements, body }) => {
      assert.deepEqual(await parsed(body, json), elements);
    }), { numRuns: 1000 });
  });

  it('accepts a mutated array body exactly when the thorough path does, as slices of the body (differential)', async () => {
    const edit = fc.tuple(fc.nat(), fc.constantFrom('"', '\\', ',', ':', '{', '}', '[', ']', '-', '.', 'e', '0', ' ', '\n', 'u', 'n', 'x', '\u0001', '\u00a0'), fc.nat(2));
    let refused = 0;
    await fc.assert(fc.asyncProperty(arrayBody, fc.array(edit, { minLength: 1, maxLength: 3 }), async ({ body }, edits) => {
      let text = body;
      for (const [position, inserted, kind] of edits) {
        const at = position % (text.length + 1);
        text = kind === 0 ? text.slice(0, at) + text.slice(at + 1)
          : kind === 1 ? text.slice(0, at) + inserted + text.slice(at) : text.slice(0, at) + inserted + text.slice(at + 1);
      }
      text = Buffer.from(text).toString(); // as the bytes go over the wire (an edit may split a surrogate pair)
      if (!text.trimStart().startsWith('[')) return;
      const expected = thoroughArray(text);
      let records: string[] | null = null;
      try {
        records = await parsed(text, json);
      } catch (error) {
        assert.ok(error instanceof IngestError, String(error));
        assert.ok(error.status === 400 || error.status === 413, error.message);
      }
      assert.equal(records !== null, expected !== null, `${JSON.stringify(text)}: accepted ${records !== null}, thorough ${expected !== null}`);
      if (!records) {
        refused++;
        return;
      }
      assert.deepEqual(records.map((record) => JSON.parse(record)), expected);
      let from = 0;
      for (const record of records) {
        const at = text.indexOf(record, from);
        assert.ok(at >= from, `${JSON.stringify(record)} is a slice of ${JSON.stringify(text)} after ${from}`);
        from = at + record.length;
      }
    }), { numRuns: 3000 });
    assert.ok(refused > 500, `the edits should break many bodies, broke ${refused}`);
  });

  it('refuses a body with a bad element naming its index and the problem, and accepts none of it', async () => {
    await rejects('[{"a":1}, 5]', json, 400, /^array element 1 is a number; each record must be a JSON object/);
    await rejects('[{"a":1}, "s"]', json, 400, /^array element 1 is a string/);
    await rejects('[{"a":1},[{"b":2}]]', json, 400, /^array element 1 is an array/);
    await rejects('[{"a":1}, {"b":tru}]', json, 400, /^array element 1 is not valid JSON: /);
    await rejects('[{"a":1}, nul]', json, 400, /^array element 1 is not valid JSON: /);
    await rejects('[{"a":1},{"b":"\\x"}]', json, 400, /^array element 1 is not valid JSON: /);
    await rejects('[{"a":1},]', json, 400, /^the body is not valid JSON: array element 1 is missing: '\]' at byte 9/);
    await rejects('[{"a":1}\n{"b":2}]', json, 400, /^the body is not valid JSON: expected ',' or '\]' after array element 0, found '\{' at byte 9/);
    await rejects('[{"a":1},\n{"b":"open]', json, 400, /^the body is not valid JSON: the body ends inside array element 1/);
    await rejects('[{"a":1},{"b":2}', json, 400, /^the body is not valid JSON: the body ends after array element 1, without '\]'/);
    await rejects('[{"a":1}] x', json, 400, /^the body is not valid JSON: /);
    await rejects('[{"a":1}]\n[{"b":2}]', json, 400, /^line 1 is an array/);
    const limits = { ...DEFAULT_LIMITS, maxDepth: 3, maxFields: 3, maxRecordBytes: 40 };
    await rejects('[{"a":1},{"a":{"b":{"c":{}}}}]', options('application/json', { limits }), 400, /^array element 1 breaks a limit: nesting deeper than 3 levels/);
    await rejects('[{"a":1},{"a":1,"b":2,"c":3,"d":4}]', options('application/json', { limits }), 400, /^array element 1 breaks a limit: more than 3 fields/);
    await rejects(`[{"a":1},{"a":"${'x'.repeat(40)}"}]`, options('application/json', { limits }), 413, /^array element 1 is larger than 40 bytes/);
  });

  it('takes an element only the thorough path accepts, still as its bytes', async () => {
    // duplicate keys the scanner counts past maxFields, while JSON.parse keeps one
    const limits = { ...DEFAULT_LIMITS, maxFields: 2 };
    assert.deepEqual(await parsed('[{"a":1.0,"a":2.0,"a":3.0}]', options('application/json', { limits })), ['{"a":1.0,"a":2.0,"a":3.0}']);
    // whitespace JSON does not know around the array, which String.prototype.trim removes as before
    assert.deepEqual(await parsed('\u00a0[ {"n":12345678901234567890} ]\u2028', json), ['{"n":12345678901234567890}']);
  });

  it('refuses an empty array as before', async () => {
    await rejects('[]', json, 400, /no records/);
    await rejects(' [ \r\n ] ', json, 400, /no records/);
  });
});
