// Any value a producer can send is either refused at ingest with a 4xx naming it, or stored: an
// acknowledged record becomes searchable in its stream or, when the store cannot take it, in the
// dead-letter stream with the reason; it never holds back the records after it.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { startInProcess, postJson, getJson, waitFor } from './harness.ts';
import { TIME_FIELDS } from '../../src/record/time.ts';
import { LEVEL_FIELDS } from '../../src/record/level.ts';
import { MESSAGE_FIELDS } from '../../src/record/message.ts';

const PROBE = '__probe__';
const ndjson = { 'content-type': 'application/x-ndjson' };

/** JSON text of a value, numbers as a producer may print them (past double range, past 2^53, exponents). */
const hostileNumber = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => JSON.stringify(n)),
  fc.bigInt({ min: -(2n ** 256n), max: 2n ** 256n }).map(String),
  fc.constantFrom('1e30', '-1e30', '1e308', '1.7976931348623157e308', '5e-324', '-0', '1.0', '9007199254740993', '1E+400'),
);
const hostileString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.date({ noInvalidDate: true }).map((date) => date.toISOString()),
  fc.constantFrom('2024-09-25 05:42:20', '0000-00-00T00:00:00Z', '9999-12-31T23:59:59.999Z', '10000-01-01T00:00:00Z', '-000001-01-01T00:00:00Z',
    'Sep 15 2023 08:00:00', '1e30', 'NaN', '', ' error ', 'ERROR', '\u0000', '\ud800'),
).map((text) => JSON.stringify(text));
const hostileValue: fc.Arbitrary<string> = fc.letrec<{ value: string }>((tie) => ({
  value: fc.oneof({ depthSize: 'small' },
    hostileNumber, hostileString, fc.constantFrom('true', 'false', 'null'),
    fc.array(tie('value'), { maxLength: 4 }).map((items) => `[${items.join(',')}]`),
    fc.array(fc.tuple(fc.string({ maxLength: 6 }), tie('value')), { maxLength: 4 }).map(objectText)),
})).value;
const hostileKey = fc.oneof(fc.constantFrom(...TIME_FIELDS, ...LEVEL_FIELDS, ...MESSAGE_FIELDS, 'a.b', '', 'metadata'), fc.string({ unit: 'binary', maxLength: 8 }));

function objectText(entries: Array<[string, string]>): string {
  return `{${entries.map(([key, value]) => `${JSON.stringify(key)}:${value}`).join(',')}}`;
}

/** Records of a few hostile fields (keys may repeat), each ending with its probe. */
const hostileRecord = fc.array(fc.tuple(hostileKey, hostileValue), { maxLength: 6 });

describe('records the store cannot take', () => {
  let server: Awaited<ReturnType<typeof startInProcess>>;
  let url: string;
  let probes = 0;

  before(async () => { server = await startInProcess(); url = server.url; });
  after(() => server.cleanup());

  /** Probes of the acknowledged records found in `stream`, by search. */
  async function storedProbes(stream: string, fromDeadLetters: boolean): Promise<string[]> {
    const { body } = await getJson(`${url}/api/v1/search?stream=${stream}&limit=10000&total=false`);
    return body.hits.map((hit: { record: Record<string, unknown> }) => {
      const record = fromDeadLetters ? JSON.parse(String(hit.record.record)) : hit.record;
      return String(record[PROBE]);
    });
  }

  /** Posts the lines as NDJSON; a refused batch is posted line by line to learn which are refused. */
  async function ingest(lines: string[]): Promise<string[]> {
    const all = await postJson(`${url}/api/v1/logs`, lines.join('\n'), ndjson);
    if (all.status === 202) return lines;
    const acknowledged: string[] = [];
    for (const line of lines) {
      const one = await postJson(`${url}/api/v1/logs`, line, ndjson);
      if (one.status === 202) acknowledged.push(line);
      else assert.ok(one.status >= 400 && one.status < 500 && one.body.error.message, `refused without a 4xx naming the problem: ${line}`);
    }
    return acknowledged;
  }

  it('stores a record whose time no clock can show, and the records after it', async () => {
    const response = await postJson(`${url}/api/v1/logs?stream=far`, '{"message":"x","timestamp":1e30}\n{"message":"after"}', ndjson);
    assert.equal(response.status, 202);
    const hits = await waitFor(async () => {
      const { body } = await getJson(`${url}/api/v1/search?stream=far`);
      return body.total === 2 ? body.hits : undefined;
    }, 10_000, 'both records to be searchable');
    assert.deepEqual(hits.map((hit: { record: { message: string } }) => hit.record.message).sort(), ['after', 'x']);
  });

  it('makes every acknowledged record of generated hostile values searchable or dead-lettered, once', async () => {
    const expected = new Set<string>();
    await fc.assert(fc.asyncProperty(fc.array(hostileRecord, { minLength: 1, maxLength: 12 }), async (records) => {
      const lines = records.map((fields) => objectText([...fields, [PROBE, JSON.stringify(`p${++probes}`)]]));
      for (const line of await ingest(lines)) expected.add(String(JSON.parse(line)[PROBE]));
      await waitFor(async () => {
        const found = [...await storedProbes('logs', false), ...await storedProbes('_dead_letters', true)];
        return found.length >= expected.size ? found : undefined;
      }, 10_000, `${expected.size} acknowledged records to be searchable or dead-lettered`).then((found) => {
        assert.equal(found.length, expected.size, 'a record stored twice');
        assert.deepEqual(new Set(found), expected);
      });
    }), { numRuns: 40, endOnFailure: true });
    assert.ok(expected.size > 100, `only ${expected.size} records were acknowledged`);
  });
});
