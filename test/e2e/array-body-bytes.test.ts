// A JSON array body end to end: each element is stored and found by search as the bytes it was
// sent as (a big integer is not rounded, `1.0` stays `1.0`), as an NDJSON line already is; a body
// with one bad element is refused naming it, and nothing of it is stored.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startInProcess, postJson, waitForTotal } from './harness.ts';

const ELEMENTS = [
  '{"message":"array bytes big","level":"info","orderId":12345678901234567890,"ratio":1.0,"scale":1E+2}',
  '{ "message" : "array bytes nested", "quote":"say \\"hi\\" \\u00e9 ✓", "matrix":[[1.50,[2.0]],{}], "ok":true }',
];

describe('JSON array bodies keep each element as the bytes that came', () => {
  let server: Awaited<ReturnType<typeof startInProcess>>;
  let url: string;

  before(async () => {
    server = await startInProcess();
    url = server.url;
  });
  after(() => server.cleanup());

  /** The search answer as text: each hit's record is spliced in as stored. */
  async function searchText(q: string): Promise<string> {
    const response = await fetch(`${url}/api/v1/search?limit=10&q=${encodeURIComponent(q)}`);
    assert.equal(response.status, 200);
    return response.text();
  }

  it('refuses a body with one bad element, naming it, and stores none of it', async () => {
    const refused = await postJson(`${url}/api/v1/logs`, '[{"message":"array bytes refused","n":1.0},\n {"message":"array bytes refused","n":tru}]');
    assert.equal(refused.status, 400, JSON.stringify(refused.body));
    assert.equal(refused.body.error.code, 'invalid_json');
    assert.match(refused.body.error.message, /^array element 1 is not valid JSON/);
    const scalar = await postJson(`${url}/api/v1/logs`, '[{"message":"array bytes refused"}, 12345678901234567890]');
    assert.equal(scalar.status, 400, JSON.stringify(scalar.body));
    assert.equal(scalar.body.error.code, 'not_an_object');
    assert.match(scalar.body.error.message, /^array element 1 is a number/);
  });

  it('finds each element of an array body with the text it was sent as', async () => {
    const body = `\ufeff[\n  ${ELEMENTS.join(' ,\n  ')}\n]\n`;
    const posted = await postJson(`${url}/api/v1/logs`, body);
    assert.deepEqual(posted, { status: 202, body: { accepted: 2 } });
    await waitForTotal(url, 2);
    const big = await searchText('"array bytes big"');
    assert.ok(big.includes(`"record":${ELEMENTS[0]}}`), `the record's body is the element as sent:\n${big}`);
    assert.match(big, /12345678901234567890/);
    assert.doesNotMatch(big, /12345678901234567000/);
    const nested = await searchText('"array bytes nested"');
    assert.ok(nested.includes(`"record":${ELEMENTS[1]}}`), `the record's body is the element as sent:\n${nested}`);
    assert.equal(JSON.parse(await searchText('"array bytes refused"')).total, 0, 'nothing of the refused bodies was stored');
  });
});
