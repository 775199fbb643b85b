import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { parseIngestBody, type BodyOptions } from '../../src/sources/http/json-body.ts';
import { IngestError } from '../../src/sources/http/ingest-error.ts';
import { DEFAULT_LIMITS } from '../../src/record/limits.ts';

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
