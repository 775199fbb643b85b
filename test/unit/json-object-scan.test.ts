import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isJsonObjectWithinLimits, jsonObjectEnd, scanJsonArray } from '../../src/sources/http/json-object-scan.ts';
import { checkShape, DEFAULT_LIMITS, type RecordLimits } from '../../src/record/limits.ts';
import { isPlainObject } from '../../src/record/normalize.ts';

const scan = (text: string, limits: RecordLimits = DEFAULT_LIMITS): boolean => {
  const bytes = Buffer.from(text);
  return isJsonObjectWithinLimits(bytes, 0, bytes.length, limits);
};

/** What the thorough path decides: JSON.parse, a plain object, within the limits. */
function thoroughlyAccepted(text: string, limits: RecordLimits = DEFAULT_LIMITS): boolean {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return false;
  }
  return isPlainObject(value) && checkShape(value, limits) === null && Buffer.byteLength(text.trim()) <= limits.maxRecordBytes;
}

/** Seeded, so a failure is reproducible. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

const STRINGS = ['', 'plain', 'quote " and \\ backslash', 'tab\tnew\nline', 'ünïcödé ✓ 🚀', '\u0000\u001f', 'lone \ud800 surrogate', '</script>'];
const NUMBERS = [0, -0, 1, -1, 3.25, 1e21, 1.5e-7, 123456789012, -0.001];

function randomValue(next: () => number, depth: number): unknown {
  const pick = next();
  if (depth < 4 && pick < 0.2) {
    const object: Record<string, unknown> = {};
    for (let i = Math.floor(next() * 4); i > 0; i--) object[`k${Math.floor(next() * 100)}${STRINGS[Math.floor(next() * STRINGS.length)]}`] = randomValue(next, depth + 1);
    return object;
  }
  if (depth < 4 && pick < 0.3) return Array.from({ length: Math.floor(next() * 4) }, () => randomValue(next, depth + 1));
  if (pick < 0.55) return STRINGS[Math.floor(next() * STRINGS.length)];
  if (pick < 0.8) return NUMBERS[Math.floor(next() * NUMBERS.length)];
  return [true, false, null][Math.floor(next() * 3)];
}

function randomObjectText(next: () => number): string {
  const object: Record<string, unknown> = {};
  for (let i = 0; i < 1 + Math.floor(next() * 6); i++) object[`f${i}`] = randomValue(next, 1);
  const text = JSON.stringify(object, null, next() < 0.3 ? 2 : undefined);
  return next() < 0.2 ? ` \t${text}\r ` : text;
}

const MUTATION_BYTES = ['"', '\\', ',', ':', '{', '}', '[', ']', '-', '+', '.', 'e', '0', '1', ' ', '\t', 'u', 'n', 't', 'x', '\u0001', '\u00a0'];

function mutate(text: string, next: () => number): string {
  const at = Math.floor(next() * (text.length + 1));
  const choice = next();
  const inserted = MUTATION_BYTES[Math.floor(next() * MUTATION_BYTES.length)]!;
  if (choice < 0.33) return text.slice(0, at) + text.slice(at + 1);
  if (choice < 0.66) return text.slice(0, at) + inserted + text.slice(at);
  return text.slice(0, at) + inserted + text.slice(at + 1);
}

describe('JSON object scan (the ingest fast path)', () => {
  it('passes the objects that JSON.parse and the record limits accept', () => {
    const next = random(7);
    for (let i = 0; i < 3000; i++) {
      const text = randomObjectText(next);
      assert.equal(scan(text), true, text);
    }
  });

  it('never passes text the thorough path refuses (differential, 60,000 mutated objects)', () => {
    const next = random(11);
    let refused = 0;
    for (let i = 0; i < 20_000; i++) {
      let text = randomObjectText(next);
      for (let m = 0; m < 3; m++) {
        text = mutate(text, next);
        if (scan(text) && !thoroughlyAccepted(text)) assert.fail(`scanner passed text the thorough path refuses: ${JSON.stringify(text)}`);
        if (!thoroughlyAccepted(text)) refused++;
      }
    }
    assert.ok(refused > 10_000, `the mutations should make many invalid texts, made ${refused}`);
  });

  it('refuses what is not one JSON object', () => {
    for (const text of ['', ' ', '[]', '[{"a":1}]', '"s"', '1', 'null', '{', '}', '{}{}', '{} x', '{"a"}', '{"a":}', '{"a":1,}', '{,"a":1}',
      '{"a":01}', '{"a":1.}', '{"a":.5}', '{"a":-}', '{"a":1e}', '{"a":+1}', '{"a":tru}', '{"a":nul}', '{"a":True}',
      '{"a":"\\x"}', '{"a":"\\u12G4"}', '{"a":"\\u12"}', '{"a":"tab\there"}', '{"a":"open}', "{'a':1}", '{a:1}', '{"a":[1,]}', '{"a":[1 2]}']) {
      assert.equal(scan(text), false, text);
      assert.equal(thoroughlyAccepted(text), false, `the thorough path also refuses ${text}`);
    }
  });

  it('passes empty containers, escapes, exponents and surrounding whitespace', () => {
    for (const text of ['{}', ' {} ', '{"a":{},"b":[]}', '{"a":"\\u00e9\\n\\"\\\\\\/"}', '{"a":-0.5e+10,"b":0E-2,"c":[true,false,null]}', '\t{ "a" : [ 1 , { } ] }\r']) {
      assert.equal(scan(text), true, text);
    }
  });

  it('holds to the depth, field and size limits exactly', () => {
    const limits = { maxDepth: 3, maxFields: 3, maxRecordBytes: 40 };
    assert.equal(scan('{"a":{"b":[1]}}', limits), true);
    assert.equal(scan('{"a":{"b":[[]]}}', limits), false);
    assert.equal(scan('{"a":1,"b":{"c":2}}', limits), true);
    assert.equal(scan('{"a":1,"b":{"c":2,"d":3}}', limits), false);
    assert.equal(scan(`{"a":"${'x'.repeat(32)}"}`, limits), true);
    assert.equal(scan(`{"a":"${'x'.repeat(33)}"}`, limits), false);
    assert.equal(thoroughlyAccepted('{"a":{"b":[[]]}}', limits), false);
  });
});

/** JSON text as producers write it: spacing anywhere JSON allows, numbers and strings as printed (not as JSON.stringify would). */
const space = fc.constantFrom('', '', ' ', '\n', '\t', '\r\n  ');
const numberText = fc.oneof(
  fc.constantFrom('0', '-0', '1.0', '-0.0', '12345678901234567890', '-98765432109876543210.5', '1E+2', '0e-0', '2.50', '1e400', '3.14159265358979323846'),
  fc.integer().map(String),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => JSON.stringify(n)),
);
const stringText = fc.oneof(
  fc.constantFrom('""', '"\\""', '"\\\\"', '"a\\\\\\"b"', '"\\u00e9\\ud83d\\ude80"', '"\\/\\b\\f\\n\\r\\t"', '"]},[{"', '"caf\u00e9 ✓ 🚀"', '"\\u005d\\u007d"'),
  fc.string({ unit: 'grapheme' }).map((text) => JSON.stringify(text)),
);
const { value: valueText, object: objectText } = fc.letrec<{ value: string; object: string; array: string }>((tie) => ({
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true },
    numberText, stringText, fc.constantFrom('true', 'false', 'null'), tie('object'), tie('array')),
  object: fc.tuple(space, fc.array(fc.tuple(stringText, space, space, tie('value'), space), { maxLength: 4 }))
    .map(([inner, members]) => `{${inner}${members.map(([key, a, b, value, c]) => `${key}${a}:${b}${value}${c}`).join(',')}}`),
  array: fc.tuple(space, fc.array(fc.tuple(space, tie('value'), space), { maxLength: 4 }))
    .map(([inner, items]) => `[${inner}${items.map(([a, value, b]) => `${a}${value}${b}`).join(',')}]`),
}));

