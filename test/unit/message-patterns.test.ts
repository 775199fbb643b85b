import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { messagePatterns, patternOf, patternQuery } from '../../src/query/message-patterns.ts';
import { parseQuery } from '../../src/query/parser.ts';

describe('message patterns', () => {
  it('masks the parts that vary: numbers, ids, hosts, addresses; keeps names like v2', () => {
    assert.equal(patternOf('Request DELETE /v2/sessions completed with status 200 in 126 ms'), 'Request DELETE /v2/sessions completed with status <*> in <*> ms');
    assert.equal(patternOf('User usr_3husj6 logged in from 10.57.38.210'), 'User <*> logged in from <*>');
    assert.equal(patternOf('connecting to 10.0.0.1:8080 took 5.2s'), 'connecting to <*> took <*>');
    assert.equal(patternOf('GET /api/users/1234/orders?id=99'), 'GET /api/users/<*>/orders?id=<*>');
    assert.equal(patternOf('  Failed   to connect to DB  '), 'Failed to connect to DB');
  });

  it('groups messages by pattern, commonest first, each with an example and a query that parses', () => {
    const messages = [
      ...Array.from({ length: 5 }, (_, i) => `Job job-${i} finished processing ${i * 10} items`),
      ...Array.from({ length: 3 }, (_, i) => `Cache miss on redis-${i}`),
      'Failed to connect to "primary" DB',
    ];
    const patterns = messagePatterns(messages, 10);
    assert.deepEqual(patterns.map((p) => [p.pattern, p.count]), [
      ['Job <*> finished processing <*> items', 5],
      ['Cache miss on <*>', 3],
      ['Failed to connect to "primary" DB', 1],
    ]);
    assert.equal(patterns[0]!.example, 'Job job-0 finished processing 0 items');
    assert.equal(patterns[0]!.query, 'message:"Job" AND message:"finished processing" AND message:"items"');
    assert.equal(patterns[2]!.query, 'message:"Failed to connect to \\"primary\\" DB"');
    for (const pattern of patterns) assert.doesNotThrow(() => parseQuery(pattern.query), pattern.query);
    assert.equal(messagePatterns(messages, 1).length, 1);
    assert.equal(patternQuery('<*> <*>'), '*');
  });
});
