import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Ajv } from 'ajv';
import { parseStep, type ParseOptions } from '../../src/pipelines/steps/parse/parse.ts';
import { compilePattern } from '../../src/pipelines/steps/parse/pattern.ts';
import type { PipelineRecord, StepResult } from '../../src/pipelines/step.ts';
import { eventTime } from '../../src/record/time.ts';

const context = { now: () => 0 };
const origin = { topic: 'api_requests', partition: 0, offset: 0, ingestedAt: 0 };
const rec = (body: Record<string, unknown>, offset = 0): PipelineRecord => ({ body, origin: { ...origin, offset } });
const line = (text: string, offset = 0): PipelineRecord => rec({ message: text }, offset);

async function run(options: ParseOptions, records: PipelineRecord[]): Promise<StepResult> {
  const step = await parseStep.create(options, context);
  return step.process(records);
}

// seed 004's line: its processor's names (customer_id, request_path, status_code, duration in seconds)
const SEED = '%{date:timestamp} %{word:customer_id} %{path:request_path} %{int:status_code} %{float:duration}';

describe('parse step: options schema', () => {
  const validate = new Ajv({ strict: false }).compile(parseStep.options);
  it('accepts json and pattern options, refuses the mixed or incomplete', () => {
    assert.ok(validate({ format: 'json' }));
    assert.ok(validate({ format: 'pattern', pattern: SEED }));
    assert.ok(validate({ format: 'pattern', pattern: SEED, field: 'log.line' }));
    assert.ok(!validate({ format: 'pattern' }));
    assert.ok(!validate({ format: 'json', pattern: SEED }));
    assert.ok(!validate({ format: 'xml' }));
    assert.ok(!validate({ format: 'json', extra: 1 }));
  });
});

describe('parse step: json', () => {
  it('turns a text line holding a JSON object into the body', async () => {
    const result = await run({ format: 'json' }, [line('{"level":"info","n":1,"a":{"b":[1,2]}}', 7)]);
    assert.deepEqual(result.rejected, []);
    assert.deepEqual(result.records, [{ body: { level: 'info', n: 1, a: { b: [1, 2] } }, origin: { ...origin, offset: 7 } }]);
  });

  it('passes a body that already is an object from JSON ingest unchanged', async () => {
    const body = { message: '{"not":"parsed"}', level: 'warn' };
    const record = rec(body);
    const result = await run({ format: 'json' }, [record, rec({ n: 1 }), rec({ message: 42 })]);
    assert.equal(result.records[0], record);
    assert.deepEqual(result.records.map((r) => r.body), [body, { n: 1 }, { message: 42 }]);
  });

  it('rejects bad lines with the reason, keeping the batch order of the rest', async () => {
    const result = await run({ format: 'json' }, [
      line('{"ok":1}', 0), line('{"broken":', 1), line('[1,2]', 2), line('"text"', 3), line('null', 4), line('', 5), line('{"ok":2}', 6),
    ]);
    assert.deepEqual(result.records.map((r) => r.body), [{ ok: 1 }, { ok: 2 }]);
    assert.deepEqual(result.rejected.map((r) => r.record.origin.offset), [1, 2, 3, 4, 5]);
    assert.match(result.rejected[0]!.reason, /^message is not valid JSON: /);
    assert.equal(result.rejected[1]!.reason, 'message is JSON an array, not an object');
    assert.equal(result.rejected[2]!.reason, 'message is JSON a string, not an object');
    assert.equal(result.rejected[3]!.reason, 'message is JSON null, not an object');
    assert.equal(result.rejected[1]!.record.body.message, '[1,2]', 'the rejected record is the original');
  });

  it('applies the record limits to what it parses, and keeps reasons short for huge lines', async () => {
    const deep = '{"a":'.repeat(100) + '1' + '}'.repeat(100);
    const huge = '{"x":"' + 'y'.repeat(1 << 20);
    const result = await run({ format: 'json' }, [line(deep), line(huge)]);
    assert.equal(result.rejected[0]!.reason, 'message JSON has nesting deeper than 64 levels');
    assert.ok(result.rejected[1]!.reason.length <= 300);
  });

  it('keeps __proto__ as data, never as a prototype', async () => {
    const result = await run({ format: 'json' }, [line('{"__proto__":{"polluted":true}}')]);
    const body = result.records[0]!.body;
    assert.equal(Object.getPrototypeOf(body), Object.prototype);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });
});

