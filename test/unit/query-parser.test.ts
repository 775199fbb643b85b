import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { QueryNode } from '../../src/query/ast.ts';
import { formatQuery } from '../../src/query/format-query.ts';
import { parseQuery } from '../../src/query/parser.ts';
import { listQueryFields } from '../../src/query/query-fields.ts';
import { QuerySyntaxError } from '../../src/query/query-syntax-error.ts';

const word = (value: string, field: string | null = null): QueryNode => ({ type: 'term', field, value, quoted: false });
const phrase = (value: string, field: string | null = null): QueryNode => ({ type: 'term', field, value, quoted: true });
const and = (...children: QueryNode[]): QueryNode => ({ type: 'and', children });
const or = (...children: QueryNode[]): QueryNode => ({ type: 'or', children });
const not = (child: QueryNode): QueryNode => ({ type: 'not', child });

describe('parseQuery', () => {
  test('empty and whitespace-only queries match everything', () => {
    assert.deepEqual(parseQuery(''), { type: 'all' });
    assert.deepEqual(parseQuery('  \t\n'), { type: 'all' });
    assert.deepEqual(parseQuery('*'), { type: 'all' });
  });

  test('bare words and phrases, implicit AND', () => {
    assert.deepEqual(parseQuery('error'), word('error'));
    assert.deepEqual(parseQuery('"connection refused"'), phrase('connection refused'));
    assert.deepEqual(parseQuery('db  "connection refused" retry'), and(word('db'), phrase('connection refused'), word('retry')));
  });

  test('precedence: NOT > AND > OR', () => {
    assert.deepEqual(parseQuery('a OR b AND c'), or(word('a'), and(word('b'), word('c'))));
    assert.deepEqual(parseQuery('a AND b OR c'), or(and(word('a'), word('b')), word('c')));
    assert.deepEqual(parseQuery('NOT a AND b'), and(not(word('a')), word('b')));
    assert.deepEqual(parseQuery('a b OR c d'), or(and(word('a'), word('b')), and(word('c'), word('d'))));
    assert.deepEqual(parseQuery('(a OR b) c'), and(or(word('a'), word('b')), word('c')));
    assert.deepEqual(parseQuery('a OR b OR c'), or(word('a'), word('b'), word('c')));
    assert.deepEqual(parseQuery('NOT NOT a'), not(not(word('a'))));
  });

  test('symbolic operators and leading minus', () => {
    assert.deepEqual(parseQuery('a && b || !c'), or(and(word('a'), word('b')), not(word('c'))));
    assert.deepEqual(parseQuery('-level:debug error'), and(not(word('debug', 'level')), word('error')));
    assert.deepEqual(parseQuery('NOT(a)'), not(word('a')));
    assert.deepEqual(parseQuery('well-known'), word('well-known'));
    assert.deepEqual(parseQuery('temp:-5'), word('-5', 'temp'));
  });

  test('operators are upper case; lower-case and/or are words', () => {
    assert.deepEqual(parseQuery('a and b'), and(word('a'), word('and'), word('b')));
    assert.deepEqual(parseQuery('ANDROID ORACLE NOTE'), and(word('ANDROID'), word('ORACLE'), word('NOTE')));
  });

  test('fields: dotted paths, quoted values, spaces after the colon, field groups', () => {
    assert.deepEqual(parseQuery('metadata.parentResourceId:server-0987'), word('server-0987', 'metadata.parentResourceId'));
    assert.deepEqual(parseQuery('message:"a b"'), phrase('a b', 'message'));
    assert.deepEqual(parseQuery('level: error'), word('error', 'level'));
    assert.deepEqual(parseQuery('level:(error OR warn)'), or(word('error', 'level'), word('warn', 'level')));
    assert.deepEqual(parseQuery('time:10:00:00'), word('10:00:00', 'time'));
    assert.deepEqual(parseQuery('@timestamp:2024-05-01'), word('2024-05-01', '@timestamp'));
  });

  test('wildcards, regex, comparisons, ranges, exists', () => {
    assert.deepEqual(parseQuery('resourceId:srv-1*'), {
      type: 'wildcard',
      field: 'resourceId',
      parts: [{ kind: 'text', text: 'srv-1' }, { kind: 'anyChars' }],
    });
    assert.deepEqual(parseQuery('a?c'), {
      type: 'wildcard',
      field: null,
      parts: [{ kind: 'text', text: 'a' }, { kind: 'oneChar' }, { kind: 'text', text: 'c' }],
    });
    assert.deepEqual(parseQuery('path:/\\/api\\/v\\d+/'), { type: 'regex', field: 'path', pattern: '/api/v\\d+' });
    assert.deepEqual(parseQuery('latency_ms:>=100'), { type: 'compare', field: 'latency_ms', op: '>=', value: '100' });
    assert.deepEqual(parseQuery('latency_ms:< 5'), { type: 'compare', field: 'latency_ms', op: '<', value: '5' });
    assert.deepEqual(parseQuery('x:[1 TO *}'), { type: 'range', field: 'x', lower: '1', upper: null, includeLower: true, includeUpper: false });
    assert.deepEqual(parseQuery('ts:{2024-05-01T10:00:00Z TO now]'), {
      type: 'range', field: 'ts', lower: '2024-05-01T10:00:00Z', upper: 'now', includeLower: false, includeUpper: true,
    });
    assert.deepEqual(parseQuery('x:["a b" TO "c"]'), { type: 'range', field: 'x', lower: 'a b', upper: 'c', includeLower: true, includeUpper: true });
    assert.deepEqual(parseQuery('x:[* TO *]'), { type: 'exists', field: 'x' });
    assert.deepEqual(parseQuery('_exists_:traceId'), { type: 'exists', field: 'traceId' });
    assert.deepEqual(parseQuery('traceId:*'), { type: 'exists', field: 'traceId' });
  });

  test('escapes: backslash in words, \\" in quotes', () => {
    assert.deepEqual(parseQuery('a\\:b:c'), word('c', 'a:b'));
    assert.deepEqual(parseQuery('x:foo\\*'), word('foo*', 'x'));
    assert.deepEqual(parseQuery('\\(not\\ a\\ group\\)'), word('(not a group)'));
    assert.deepEqual(parseQuery('"say \\"hi\\" \\\\o/"'), phrase('say "hi" \\o/'));
    assert.deepEqual(parseQuery('\\-x'), word('-x'));
    assert.deepEqual(parseQuery('"a*b?"'), phrase('a*b?'));
  });
});

