// The operator's page: ingest and indexing rates, topics with partitions and sizes, consumer
// groups with lag, pipelines with their in/out/dead-letter counts, workers and the autoscaler's
// changes. Refreshed every few seconds.
import { useEffect, useRef, useState } from 'preact/hooks';
import { authHeaders, get, ApiError } from '../api.ts';

const REFRESH_MS = 2_000;

interface Partition { partition: number; startOffset: number; endOffset: number }
interface Topic { name: string; partitions: Partition[] }
interface GroupLag { topic: string; partition: number; committed: number | null; lag: number }
interface Group { group: string; members: number; partitions: GroupLag[] }
interface Pipeline {
  name: string; group: string; description: string | null; steps: string[]; recordsIn: number;
  out: Record<string, number>; deadLetters: Record<string, number>; lateRecords: number; duplicates: number;
  deadLetterTopic: string; lag: number | null; state: Record<string, number>; paused?: boolean;
  autoscale?: Scaling | null;
}
interface ScalingEvent { at: number; from: number; to: number; backlog: number; reason: string }
interface Scaling { workers: number; maxWorkers: number; thresholds: number[]; backlog: number | null; events: ScalingEvent[] }
const EVENTS_SHOWN = 10;

interface Snapshot { at: number; topics: Topic[]; groups: Group[]; pipelines: Pipeline[]; counters: Record<string, number> }

/** Sums of the Prometheus counters the page shows rates of. */
function counters(text: string): Record<string, number> {
  const sums: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const match = /^(tributary_(?:ingested_records|indexed_records|dead_letters|pipeline_records_in|pipeline_dead_letters)_total)(?:\{[^}]*\})? ([\d.e+-]+)$/.exec(line);
    if (match) sums[match[1]!] = (sums[match[1]!] ?? 0) + Number(match[2]);
  }
  return sums;
}

async function snapshot(signal: AbortSignal): Promise<Snapshot> {
  const [names, groupNames, pipelines, metrics] = await Promise.all([
    get<{ topics: string[] }>('/api/v1/topics', {}, signal),
    get<{ groups: string[] }>('/api/v1/groups', {}, signal),
    get<{ pipelines: Pipeline[] }>('/api/v1/pipelines', {}, signal),
    fetch('/metrics', { headers: authHeaders(), signal }).then((response) => (response.ok ? response.text() : '')),
  ]);
  const [topics, groups] = await Promise.all([
    Promise.all(names.topics.map((name) => get<Topic>(`/api/v1/topics/${encodeURIComponent(name)}`, {}, signal))),
    Promise.all(groupNames.groups.map((name) => get<Group>(`/api/v1/groups/${encodeURIComponent(name)}`, {}, signal).catch(() => ({ group: name, members: 0, partitions: [] })))),
  ]);
  return { at: Date.now(), topics, groups, pipelines: pipelines.pipelines, counters: counters(metrics) };
}

const number = (n: number | null | undefined) => Math.round(n ?? 0).toLocaleString('en');
const sum = (values: Record<string, number>) => Object.values(values).reduce((total, value) => total + value, 0);

