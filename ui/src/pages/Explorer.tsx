// The log explorer: query bar, histogram, field sidebar, results, record panel, context and live tail.
import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { get, INDEXING_STARTED, type Hit, type HistogramResult, type SearchResult, ApiError } from '../api.ts';
import { FIRST_READ_PARAM, filterParams, readState, rowsParams, searchKey, stateSearch, type SearchState } from '../state.ts';
import { takeFirstRead } from '../first-read.ts';
import { go, useLocation } from '../App.tsx';
import { QueryBar } from '../components/QueryBar.tsx';
import { TimePicker } from '../components/TimePicker.tsx';
import { StreamPicker } from '../components/StreamPicker.tsx';
import { Histogram } from '../components/Histogram.tsx';
import { Sidebar } from '../components/Sidebar.tsx';
import { Results } from '../components/Results.tsx';
import { RecordPanel } from '../components/RecordPanel.tsx';
import { ContextView } from '../components/ContextView.tsx';
import { ExportMenu } from '../components/ExportMenu.tsx';
import { Patterns } from '../components/Patterns.tsx';
import { SavedMenu, savedState, type SavedSearch } from '../components/SavedMenu.tsx';
import { useLiveTail } from '../components/live-tail.ts';
import { useDeadLetterStreams } from '../components/dead-letter-streams.ts';

export interface Loaded {
  hits: Hit[];
  /** Records the live tail added since the search (the histogram's total counts the rest). */
  liveAdded: number;
  cursor: string | null;
  tookMs: number;
  /** The absolute span the search ran on, so the next pages read the same one. */
  params: Record<string, string | undefined>;
}

/** Rows a live tail keeps in the page. */
const LIVE_KEEP = 20_000;

/** Resolves once the browser has painted what was just rendered. */
function afterPaint(): Promise<void> {
  return new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
}