/** An array body and the text of each of its elements, as written. */
function arrayText(elements: string[], spaces: string[]): string {
  const at = (k: number) => spaces[k % spaces.length] ?? '';
  return `${at(0)}[${at(1)}${elements.map((element, k) => `${at(k + 2)}${element}${at(k + 3)}`).join(',')}${at(4)}]${at(5)}`;
}

function sliced(text: string) {
  const bytes = Buffer.from(text);
  const scan = scanJsonArray(bytes, 0, bytes.length, DEFAULT_LIMITS);
  return { bytes, scan, texts: scan.ok ? scan.elements.map(({ start, end }) => bytes.toString('utf8', start, end)) : null };
}

describe('JSON array scan (array bodies split into the bytes of their elements)', () => {
  it('splits any array into exactly the bytes of its elements, objects checked and the rest left to the caller', () => {
    fc.assert(fc.property(fc.array(valueText, { maxLength: 6 }), fc.array(space, { minLength: 1, maxLength: 6 }), (elements, spaces) => {
      const text = arrayText(elements, spaces);
      const { scan, texts } = sliced(text);
      assert.ok(scan.ok, `${JSON.stringify(text)}: ${scan.ok ? '' : scan.problem}`);
      assert.deepEqual(texts, elements);
      assert.equal(JSON.parse(text).length, elements.length);
      scan.elements.forEach((element, k) => assert.equal(element.checked, elements[k]!.startsWith('{'), elements[k]));
    }), { numRuns: 1500 });
  });

  it('keeps big integers, 1.0, escapes, nested arrays and unusual spacing byte for byte', () => {
    const elements = [
      '{"id":12345678901234567890,"ratio":1.0,"e":1E+2}',
      '{ "q" : "say \\"hi\\" \\\\", "u":"\\u00e9\\u2028\\ud83d\\ude80", "tricky":"],[{" }',
      '{"nested":[[1,[2.50,{"deep":[]}]],{}],"t":true,"n":null}',
      '{}',
    ];
    const { scan, texts } = sliced(`\r\n [\n\t${elements.join(' ,\n  ')}\n]\n`);
    assert.ok(scan.ok);
    assert.deepEqual(texts, elements);
    assert.deepEqual(scan.elements.map((element) => element.checked), [true, true, true, true]);
  });

  it('leaves an object over a limit, or with duplicate keys past maxFields, to the caller, with its extent', () => {
    const limits = { maxDepth: 3, maxFields: 2, maxRecordBytes: 30 };
    const elements = ['{"a":1}', '{"a":{"b":{"c":{}}}}', '{"a":1,"a":2,"a":3}', `{"a":"${'x'.repeat(40)}"}`, '{"a":1}'];
    const bytes = Buffer.from(`[${elements.join(',')}]`);
    const scan = scanJsonArray(bytes, 0, bytes.length, limits);
    assert.ok(scan.ok);
    assert.deepEqual(scan.elements.map(({ start, end }) => bytes.toString('utf8', start, end)), elements);
    assert.deepEqual(scan.elements.map((element) => element.checked), [true, false, false, false, true]);
  });

  it('names the element and byte where the array itself is broken', () => {
    const problem = (text: string) => {
      const { scan } = sliced(text);
      assert.equal(scan.ok, false, text);
      return scan.ok ? '' : scan.problem;
    };
    assert.match(problem('[{"a":1},]'), /array element 1 is missing: '\]' at byte 9/);
    assert.match(problem('[,{"a":1}]'), /array element 0 is missing: ',' at byte 1/);
    assert.match(problem('[{"a":1} {"b":2}]'), /expected ',' or '\]' after array element 0, found '\{' at byte 9/);
    assert.match(problem('[{"a":1},{"b":"x]'), /the body ends inside array element 1/);
    assert.match(problem('[{"a":1},{"b":[1,2}'), /the body ends inside array element 1/);
    assert.match(problem('[{"a":1}'), /the body ends after array element 0, without '\]'/);
    assert.match(problem('[{"a":1},'), /the body ends where array element 1 should start/);
    assert.match(problem('[ '), /the body ends where array element 0 should start/);
    assert.match(problem('{"a":1}'), /expected '\['/);
    const trailing = sliced('[{"a":1}]\n[{"b":2}]').scan;
    assert.ok(!trailing.ok && 'trailingAt' in trailing && trailing.trailingAt === 10);
  });

  it('splits an empty array into no elements', () => {
    for (const text of ['[]', ' [ \n ] ', '\t[\r\n]']) {
      const { scan } = sliced(text);
      assert.ok(scan.ok && scan.elements.length === 0, text);
    }
  });

  it('finds where an object ends inside a longer text, or -1 when none within the bounds does', () => {
    const bytes = Buffer.from('xx{"a":[1,{"b":"}"}]} ,{"c":2}]');
    assert.equal(jsonObjectEnd(bytes, 2, bytes.length, DEFAULT_LIMITS), 21);
    assert.equal(jsonObjectEnd(bytes, 2, 20, DEFAULT_LIMITS), -1);
    assert.equal(jsonObjectEnd(bytes, 0, bytes.length, DEFAULT_LIMITS), -1);
    assert.equal(jsonObjectEnd(bytes, 23, bytes.length, DEFAULT_LIMITS), 30);
  });
});