export function Pipelines() {
  const [now, setNow] = useState<Snapshot | null>(null);
  const [error, setError] = useState<string | null>(null);
  const previous = useRef<Snapshot | null>(null);
  const [rates, setRates] = useState<Record<string, number>>({});

  useEffect(() => {
    const controller = new AbortController();
    let timer = 0;
    const tick = async () => {
      try {
        const next = await snapshot(controller.signal);
        const before = previous.current;
        if (before) {
          const seconds = (next.at - before.at) / 1000;
          setRates(Object.fromEntries(Object.entries(next.counters).map(([name, value]) => [name, Math.max(0, (value - (before.counters[name] ?? 0)) / seconds)])));
        }
        previous.current = next;
        setNow(next);
        setError(null);
      } catch (failure) {
        if (!controller.signal.aborted) setError(failure instanceof ApiError ? failure.message : String(failure));
      }
      if (!controller.signal.aborted) timer = window.setTimeout(tick, REFRESH_MS);
    };
    void tick();
    return () => { controller.abort(); clearTimeout(timer); };
  }, []);

  if (!now) return <main class="ops">{error ? <div class="error-banner">{error}</div> : <p class="muted">Loading…</p>}</main>;
  const rate = (name: string) => `${number(rates[`tributary_${name}_total`])}/s`;
  return (
    <main class="ops" data-testid="pipelines-page">
      {error ? <div class="error-banner">{error}</div> : null}
      <section class="tiles">
        <div class="tile"><span class="muted">Ingest</span><strong data-testid="ingest-rate">{rate('ingested_records')}</strong><span class="muted">{number(now.counters.tributary_ingested_records_total)} since start</span></div>
        <div class="tile"><span class="muted">Indexing</span><strong>{rate('indexed_records')}</strong><span class="muted">{number(now.counters.tributary_indexed_records_total)} since start</span></div>
        <div class="tile"><span class="muted">Pipelines in</span><strong>{rate('pipeline_records_in')}</strong><span class="muted">{number(now.counters.tributary_pipeline_records_in_total)} since start</span></div>
        <div class="tile"><span class="muted">Dead letters</span><strong>{number((now.counters.tributary_dead_letters_total ?? 0) + (now.counters.tributary_pipeline_dead_letters_total ?? 0))}</strong><span class="muted">since start</span></div>
      </section>

      <h2>Pipelines</h2>
      <table class="grid" data-testid="pipelines-table">
        <thead><tr><th>Pipeline</th><th>Steps</th><th>In</th><th>Out</th><th>Dead letters</th><th>Duplicates</th><th>Late</th><th>Lag</th><th>Workers</th></tr></thead>
        <tbody>
          {now.pipelines.map((pipeline) => (
            <tr key={pipeline.name}>
              <td><strong>{pipeline.name}</strong><div class="muted small">{pipeline.description ?? pipeline.group}</div></td>
              <td class="small">{pipeline.steps.join(' → ')}</td>
              <td>{number(pipeline.recordsIn)}</td>
              <td title={Object.entries(pipeline.out).map(([name, n]) => `${name}: ${n}`).join('\n')}>{number(sum(pipeline.out))}</td>
              <td><a href={`/ui/dead-letters?stream=${encodeURIComponent(pipeline.deadLetterTopic)}`}>{number(sum(pipeline.deadLetters))}</a></td>
              <td>{number(pipeline.duplicates)}</td>
              <td>{number(pipeline.lateRecords)}</td>
              <td>{number(pipeline.lag)}</td>
              <td data-testid="workers" title={pipeline.autoscale ? `one more worker over each backlog of ${pipeline.autoscale.thresholds.join(', ')}` : 'not autoscaled'}>
                {pipeline.autoscale ? `${pipeline.autoscale.workers} of ${pipeline.autoscale.maxWorkers}` : '1'}{pipeline.paused ? ' (paused)' : ''}
              </td>
            </tr>
          ))}
          {now.pipelines.length === 0 ? <tr><td colSpan={9} class="muted">No pipelines run in this process</td></tr> : null}
        </tbody>
      </table>

      <ScalingEvents pipelines={now.pipelines} />

      <h2>Consumer groups</h2>
      <table class="grid" data-testid="groups-table">
        <thead><tr><th>Group</th><th>Members</th><th>Partitions</th><th>Lag</th></tr></thead>
        <tbody>
          {now.groups.map((group) => (
            <tr key={group.group}>
              <td>{group.group}</td><td>{group.members}</td><td>{group.partitions.length}</td>
              <td>{number(group.partitions.reduce((total, partition) => total + partition.lag, 0))}</td>
            </tr>
          ))}
        </tbody>
      </table>

      <h2>Topics</h2>
      <table class="grid" data-testid="topics-table">
        <thead><tr><th>Topic</th><th>Partitions</th><th>Messages retained</th><th>Next offset per partition</th></tr></thead>
        <tbody>
          {now.topics.map((topic) => (
            <tr key={topic.name}>
              <td>{topic.name}</td><td>{topic.partitions.length}</td>
              <td>{number(topic.partitions.reduce((total, p) => total + p.endOffset - p.startOffset, 0))}</td>
              <td class="small">{topic.partitions.map((p) => number(p.endOffset)).join(' · ')}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </main>
  );
}

/** The autoscaler's latest changes over every pipeline, newest first. */
function ScalingEvents({ pipelines }: { pipelines: Pipeline[] }) {
  const events = pipelines.flatMap((pipeline) => (pipeline.autoscale?.events ?? []).map((event) => ({ ...event, pipeline: pipeline.name })))
    .sort((a, b) => b.at - a.at).slice(0, EVENTS_SHOWN);
  if (!pipelines.some((pipeline) => pipeline.autoscale)) return null;
  return (
    <>
      <h2>Autoscaling</h2>
      <table class="grid" data-testid="scaling-table">
        <thead><tr><th>Time</th><th>Pipeline</th><th>Workers</th><th>Backlog</th><th>Why</th></tr></thead>
        <tbody>
          {events.map((event) => (
            <tr key={`${event.pipeline}-${event.at}`}>
              <td class="small">{new Date(event.at).toLocaleTimeString()}</td><td>{event.pipeline}</td>
              <td>{event.from} → {event.to}</td><td>{number(event.backlog)}</td><td class="small">{event.reason}</td>
            </tr>
          ))}
          {events.length === 0 ? <tr><td colSpan={5} class="muted">No change yet: each autoscaled pipeline runs one worker until its backlog passes a threshold</td></tr> : null}
        </tbody>
      </table>
    </>
  );
}