describe('parse step: pattern', () => {
  it("parses seed 004's line into typed fields; the time is kept as written and reads as UTC", async () => {
    const result = await run({ format: 'pattern', pattern: SEED }, [line('2024-09-25 05:42:20 cust_42 /api/orders 200 0.123')]);
    assert.deepEqual(result.rejected, []);
    const body = result.records[0]!.body;
    assert.deepEqual(body, { timestamp: '2024-09-25 05:42:20', customer_id: 'cust_42', request_path: '/api/orders', status_code: 200, duration: 0.123 });
    assert.equal(eventTime(body), Date.UTC(2024, 8, 25, 5, 42, 20));
  });

  it('parses every line of the seed sample shape, CRLF and surrounding spaces included', async () => {
    const lines = ['2024-09-18 01:43:13 cust_39 /api/v1/resource1 403 1.709\r', '  2024-09-04 03:36:09 cust_18 /api/v1/resource1 200 0.265  '];
    const result = await run({ format: 'pattern', pattern: SEED }, lines.map((text) => line(text)));
    assert.deepEqual(result.records.map((r) => [r.body.status_code, r.body.duration]), [[403, 1.709], [200, 0.265]]);
  });

  it('takes runs of spaces and tabs where the pattern has a space', async () => {
    const result = await run({ format: 'pattern', pattern: SEED }, [line('2024-09-25 05:42:20 \t cust_42    /api/orders  200\t0.123')]);
    assert.equal(result.records[0]!.body.status_code, 200);
  });

  it('names where a line fails, and what it expected', async () => {
    const bad = ['2024-09-25 05:42:20 cust_42 /api/orders OK 0.123', '2024-09-25 05:42:20 cust_42', '2024-09-25 05:42:20 cust_42 /api/orders 200 0.123 extra', 'garbage', ''];
    const result = await run({ format: 'pattern', pattern: SEED }, bad.map((text, i) => line(text, i)));
    assert.equal(result.records.length, 0);
    assert.deepEqual(result.rejected.map((r) => r.reason), [
      "line does not match the pattern at character 41: expected %{int:status_code} (an integer), found 'OK 0.123'",
      'line does not match the pattern at character 28: expected a space, found the end of the line',
      "line has more text than the pattern at character 50: ' extra'",
      "line does not match the pattern at character 1: expected %{date:timestamp} (a date and time YYYY-MM-DD HH:MM:SS), found 'garbage'",
      'line does not match the pattern at character 1: expected %{date:timestamp} (a date and time YYYY-MM-DD HH:MM:SS), found the end of the line',
    ]);
    assert.deepEqual(result.rejected.map((r) => r.record.origin.offset), [0, 1, 2, 3, 4]);
  });

  it('rejects values of the right shape that are not real: dates, huge integers, IPs', async () => {
    const result = await run({ format: 'pattern', pattern: '%{date:t} %{int:n} %{ip:ip}' }, [
      line('2024-02-30 00:00:00 1 1.2.3.4'), line('2024-02-28 00:00:00 99999999999999999999 1.2.3.4'), line('2024-02-28 00:00:00 1 999.1.1.1'),
    ]);
    assert.deepEqual(result.rejected.map((r) => r.reason), [
      "field 't': '2024-02-30 00:00:00' is not a valid date and time",
      "field 'n': '99999999999999999999' is beyond the integers a number holds exactly",
      "field 'ip': '999.1.1.1' is not an IP address",
    ]);
    const dates = await run({ format: 'pattern', pattern: '%{date:t}' }, ['2024-02-29 23:59:59', '2023-02-29 00:00:00', '2024-01-01 24:00:00', '2024-13-01 00:00:00', '2024-09-25T05:42:20.123+02:00', '2024-09-25 05:42:20+25:00'].map((text) => line(text)));
    assert.deepEqual(dates.records.map((r) => r.body.t), ['2024-02-29 23:59:59', '2024-09-25T05:42:20.123+02:00']);
    assert.equal(dates.rejected.length, 4);
  });

  it('handles unicode, hostile and very long lines in linear time', async () => {
    const step = await parseStep.create({ format: 'pattern', pattern: '%{word:user} said: %{rest:text}' }, context);
    const ok = await step.process([line('Zoë said: héllo 🌍 wörld'), line('名前 said: 你好')]);
    assert.deepEqual(ok.records.map((r) => r.body), [{ user: 'Zoë', text: 'héllo 🌍 wörld' }, { user: '名前', text: '你好' }]);

    const overlapping = await parseStep.create({ format: 'pattern', pattern: '%{notspace:a}:%{notspace:b}:%{notspace:c}:%{int:d}' }, context);
    const hostile = [':'.repeat(200_000), 'a:'.repeat(200_000) + 'x', ' '.repeat(500_000), 'é'.repeat(500_000)];
    const started = performance.now();
    const result = await overlapping.process(hostile.map((text) => line(text)));
    assert.equal(result.rejected.length, hostile.length);
    assert.ok(performance.now() - started < 2000, 'no catastrophic backtracking');
    for (const { reason } of result.rejected) assert.ok(reason.length <= 300, reason.slice(0, 100));
  });

  it('fields take the longest text their type allows (no backtracking)', async () => {
    const result = await run({ format: 'pattern', pattern: '%{ip:client}:%{int:port} %{notspace:x}' }, [line('10.0.0.1:8080 a:b'), line('::1:8080 a')]);
    assert.deepEqual(result.records.map((r) => r.body), [{ client: '10.0.0.1', port: 8080, x: 'a:b' }]);
    assert.match(result.rejected[0]!.reason, /expected ':'/);
  });

  it('reads another field, writes nested fields, keeps the rest of a JSON body and never changes the input', async () => {
    const body = { log: { line: 'GET /x 200', stream: 'stdout' }, host: 'h1' };
    const input = structuredClone(body);
    const result = await run({ format: 'pattern', pattern: '%{word:http.method} %{path:http.path} %{int:http.status}', field: 'log.line' }, [rec(input)]);
    assert.deepEqual(result.records[0]!.body, { log: { stream: 'stdout' }, host: 'h1', http: { method: 'GET', path: '/x', status: 200 } });
    assert.deepEqual(input, body);
  });

  it('rejects records without the text field, or with something else in it', async () => {
    const result = await run({ format: 'pattern', pattern: SEED }, [rec({ other: 1 }), rec({ message: 5 }), rec({ message: null })]);
    assert.deepEqual(result.rejected.map((r) => r.reason), ["field 'message' is missing", "field 'message' is number, not text", "field 'message' is null, not text"]);
  });

  it('a field named like the text field replaces it; an unnamed field matches without being kept', async () => {
    const result = await run({ format: 'pattern', pattern: '[%{word:level}] %{int} %{rest:message}' }, [line('[warn] 17 disk almost full')]);
    assert.deepEqual(result.records[0]!.body, { level: 'warn', message: 'disk almost full' });
  });

  it('escapes regex characters in literal text', async () => {
    const result = await run({ format: 'pattern', pattern: '(%{int:a}|%{int:b}).* $%{float:c}' }, [line('(1|2).* $3.5'), line('(1|2)xx $3.5')]);
    assert.deepEqual(result.records.map((r) => r.body), [{ a: 1, b: 2, c: 3.5 }]);
    assert.equal(result.rejected.length, 1);
  });

  it('refuses bad patterns at create, naming the problem', () => {
    const cases: Array<[string, RegExp]> = [
      ['%{time:t}', /unknown type 'time': use one of word, notspace, int, float, date, path, ip, rest/],
      ['%{int:a}%{int:b}', /needs text or a space between/],
      ['%{rest:a} %{int:b}', /must be the last thing/],
      ['%{int:a} %{int:a}', /field 'a' appears twice/],
      ['%{int:a..b}', /bad field name 'a..b'/],
      ['%{int:__proto__}', /bad field name/],
      ['%{int:a:b}', /more than a type and a name/],
      ['just text', /names no field/],
      ['%{int:a} %{word', /'%\{' at 10 is not closed/],
    ];
    for (const [pattern, message] of cases) assert.throws(() => compilePattern(pattern), message, pattern);
  });

  it('speed sanity: 100k seed lines (printed, not asserted)', async () => {
    const step = await parseStep.create({ format: 'pattern', pattern: SEED }, context);
    const records = Array.from({ length: 100_000 }, (_, i) =>
      line(`2024-09-${String(1 + (i % 28)).padStart(2, '0')} 05:42:${String(i % 60).padStart(2, '0')} cust_${i % 50} /api/v1/resource${i % 4} ${[200, 404, 500][i % 3]} ${(i % 1900 / 1000 + 0.1).toFixed(3)}`, i));
    const started = performance.now();
    const result = await step.process(records);
    const ms = performance.now() - started;
    assert.equal(result.records.length, 100_000);
    console.log(`parse pattern: 100k seed lines in ${ms.toFixed(0)} ms (${Math.round(100_000 / (ms / 1000))} lines/s)`);
  });
});