describe('parseQuery errors', () => {
  const cases: Array<[string, number, RegExp]> = [
    ['level:', 6, /expected a value after 'level:' at position 6/],
    ['level: AND x', 7, /expected a value after 'level:'/],
    ['(level:error', 0, /missing '\)'/],
    ['a (b OR (c)', 2, /missing '\)'/],
    ['level:error)', 11, /unexpected '\)'/],
    ['()', 1, /empty parentheses/],
    ['error AND', 9, /expected a term after 'AND' at position 9/],
    ['error OR', 8, /expected a term after 'OR'/],
    ['a OR OR b', 5, /expected a term after 'OR'/],
    ['a AND ) b', 6, /expected a term after 'AND'/],
    ['OR b', 0, /unexpected 'OR'/],
    ['NOT', 3, /expected a term after 'NOT'/],
    ['a ||', 4, /expected a term after '\|\|'/],
    ['- a', 1, /expected a term right after '-'/],
    ['msg:"unterminated', 4, /unterminated quoted string/],
    ['x:/abc', 2, /unterminated regular expression/],
    ['x:/a(b/', 2, /invalid regular expression/],
    ['x:/(?<=a)b/', 2, /lookaround/],
    [':x', 0, /expected a field name before ':'/],
    ['a..b:1', 0, /invalid field name/],
    ['res*:1', 0, /wildcards are not supported in field names/],
    ['x:[1 TO', 7, /expected an upper bound/],
    ['x:[1 5]', 5, /expected 'TO'/],
    ['x:[ TO 5]', 4, /expected a lower bound/],
    ['x:[1 TO 5', 9, /expected '\]' or '\}'/],
    ['x:[1 TO 5 6]', 10, /expected '\]' or '\}'/],
    ['>5', 0, /needs a field/],
    ['latency_ms:>', 12, /expected a value after 'latency_ms:>'/],
    ['ts:yesterday', 3, /not a time for 'ts'/],
    ['ts:[2024-13-01 TO *]', 4, /not a time/],
    ['_exists_:a*', 9, /without wildcards/],
    ['end\\', 3, /nothing to escape/],
  ];
  for (const [query, position, message] of cases) {
    test(`${JSON.stringify(query)} fails at ${position}`, () => {
      assert.throws(
        () => parseQuery(query),
        (error: unknown) => {
          assert.ok(error instanceof QuerySyntaxError, `not a QuerySyntaxError: ${String(error)}`);
          assert.equal(error.position, position, error.message);
          assert.match(error.message, message);
          assert.match(error.message, new RegExp(`at position ${position}$`));
          return true;
        },
      );
    });
  }
});

describe('formatQuery and listQueryFields', () => {
  const roundTrips = [
    'error',
    '"connection refused"',
    'a AND b OR c',
    '(a OR b) AND NOT c',
    'NOT (a AND b)',
    'level:error AND metadata.parentResourceId:"x y"',
    'status:5* AND a\\*b',
    'path:/\\/api\\/v\\d+/',
    'latency_ms:>=100 AND x:{1 TO *]',
    '_exists_:traceId',
    'a\\:b:c\\(d\\)',
    'x:"AND" AND y:\\-1',
  ];
  for (const text of roundTrips) {
    test(`round trip ${text}`, () => {
      const ast = parseQuery(text);
      assert.deepEqual(parseQuery(formatQuery(ast)), ast);
    });
  }

  test('formatQuery is canonical', () => {
    assert.equal(formatQuery(parseQuery('a b || !c')), 'a AND b OR NOT c');
    assert.equal(formatQuery(parseQuery('level:(error OR warn) -x')), '(level:error OR level:warn) AND NOT x');
  });

  test('listQueryFields: distinct, in order, bare text counts as message', () => {
    assert.deepEqual(listQueryFields(parseQuery('level:error timeout OR (status:>500 AND NOT level:warn) _exists_:traceId')), [
      'level',
      'message',
      'status',
      'traceId',
    ]);
    assert.deepEqual(listQueryFields(parseQuery('')), []);
  });
});
