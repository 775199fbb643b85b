// The fields of the current results with their top values over the whole match (the facets API),
// each value a click away from the query.
import { useEffect, useMemo, useState } from 'preact/hooks';
import { get, type FacetField, type FacetsResult } from '../api.ts';
import { filterParams, searchKey, type SearchState } from '../state.ts';
import { addTerm, fieldEntries, termFor, valueText, visible } from '../text.ts';
import { learnFields } from './known-fields.ts';
import type { Hit } from '../api.ts';

const FIELDS = 12;
const VALUES = 5;
/** Fields whose every value differs (ids, times, messages) tell little as facets. */
const SKIP = new Set(['timestamp', 'message', '@timestamp', 'time', 'ts']);
/** Sampled values needed to call a field's values unique. */
const UNIQUE_SAMPLE = 20;

export function Sidebar({ state, hits, columns, ready, onFilter, onToggleColumn }: {
  state: SearchState; hits: Hit[]; columns: string[];
  /** The rows and histogram are in: the facets (the heaviest reads) wait for them, not compete. */
  ready: boolean;
  onFilter: (q: string) => void; onToggleColumn: (field: string) => void;
}) {
  const [facets, setFacets] = useState<FacetsResult | null>(null);
  const [opened, setOpened] = useState<Record<string, FacetField>>({});
  const sample = hits.slice(0, 500);
  const { fields, idLike } = useMemo(() => {
    learnFields(sample.map((hit) => hit.record));
    const counts = new Map<string, number>();
    const values = new Map<string, Set<string>>();
    for (const hit of sample) {
      for (const [field, value] of fieldEntries(hit.record)) {
        counts.set(field, (counts.get(field) ?? 0) + 1);
        const seen = values.get(field) ?? new Set<string>();
        values.set(field, seen.add(valueText(value)));
      }
    }
    const ordered = [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([field]) => field).filter((field) => !SKIP.has(field));
    // a field whose every sampled value differs (trace ids…) costs the most to count and says the least: counted when opened
    const unique = new Set(ordered.filter((field) => counts.get(field)! >= UNIQUE_SAMPLE && values.get(field)!.size / counts.get(field)! > 0.8));
    return { fields: ordered, idLike: unique };
  }, [sample.length > 0 ? sample[0]!.id : '', sample.length]);
  const shown = fields.slice(0, FIELDS);
  const counted = shown.filter((field) => !idLike.has(field));
  const key = `${searchKey(state)}|${counted.join(',')}`;

  useEffect(() => {
    setOpened({});
    if (!ready) return;
    if (counted.length === 0) return setFacets(null);
    const controller = new AbortController();
    get<FacetsResult>('/api/v1/facets', { ...filterParams(state), fields: counted.join(','), limit: VALUES }, controller.signal)
      .then(setFacets).catch(() => undefined);
    return () => controller.abort();
  }, [key, ready]);

  const open = (field: string) => {
    if (!idLike.has(field) || opened[field]) return;
    get<FacetsResult>('/api/v1/facets', { ...filterParams(state), fields: field, limit: VALUES })
      .then((result) => setOpened((current) => ({ ...current, [field]: result.fields[field]! }))).catch(() => undefined);
  };

  return (
    <aside class="sidebar" aria-label="Fields">
      <h3>Fields</h3>
      {shown.length === 0 ? <p class="muted">No records</p> : null}
      {shown.map((field) => {
        const facet = facets?.fields[field] ?? opened[field];
        return (
          <details key={field} open={shown.indexOf(field) < 4 && !idLike.has(field)} class="facet" data-field={field}
            onToggle={(event) => { if ((event.currentTarget as HTMLDetailsElement).open) open(field); }}>
            <summary>
              <span class="field-name">{field}</span>
              {facet ? <span class="muted"> {facet.distinct.toLocaleString('en')}</span> : idLike.has(field) ? <span class="muted"> unique</span> : null}
              <button class={`tiny ${columns.includes(field) ? 'on' : ''}`} title={columns.includes(field) ? 'Remove the column' : 'Show as a column'}
                onClick={(event) => { event.preventDefault(); onToggleColumn(field); }}>{columns.includes(field) ? '−col' : '+col'}</button>
            </summary>
            <ul>
              {(facet?.values ?? []).map((item) => (
                <li key={item.value}>
                  <button class="facet-value" title={`Filter: ${field} is ${item.value}`}
                    onClick={() => onFilter(addTerm(state.q, termFor(field, item.value)))}>
                    <span class="value">{visible(item.value)}</span>
                    <span class="bar-wrap"><span class="bar-fill" style={{ width: `${facets ? (100 * item.count) / Math.max(1, facets.total) : 0}%` }} /></span>
                    <span class="muted">{item.count.toLocaleString('en')}</span>
                  </button>
                  <button class="tiny" title={`Exclude: ${field} is ${item.value}`} aria-label={`Exclude ${item.value}`}
                    onClick={() => onFilter(addTerm(state.q, termFor(field, item.value, true)))}>−</button>
                </li>
              ))}
            </ul>
          </details>
        );
      })}
    </aside>
  );
}
