// Each dead-letter format gives back, for `tributary dlq replay`, exactly the record it was made
// from, and only for its own pipeline's letters.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { deadLetterBody, originalOf, type DeadLetter } from '../../src/pipelines/dead-letter-formats.ts';
import { DEAD_LETTER_FORMATS } from '../../src/pipelines/config.ts';

const letter = (body: Record<string, unknown>): DeadLetter => ({
  record: { body, origin: { topic: 'telemetry.raw', partition: 0, offset: 7, ingestedAt: 1_700_000_000_000 } },
  reason: 'no schema for eid NOPE', pipeline: 'pre', step: 'validate', at: 1_700_000_001_000,
});
const inputs = new Set(['telemetry.raw']);

describe('dead-letter formats', () => {
  for (const format of DEAD_LETTER_FORMATS) {
    it(`${format}: the original back from its letter, nested flags and metadata kept`, () => {
      for (const original of [
        { eid: 'NOPE', mid: 'm-1', edata: { a: 1 } },
        { eid: 'NOPE', mid: 'm-2', flags: { ex_processed: true }, metadata: { source: 'x' } },
      ]) {
        const body = JSON.parse(JSON.stringify(deadLetterBody(letter(original), format))) as Record<string, unknown>;
        assert.deepEqual(originalOf(body, format, 'pre', inputs), original);
      }
    });
  }

  it('leaves out what is not its pipeline\'s letter', () => {
    const tributary = deadLetterBody(letter({ n: 1 }), 'tributary');
    assert.equal(originalOf(tributary, 'tributary', 'other', inputs), undefined);
    assert.equal(originalOf(deadLetterBody(letter({ n: 1 }), 'user-login'), 'user-login', 'pre', new Set(['logins'])), undefined);
    // telemetry.failed also takes the extractor's oversize events, which are no letters
    assert.equal(originalOf({ eid: 'IMPRESSION', mid: 'big', flags: { ex_processed: true } }, 'sunbird', 'pre', inputs), undefined);
  });
});