export function Explorer({ deadLetters }: { deadLetters: boolean }) {
  const location = useLocation();
  const urlState = useMemo(() => readState(location.search), [location.search]);
  const dlqStreams = useDeadLetterStreams(deadLetters);
  const state: SearchState = deadLetters
    ? { ...urlState, streams: urlState.streams.length ? urlState.streams : dlqStreams ?? [], columns: urlState.columns.length ? urlState.columns : ['reason', 'error'] }
    : urlState;
  const ready = (!deadLetters || dlqStreams !== null) && !new URLSearchParams(location.search).get('saved');

  const [loaded, setLoaded] = useState<Loaded | null>(null);
  /** With the parameters it answered: its total is the rows' total only when theirs are the same. */
  const [histogram, setHistogram] = useState<{ result: HistogramResult; params: Loaded['params'] } | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [loading, setLoading] = useState(false);
  // true from the first render: before the first search begins, no rows means not yet, not none
  const [rowsLoading, setRowsLoading] = useState(true);
  const [selected, setSelected] = useState<Hit | null>(null);
  const [context, setContext] = useState<Hit | null>(null);
  const [live, setLive] = useState(false);
  const [tab, setTab] = useState<'records' | 'patterns'>('records');
  const key = searchKey(state);
  const moreRequest = useRef<AbortController | null>(null);
  const { indexing, refresh } = useIndexingRefresh(key);

  // a saved search's link (/?saved=ID) opens as its search, in the URL like any other
  const savedId = new URLSearchParams(location.search).get('saved');
  useEffect(() => {
    if (!savedId) return;
    get<SavedSearch>(`/api/v1/saved-searches/${encodeURIComponent(savedId)}`)
      .then((saved) => go(`${location.pathname}${stateSearch(savedState(saved))}`, true))
      .catch((failure: unknown) => setError(failure instanceof ApiError ? failure : new ApiError(0, 'network', String(failure))));
  }, [savedId]);

  const update = (next: Partial<SearchState>) => {
    const merged = { ...urlState, ...next };
    go(`${location.pathname}${stateSearch(merged)}`);
  };

  useEffect(() => {
    if (!ready) return;
    const controller = new AbortController();
    moreRequest.current?.abort();
    const first = takeFirstRead();
    const params = filterParams(state, first?.now);
    const token = first ? { [FIRST_READ_PARAM]: first.token } : {};
    setLoading(true);
    setRowsLoading(true);
    setError(null);
    // One after the other, the histogram once the rows are painted: on a small machine the two
    // reads share the store's cores (and the browser's), and the rows are what the reader waits
    // for; the histogram counts every match, so the rows need not count them.
    get<SearchResult>('/api/v1/search', { ...rowsParams(params), ...token }, controller.signal)
      .then((result) => setLoaded({ hits: result.hits, liveAdded: 0, cursor: result.cursor, tookMs: result.tookMs, params }))
      .finally(() => { if (!controller.signal.aborted) setRowsLoading(false); })
      .then(afterPaint)
      .then(() => get<HistogramResult>('/api/v1/histogram', { ...params, by: 'level' }, controller.signal))
      .then((result) => setHistogram({ result, params }))
      .catch((failure: unknown) => {
        if (controller.signal.aborted) return;
        setError(failure instanceof ApiError ? failure : new ApiError(0, 'network', String(failure)));
        setLoaded(null);
        setHistogram(null);
      })
      .finally(() => { if (!controller.signal.aborted) setLoading(false); });
    return () => controller.abort();
  }, [key, ready, refresh]);

  const loadMore = useCallback(() => {
    if (!loaded?.cursor || moreRequest.current) return;
    const controller = new AbortController();
    moreRequest.current = controller;
    get<SearchResult>('/api/v1/search', { ...rowsParams(loaded.params), cursor: loaded.cursor }, controller.signal)
      .then((result) => setLoaded((current) => current && current.cursor === loaded.cursor
        ? { ...current, hits: [...current.hits, ...result.hits], cursor: result.cursor }
        : current))
      .catch(() => undefined)
      .finally(() => { if (moreRequest.current === controller) moreRequest.current = null; });
  }, [loaded]);

  const arrived = useLiveTail(live && ready, state);
  useEffect(() => {
    if (arrived.length === 0) return;
    setLoaded((current) => {
      if (!current) return current;
      // the tail looks a few seconds back: records the search already showed are not added twice
      const shown = new Set(current.hits.slice(0, 5_000).map((hit) => hit.id));
      const fresh = arrived.filter((hit) => !shown.has(hit.id));
      if (fresh.length === 0) return current;
      const hits = [...fresh, ...current.hits];
      // a tail of busy traffic keeps the newest LIVE_KEEP rows; the older ones are a search away
      const kept = hits.length > LIVE_KEEP ? hits.slice(0, LIVE_KEEP) : hits;
      return { ...current, hits: kept, cursor: kept.length < hits.length ? null : current.cursor, liveAdded: current.liveAdded + fresh.length };
    });
  }, [arrived]);

  useEffect(() => {
    const keys = (event: KeyboardEvent) => {
      if (event.key === 'Escape') { setContext(null); setSelected(null); }
    };
    addEventListener('keydown', keys);
    return () => removeEventListener('keydown', keys);
  }, []);

  const toggleColumn = (field: string) => update({ columns: state.columns.includes(field) ? state.columns.filter((c) => c !== field) : [...state.columns, field] });

  return (
    <main class="explorer">
      <div class="searchbar">
        <StreamPicker selected={state.streams} onChange={(streams) => update({ streams })} only={deadLetters ? dlqStreams ?? [] : undefined} />
        <QueryBar query={state.q} error={error} state={state} onSearch={(q) => update({ q })} />
        <TimePicker state={state} onChange={(range) => update(range)} />
        {deadLetters ? null : <SavedMenu state={state} />}
      </div>
      {error ? <div class="error-banner" role="alert">{error.message}</div> : null}
      {indexing ? <div class="notice-banner" role="status">Indexing {indexing} from the log: its records appear as the indexer catches up.</div> : null}
      <Histogram result={histogram?.result ?? null} onZoom={(from, to) => update({ range: 'custom', from, to })} />
      <div class="workspace">
        <Sidebar state={state} hits={loaded?.hits ?? []} columns={state.columns} ready={!loading}
          onFilter={(q) => update({ q })} onToggleColumn={toggleColumn} />
        <section class="results-pane">
          <div class="results-head">
            <span class="tabs" role="tablist">
              <button role="tab" aria-selected={tab === 'records'} class={tab === 'records' ? 'on' : ''} onClick={() => setTab('records')}>Records</button>
              <button role="tab" aria-selected={tab === 'patterns'} class={tab === 'patterns' ? 'on' : ''} onClick={() => setTab('patterns')}>Patterns</button>
            </span>
            <span class="count" data-testid="total">
              {loaded ? `${histogram?.params === loaded.params ? (histogram.result.total + loaded.liveAdded).toLocaleString('en') : `${loaded.hits.length.toLocaleString('en')}${loaded.cursor ? '+' : ''}`} records` : loading ? 'Searching…' : ''}
              {loaded ? <span class="muted"> · {loaded.tookMs} ms</span> : null}
            </span>
            <span class="spacer" />
            <label class="live-toggle" title="Stream new matching records as they arrive">
              <input type="checkbox" checked={live} onChange={(event) => setLive(event.currentTarget.checked)} /> Live
            </label>
            <ExportMenu state={state} columns={state.columns} />
          </div>
          {tab === 'patterns' ? <Patterns state={state} onFilter={(q) => { setTab('records'); update({ q }); }} /> : (
            <Results hits={loaded?.hits ?? []} columns={state.columns} more={Boolean(loaded?.cursor)} selectedId={selected?.id ?? null}
              onSelect={setSelected} onNearEnd={loadMore} live={live} searching={rowsLoading} />
          )}
        </section>
        {selected ? (
          <RecordPanel hit={selected} columns={state.columns} onClose={() => setSelected(null)} onToggleColumn={toggleColumn}
            onFilter={(term) => update({ q: term(state.q) })} onContext={() => setContext(selected)} />
        ) : null}
      </div>
      {context ? <ContextView anchor={context} columns={state.columns} onClose={() => setContext(null)} /> : null}
    </main>
  );
}

/** Searches made while an on-search stream catches up, one every REFRESH_MS. */
const REFRESHES = 5;
const REFRESH_MS = 2_000;

/**
 * When a search started indexing a stream (the server's Tributary-Indexing header), says so and
 * searches again a few times while the indexer catches up; a new search ends it.
 */
function useIndexingRefresh(key: string): { indexing: string | null; refresh: number } {
  const [indexing, setIndexing] = useState<string | null>(null);
  const [refresh, setRefresh] = useState(0);
  useEffect(() => {
    const started = (event: Event) => setIndexing((event as CustomEvent<string>).detail);
    addEventListener(INDEXING_STARTED, started);
    return () => removeEventListener(INDEXING_STARTED, started);
  }, []);
  useEffect(() => setIndexing(null), [key]);
  useEffect(() => {
    if (!indexing) return;
    let count = 0;
    const timer = setInterval(() => {
      setRefresh((n) => n + 1);
      if (++count >= REFRESHES) setIndexing(null);
    }, REFRESH_MS);
    return () => clearInterval(timer);
  }, [indexing]);
  return { indexing, refresh };
}
