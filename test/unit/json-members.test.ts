import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { objectMembers } from '../../src/sources/http/json-members.ts';
import { readEnvelope } from '../../src/presets/sunbird-telemetry/telemetry-routes.ts';

/** Each member's value as JSON.parse reads the byte range objectMembers gives it. */
function membersParsed(text: string): Record<string, unknown> | null {
  const bytes = Buffer.from(text);
  const members = objectMembers(bytes);
  if (!members) return null;
  return Object.fromEntries([...members].map(([key, range]) => [key, JSON.parse(bytes.toString('utf8', range.start, range.end)) as unknown]));
}

describe('objectMembers', () => {
  it('gives every member of any object the value JSON.parse gives it, compact or indented', () => {
    fc.assert(fc.property(fc.dictionary(fc.string(), fc.jsonValue()), fc.constantFrom(undefined, 2, '\t'), (object, indent) => {
      const text = JSON.stringify(object, null, indent);
      assert.deepEqual(membersParsed(text), JSON.parse(text));
    }), { numRuns: 500 });
  });

  it('reads escaped keys, braces inside strings, a last scalar, and keeps the last of a key given twice', () => {
    const text = ' { "ev\\u0065nts" : [ {"a":"}]"} ] , "s":"say \\"}\\"", "n": -1.5e3 ,"t":true, "dup": 1, "dup": {"x": null}, "z":0}';
    assert.deepEqual(membersParsed(text), { events: [{ a: '}]' }], s: 'say "}"', n: -1500, t: true, dup: { x: null }, z: 0 });
  });

  it('answers null for a value that is not an object', () => {
    assert.equal(objectMembers(Buffer.from('[{"a":1}]')), null);
    assert.equal(objectMembers(Buffer.from('"text"')), null);
  });
});

describe('the Sunbird envelope read from its members', () => {
  const cases: Array<[string, { problem?: string; msgid: string | null }]> = [
    ['{"id":"api.sunbird.telemetry","params":{"msgid":"m-1"},"events":[{"eid":"LOG"}]}', { msgid: 'm-1' }],
    ['{"events":[]}', { msgid: null }],
    ['{"params":{"msgid":"m-2"},"events":{"eid":"LOG"}}', { problem: 'events must be an array of telemetry events', msgid: 'm-2' }],
    ['{"params":{"msgid":"m-3"}}', { problem: 'the batch has no events array', msgid: 'm-3' }],
    ['{"params":"m-4","events":[]}', { problem: 'params must be an object', msgid: null }],
    ['{"params":null,"events":[]}', { problem: 'params must be an object', msgid: null }],
    ['{"params":{"msgid":7},"events":[],"events":null}', { problem: 'events must be an array of telemetry events', msgid: null }],
  ];
  for (const [body, expected] of cases) {
    it(`${body} → ${expected.problem ?? 'accepted'}`, () => {
      assert.deepEqual(readEnvelope(Buffer.from(body)), expected);
    });
  }
});
