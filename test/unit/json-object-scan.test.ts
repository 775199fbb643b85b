import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isJsonObjectWithinLimits } from '../../src/sources/http/json-object-scan.ts';
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
