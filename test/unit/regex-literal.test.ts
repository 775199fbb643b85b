import { test } from 'node:test';
import assert from 'node:assert/strict';
import { requiredLiteral } from '../../src/query/regex-literal.ts';

test('the longest literal outside groups, classes and optional characters is required', () => {
  assert.equal(requiredLiteral('timeout after [0-9]+ ms'), 'timeout after ');
  assert.equal(requiredLiteral('^Failed to connect to .*:5432$'), 'Failed to connect to ');
  assert.equal(requiredLiteral('colou?r scheme'), 'r scheme');
  assert.equal(requiredLiteral('user\\.name=\\w+'), 'user.name=');
  assert.equal(requiredLiteral('abc+def'), 'abc');
  assert.equal(requiredLiteral('(timeout|slow) request'), ' request');
  assert.equal(requiredLiteral('(?:timeout|slow) request'), ' request');
  assert.equal(requiredLiteral('x{2,3}yzw'), 'yzw');
  assert.equal(requiredLiteral('[a-z]]]] error'), ']]] error');
});

test('no literal when a match could do without one', () => {
  for (const pattern of ['error|warn', '(?i)timeout', 'abc(?i)timeout', '(?s)a.b long text', 'ab', '[abc]+\\d*', 'a.b.c', 'abc*', '\\bab\\b']) {
    assert.equal(requiredLiteral(pattern), null, pattern);
  }
});

test('every string the pattern matches contains the literal', () => {
  const patterns = ['timeout after [0-9]+ ms', 'colou?r scheme', 'abc+def', 'x{2,3}yzw', '(ab)?cde+f', 'q[x-z]*rst\\.u', 'pre(fix|amble)? text'];
  const alphabet = ['a', 'b', 'c', 'd', 'e', 'f', 'x', 'y', 'z', 'w', 'q', 'r', 's', 't', 'u', '.', ' ', 'timeout after 12 ms', 'color scheme', 'prefix text', 'pre text', 'cdef', 'xxyzw', 'abccdef', 'qrst.u'];
  let seed = 7;
  const random = (n: number): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
  for (const pattern of patterns) {
    const literal = requiredLiteral(pattern);
    assert.ok(literal, pattern);
    const regex = new RegExp(pattern);
    let matched = 0;
    for (let i = 0; i < 3000; i++) {
      const text = Array.from({ length: 1 + random(6) }, () => alphabet[random(alphabet.length)]).join('');
      if (!regex.test(text)) continue;
      matched++;
      assert.ok(text.includes(literal), `${JSON.stringify(text)} matches /${pattern}/ without ${JSON.stringify(literal)}`);
    }
    assert.ok(matched > 0, `no generated text matched /${pattern}/`);
  }
});
