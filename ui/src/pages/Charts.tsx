// A stream's numeric fields over time: count, avg, p99… per interval, one line per value of an
// optional group-by field (its commonest few) — the windowed metrics of seed 001, the
// per-customer latency of seed 004. The URL holds the chart.
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { get, ApiError, type Hit, type SearchResult, type StatsGroup } from '../api.ts';
import { filterParams, readState, searchKey, stateSearch, type SearchState } from '../state.ts';
import { go, useLocation } from '../App.tsx';
import { QueryBar } from '../components/QueryBar.tsx';
import { TimePicker } from '../components/TimePicker.tsx';
import { StreamPicker } from '../components/StreamPicker.tsx';
import { fieldEntries } from '../text.ts';

const AGGREGATIONS = ['count', 'avg', 'p50', 'p90', 'p99', 'max', 'min', 'sum', 'distinct'] as const;
const PALETTE = ['#2563eb', '#dc2626', '#059669', '#d97706', '#7c3aed', '#0891b2', '#db2777', '#65a30d'];
const TOP = 6;

interface ChartSpec { field: string; agg: string; by: string; interval: string }

/** auto: ~120 points over the range; the rest as the stats API takes them. */
const INTERVALS = ['auto', '1m', '5m', '15m', '1h', '1d'] as const;

function readSpec(search: string): ChartSpec {
  const params = new URLSearchParams(search);
  const interval = params.get('interval') ?? 'auto';
  return { field: params.get('field') ?? '', agg: params.get('agg') ?? 'count', by: params.get('by') ?? '', interval: (INTERVALS as readonly string[]).includes(interval) ? interval : 'auto' };
}

function chartSearch(state: SearchState, spec: ChartSpec): string {
  const params = new URLSearchParams(stateSearch(state));
  for (const [name, value] of Object.entries(spec)) if (value && !(name === 'interval' && value === 'auto')) params.set(name, value);
  const text = params.toString();
  return text ? `?${text}` : '';
}

/** Fields of the sample records by the kind of their values: numbers to chart, text to group by. */
function fieldsOf(hits: Hit[]): { numeric: string[]; text: string[] } {
  const numeric = new Map<string, number>();
  const text = new Map<string, number>();
  for (const hit of hits) {
    for (const [path, value] of fieldEntries(hit.record)) {
      if (typeof value === 'number') numeric.set(path, (numeric.get(path) ?? 0) + 1);
      else if (typeof value === 'string' && value.length <= 80 && !/time|^message$/.test(path)) text.set(path, (text.get(path) ?? 0) + 1);
    }
  }
  const order = (counts: Map<string, number>) => [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([path]) => path);
  return { numeric: order(numeric), text: order(text) };
}

interface Series { times: number[]; lines: Array<{ label: string; values: Array<number | null> }> }

function toSeries(groups: StatsGroup[], spec: ChartSpec, valueName: string): Series {
  const times = [...new Set(groups.map((group) => Date.parse(group.key._time!)))].sort((a, b) => a - b);
  const at = new Map(times.map((time, i) => [time, i]));
  const lines = new Map<string, Array<number | null>>();
  for (const group of groups) {
    const label = spec.by ? group.key[spec.by] ?? '(none)' : valueName;
    if (!lines.has(label)) lines.set(label, times.map(() => null));
    lines.get(label)![at.get(Date.parse(group.key._time!))!] = group.values[valueName] ?? null;
  }
  return { times, lines: [...lines.entries()].map(([label, values]) => ({ label, values })) };
}

function Chart({ series, title }: { series: Series; title: string }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const element = box.current!;
    const dark = document.documentElement.dataset.theme === 'dark';
    const axis = { stroke: dark ? '#8b94a7' : '#6a7384', grid: { stroke: dark ? '#272c36' : '#e3e6ec' } };
    const plot = new uPlot({
      title,
      width: element.clientWidth,
      height: 380,
      scales: { x: { time: true } },
      axes: [axis, { ...axis, size: 70 }],
      series: [{}, ...series.lines.map((line, i) => ({ label: line.label, stroke: PALETTE[i % PALETTE.length], width: 2, spanGaps: false }))],
    }, [series.times.map((ms) => ms / 1000), ...series.lines.map((line) => line.values)] as uPlot.AlignedData, element);
    const observer = new ResizeObserver(() => plot.setSize({ width: element.clientWidth, height: 380 }));
    observer.observe(element);
    return () => { observer.disconnect(); plot.destroy(); };
  }, [series, title]);
  return <div class="chart" ref={box} data-testid="chart" />;
}

