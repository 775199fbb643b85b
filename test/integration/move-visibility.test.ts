// Rows move from the recent table into sorted runs while searches run. A search sees each record
// once whatever moment it runs at: never both the moved copy and the original, and never a count
// above what was written. DuckDB 1.5 does not publish a move's COMMIT atomically to statements
// running beside it when the move holds a full row group (122,880 rows; smaller moves never showed
// it) and DuckDB runs on two threads (on one, the store's setting while writes flow, it did not
// show either): counts see the moved rows twice (scripts/duckdb-move-repro.ts; docs/decisions.md,
// "Moving rows between tables"). The store commits a move through its read gate; with the gate
// bypassed (a test-only store option) the same searches find duplicates in ~70 % of such moves,
// which shows they can see the race the gated run must not.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DuckDbStore } from '../../src/stores/embedded/duckdb-store.ts';
import { parseQuery } from '../../src/query/parser.ts';
import type { SearchRequest } from '../../src/stores/store.ts';
import { withTempDir } from '../support/store-files.ts';

const T0 = Date.UTC(2024, 4, 1);
/** Rows per move: a row group and a little more. */
const MOVE_ROWS = 130_000;
const BATCH = 10_000;

function line(n: number): Buffer {
  return Buffer.from(JSON.stringify({
    level: n % 4 === 0 ? 'error' : 'info', message: `request ${n} failed to connect after ${n % 97} ms`,
    timestamp: new Date(T0 + n * 10).toISOString(), traceId: `t-${n}`,
  }));
}

const ERRORS = parseQuery('level:error');
/** Counts that scan both tables (a bare count reads the per-minute counts instead), and a newest-first page. */
const SEARCHES: SearchRequest[] = [
  { query: ERRORS, limit: 0 }, { query: ERRORS, limit: 0 },
  { query: parseQuery('level:error OR level:info'), limit: 0 }, { query: ERRORS, limit: 100 },
];

interface Outcome {
  problems: string[];
  moves: number;
  /** Per move, the searches that ended after its records were written and before it committed. */
  besideMoves: number[];
}

interface Run {
  moves: number;
  /** Stop after the first move that shows a problem. */
  untilProblem?: boolean;
  unsafeMoveCommitBesideReads?: boolean;
}

/**
 * Writes MOVE_ROWS records, one write at a time, and waits for the store to move them, `moves`
 * times, while the searches run in a loop. Each move is the one the store makes once writes pause
 * (runRows is 5 times MOVE_ROWS): by then DuckDB runs on two threads again.
 */
async function searchWhileMoving(dir: string, run: Run): Promise<Outcome> {
  let committed = 0;
  const store = await DuckDbStore.open(dir, {
    writers: 1, runRows: 5 * MOVE_ROWS, unsafeMoveCommitBesideReads: run.unsafeMoveCommitBesideReads, onMoveCommitted: () => { committed++; },
  });
  let written = 0;
  let searching = true;
  const outcome: Outcome = { problems: [], moves: 0, besideMoves: [] };
  const searcher = async (request: SearchRequest) => {
    while (searching) {
      const result = await store.search(request);
      // at most the batch being written when the search ended is committed beside the acknowledged
      const writtenAtMost = written + BATCH;
      if (written === MOVE_ROWS * (committed + 1)) outcome.besideMoves[committed]!++;
      const ids = result.hits.map((hit) => hit.id);
      const twice = ids.length - new Set(ids).size;
      if (twice > 0) outcome.problems.push(`${twice} of ${ids.length} hits listed twice`);
      const countedAtMost = request.query === ERRORS ? Math.ceil(writtenAtMost / 4) : writtenAtMost;
      if (result.total! > countedAtMost) outcome.problems.push(`counted ${result.total} of at most ${countedAtMost}`);
    }
  };
  try {
    const searches = SEARCHES.map(searcher);
    while (outcome.moves < run.moves && !(run.untilProblem && outcome.problems.length > 0)) {
      outcome.besideMoves.push(0);
      for (let b = 0; b < MOVE_ROWS / BATCH; b++) {
        const entries = Array.from({ length: BATCH }, (_, i) => ({ offset: written + i, ingestedAt: T0, value: line(written + i) }));
        await store.write([{ stream: 'app', partition: 0, entries }]);
        written += BATCH;
      }
      while (committed === outcome.moves) await new Promise((resolve) => setTimeout(resolve, 10));
      outcome.moves++;
    }
    searching = false;
    await Promise.all(searches);
    const all = await store.search({ query: parseQuery('level:error OR level:info'), limit: 0 });
    assert.equal(all.total, written);
  } finally {
    searching = false;
    await store.close();
  }
  return outcome;
}

describe('searches while rows move into sorted runs', () => {
  test('no search lists a record twice or counts more records than were written', withTempDir('move-vis-', async (dir) => {
    const { problems, besideMoves } = await searchWhileMoving(dir, { moves: 3 });
    assert.equal(besideMoves.length, 3);
    assert.ok(besideMoves.every((n) => n >= 20), `searches beside each move: ${besideMoves.join(', ')}`);
    assert.deepEqual(problems, []);
  }));

  test('with the read gate bypassed, the same searches count records twice', withTempDir('move-vis-ungated-', async (dir) => {
    const { problems, moves, besideMoves } = await searchWhileMoving(dir, { moves: 8, untilProblem: true, unsafeMoveCommitBesideReads: true });
    assert.ok(problems.length > 0, `no duplicate in ${moves} ungated moves (searches beside them: ${besideMoves.join(', ')}): these searches no longer see the race the gated test guards against`);
    console.log(`# ungated: ${problems.length} duplicate counts or hits in ${moves} move(s), e.g. ${problems[0]}`);
  }));
});
