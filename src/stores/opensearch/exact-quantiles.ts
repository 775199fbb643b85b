// Exact quantiles on OpenSearch, for many groups at once. OpenSearch's percentiles are t-digest
// estimates; the store promises quantile_cont's answer: the values at the floor and ceiling of
// (n - 1) × q in ascending order, interpolated. A value at a rank is read with a sorted search
// (from = rank), which OpenSearch allows up to 10,000 deep: ranks near either end are read
// directly; a rank deeper in a large group is found inside a window the t-digest estimates
// bracket, after counting the values below the window. Every search of a round goes in one
// _msearch. A window that misses (a poor estimate) falls back to paging to the rank.
import type { Dsl } from './compile-query.ts';

/** Deepest `from` a search may use (index.max_result_window). */
const MAX_WINDOW = 10_000;
/** Offsets (in percent) around a quantile whose estimates bracket the window searched. */
export const BRACKET_OFFSETS = [0.02, 0.1, 0.5, 2];
/** Values wanted on each side of the rank inside a bracket: enough margin for the estimate's error. */
const MARGIN = 1000;

export interface QuantileTask {
  /** The group's records (its filter and group conditions). */
  query: Dsl;
  /** The number field. */
  field: string;
  /** Values of the field in the group. */
  n: number;
  q: number;
  /** t-digest estimates by percent (the quantile ± BRACKET_OFFSETS), when the group was aggregated with them. */
  estimates: Map<number, number>;
}

export interface QuantileSearches {
  /** One response per body, in order (each body a search over the store's indices). */
  msearch(bodies: Dsl[]): Promise<Array<Record<string, any>>>;
  /** Slow path: pages to the rank. */
  valueAtRank(field: string, query: Dsl, rank: number, count: number): Promise<number | null>;
}

interface Read {
  task: number;
  body: Dsl;
  /** The ranks this search reads, ascending, as positions in its hits. */
  pick: (hits: Array<{ sort: unknown[] }>) => Array<number | null>;
}

export async function exactQuantiles(tasks: QuantileTask[], searches: QuantileSearches): Promise<Array<number | null>> {
  const values: Array<[number | null, number | null] | undefined> = tasks.map(() => undefined);
  const direct: Read[] = [];
  const bracketed: Array<{ task: number; low: number; high: number }> = [];
  tasks.forEach((task, i) => {
    if (task.n === 0) return (values[i] = [null, null]);
    const [r0, r1] = ranks(task);
    const numbers = withField(task);
    const size = r1 - r0 + 1;
    // from whichever end is nearer: a search collects `from` hits before the ones it returns
    const fromTop = task.n - 1 - r1 < r0;
    if (!fromTop && r1 < MAX_WINDOW) {
      direct.push({ task: i, body: sorted(numbers, task.field, 'asc', r0, size), pick: (hits) => [sortValue(hits[0]), sortValue(hits[size - 1])] });
    } else if (fromTop && task.n - 1 - r0 < MAX_WINDOW) {
      direct.push({ task: i, body: sorted(numbers, task.field, 'desc', task.n - 1 - r1, size), pick: (hits) => [sortValue(hits[size - 1]), sortValue(hits[0])] });
    } else {
      const bracket = bracketOf(task);
      if (bracket) bracketed.push({ task: i, ...bracket });
    }
  });
  await readAll(direct, values, searches);

  // the values below each bracket, counted; then each rank read inside its bracket
  const counts = bracketed.length === 0 ? [] : await searches.msearch(bracketed.map(({ task, low }) => ({
    query: { bool: { filter: [withField(tasks[task]!), { range: { [tasks[task]!.field]: { lt: low } } }] } }, size: 0, track_total_hits: true,
  })));
  const windowed: Read[] = [];
  bracketed.forEach(({ task, low, high }, k) => {
    const below = Number(counts[k]?.hits?.total?.value ?? -1);
    const [r0, r1] = ranks(tasks[task]!);
    if (below < 0 || below > r0 || r1 - below >= MAX_WINDOW) return;
    const size = r1 - r0 + 1;
    const inside = { bool: { filter: [withField(tasks[task]!), { range: { [tasks[task]!.field]: { gte: low, lte: high } } }] } };
    windowed.push({ task, body: sorted(inside, tasks[task]!.field, 'asc', r0 - below, size), pick: (hits) => [sortValue(hits[0]), sortValue(hits[size - 1])] });
  });
  await readAll(windowed, values, searches);

  // what no window held: paged to
  await Promise.all(tasks.map(async (task, i) => {
    const found = values[i];
    if (task.n === 0 || (found && found[0] !== null && found[1] !== null)) return;
    const [r0, r1] = ranks(task);
    const lo = await searches.valueAtRank(task.field, withField(task), r0, task.n);
    values[i] = [lo, r1 === r0 ? lo : await searches.valueAtRank(task.field, withField(task), r1, task.n)];
  }));
  return tasks.map((task, i) => {
    const [lo, hi] = values[i]!;
    if (lo === null || hi === null) return lo;
    const position = (task.n - 1) * task.q;
    const fraction = position - Math.floor(position);
    return fraction === 0 ? lo : lo + (hi - lo) * fraction;
  });
}

function ranks(task: QuantileTask): [number, number] {
  const position = (task.n - 1) * task.q;
  return [Math.floor(position), Math.ceil(position)];
}

function withField(task: QuantileTask): Dsl {
  return { bool: { filter: [task.query, { exists: { field: task.field } }] } };
}

function sorted(query: Dsl, field: string, order: 'asc' | 'desc', from: number, size: number): Dsl {
  return { query, from, size, _source: false, track_total_hits: false, sort: [{ [field]: order }] };
}

function sortValue(hit: { sort: unknown[] } | undefined): number | null {
  return hit ? Number(hit.sort[0]) : null;
}

/** The narrowest estimated bracket expected to hold MARGIN values on each side of the rank. */
function bracketOf(task: QuantileTask): { low: number; high: number } | undefined {
  const percent = task.q * 100;
  for (const offset of BRACKET_OFFSETS) {
    if ((task.n * offset) / 100 < MARGIN && offset !== BRACKET_OFFSETS.at(-1)) continue;
    const low = task.estimates.get(Math.max(0, percent - offset));
    const high = task.estimates.get(Math.min(100, percent + offset));
    if (low !== undefined && high !== undefined && low <= high) return { low, high };
  }
  return undefined;
}

async function readAll(reads: Read[], values: Array<[number | null, number | null] | undefined>, searches: QuantileSearches): Promise<void> {
  if (reads.length === 0) return;
  const responses = await searches.msearch(reads.map((read) => read.body));
  reads.forEach((read, k) => {
    const hits = (responses[k]?.hits?.hits ?? []) as Array<{ sort: unknown[] }>;
    const [lo, hi] = read.pick(hits);
    values[read.task] = [lo, hi];
  });
}

/** The percents to ask the t-digest for, around a quantile. */
export function bracketPercents(percent: number): number[] {
  return [...new Set(BRACKET_OFFSETS.flatMap((offset) => [Math.max(0, percent - offset), Math.min(100, percent + offset)]))];
}