export function Charts() {
  const location = useLocation();
  const state = useMemo(() => readState(location.search), [location.search]);
  const spec = useMemo(() => readSpec(location.search), [location.search]);
  const [fields, setFields] = useState<{ numeric: string[]; text: string[] }>({ numeric: [], text: [] });
  const [series, setSeries] = useState<Series | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const update = (next: Partial<SearchState>, nextSpec: Partial<ChartSpec> = {}) => go(`/ui/charts${chartSearch({ ...state, ...next }, { ...spec, ...nextSpec })}`);
  const valueName = spec.agg === 'count' || !spec.field ? 'count' : `${spec.agg}(${spec.field})`;
  const filterKey = searchKey(state);

  useEffect(() => {
    const controller = new AbortController();
    get<SearchResult>('/api/v1/search', { ...filterParams(state), limit: 300, total: false }, controller.signal)
      .then((result) => setFields(fieldsOf(result.hits))).catch(() => undefined);
    return () => controller.abort();
  }, [filterKey]);

  useEffect(() => {
    const controller = new AbortController();
    setError(null);
    const agg = valueName === 'count' ? 'count' : `${spec.agg}:${spec.field}`;
    get<{ groups: StatsGroup[]; intervalMs: number }>('/api/v1/stats', {
      ...filterParams(state), agg, interval: spec.interval, by: spec.by || undefined, top: spec.by ? TOP : undefined,
    }, controller.signal)
      .then((result) => setSeries(toSeries(result.groups, spec, valueName)))
      .catch((failure: unknown) => { if (!controller.signal.aborted) setError(failure instanceof ApiError ? failure : new ApiError(0, 'network', String(failure))); });
    return () => controller.abort();
  }, [filterKey, spec.field, spec.agg, spec.by, spec.interval]);

  return (
    <main class="charts">
      <div class="searchbar">
        <StreamPicker selected={state.streams} onChange={(streams) => update({ streams })} />
        <QueryBar query={state.q} error={error} state={state} onSearch={(q) => update({ q })} />
        <TimePicker state={state} onChange={(range) => update(range)} />
      </div>
      <div class="chart-controls">
        <label>Show <select aria-label="Aggregation" value={spec.agg} onChange={(event) => update({}, { agg: event.currentTarget.value })}>
          {AGGREGATIONS.map((agg) => <option key={agg} value={agg}>{agg}</option>)}
        </select></label>
        <label>of <select aria-label="Field" value={spec.field} disabled={spec.agg === 'count'} onChange={(event) => update({}, { field: event.currentTarget.value })}>
          <option value="">(records)</option>
          {[...new Set([...fields.numeric, ...(spec.agg === 'distinct' ? fields.text : []), ...(spec.field ? [spec.field] : [])])].map((field) => <option key={field} value={field}>{field}</option>)}
        </select></label>
        <label>by <select aria-label="Group by" value={spec.by} onChange={(event) => update({}, { by: event.currentTarget.value })}>
          <option value="">(no grouping)</option>
          {[...new Set([...fields.text, ...(spec.by ? [spec.by] : [])])].map((field) => <option key={field} value={field}>{field}</option>)}
        </select></label>
        <label>every <select aria-label="Interval" value={spec.interval} onChange={(event) => update({}, { interval: event.currentTarget.value })}>
          {INTERVALS.map((interval) => <option key={interval} value={interval}>{interval}</option>)}
        </select></label>
        {spec.by ? <span class="muted">its {TOP} commonest values</span> : null}
      </div>
      {error ? <div class="error-banner" role="alert">{error.message}</div> : null}
      {series && series.times.length > 0 ? <Chart series={series} title={`${valueName}${spec.by ? ` by ${spec.by}` : ''}`} />
        : <p class="muted chart-empty">{series ? 'No records in this range' : 'Loading…'}</p>}
    </main>
  );
}
