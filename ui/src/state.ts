// The explorer's whole state lives in the URL, so a search can be shared and the back button works.
export const RANGES = ['5m', '15m', '1h', '24h', '7d', '30d', 'all', 'custom'] as const;
export type RangeName = (typeof RANGES)[number];

export const RANGE_LABELS: Record<RangeName, string> = {
  '5m': 'Last 5 minutes', '15m': 'Last 15 minutes', '1h': 'Last hour', '24h': 'Last 24 hours',
  '7d': 'Last 7 days', '30d': 'Last 30 days', all: 'All time', custom: 'Custom range',
};

const RANGE_MS: Record<string, number> = { '5m': 300_000, '15m': 900_000, '1h': 3_600_000, '24h': 86_400_000, '7d': 604_800_000, '30d': 2_592_000_000 };

export interface SearchState {
  q: string;
  range: RangeName;
  /** ISO times of a custom range. */
  from: string;
  to: string;
  streams: string[];
  /** Record fields shown as columns beside time, level and message. */
  columns: string[];
}

export const DEFAULT_STATE: SearchState = { q: '', range: 'all', from: '', to: '', streams: [], columns: [] };

const list = (text: string | null): string[] => (text ?? '').split(',').map((item) => item.trim()).filter(Boolean);

export function readState(search: string): SearchState {
  const params = new URLSearchParams(search);
  const range = params.get('range') as RangeName | null;
  return {
    q: params.get('q') ?? '',
    range: range && (RANGES as readonly string[]).includes(range) ? range : (params.get('from') || params.get('to') ? 'custom' : DEFAULT_STATE.range),
    from: params.get('from') ?? '',
    to: params.get('to') ?? '',
    streams: list(params.get('stream')),
    columns: list(params.get('columns')),
  };
}

export function stateSearch(state: SearchState): string {
  const params = new URLSearchParams();
  if (state.q) params.set('q', state.q);
  if (state.range !== DEFAULT_STATE.range) params.set('range', state.range);
  if (state.range === 'custom') {
    if (state.from) params.set('from', state.from);
    if (state.to) params.set('to', state.to);
  }
  if (state.streams.length) params.set('stream', state.streams.join(','));
  if (state.columns.length) params.set('columns', state.columns.join(','));
  const text = params.toString();
  return text ? `?${text}` : '';
}

/** The absolute time span of a state now (relative ranges end at this moment). */
export function timeSpan(state: SearchState, now = Date.now()): { from?: string; to?: string } {
  if (state.range === 'custom') return { from: state.from || undefined, to: state.to || undefined };
  const span = RANGE_MS[state.range];
  return span === undefined ? {} : { from: new Date(now - span).toISOString(), to: new Date(now).toISOString() };
}

/** The filter parameters every read takes. */
export function filterParams(state: SearchState, now = Date.now()): Record<string, string | undefined> {
  return { q: state.q || undefined, stream: state.streams.join(',') || undefined, ...timeSpan(state, now) };
}

/** The parameter of the explorer's first search holding the token of the read the server started with the page (src/api/first-reads.ts). */
export const FIRST_READ_PARAM = 'first';

/** Rows in a page of results. */
const PAGE_ROWS = 200;

/** What the explorer asks first for a search: its newest page of rows (the histogram counts the matches). */
export function rowsParams(params: Record<string, string | undefined>): Record<string, string | undefined> {
  return { ...params, limit: String(PAGE_ROWS), total: 'false' };
}

/** What a search's reads depend on: a relative range counts as its name, not its moving bounds. */
export function searchKey(state: SearchState): string {
  return JSON.stringify([state.q, state.range, state.from, state.to, state.streams]);
}
