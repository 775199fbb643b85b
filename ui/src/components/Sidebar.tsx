// The fields of the current results with their top values over the whole match (the facets API),
// each value a click away from the query.
import { useEffect, useMemo, useState } from 'preact/hooks';
import { get, type FacetsResult } from '../api.ts';
import { filterParams, type SearchState } from '../state.ts';
import { addTerm, termFor, visible } from '../text.ts';
import { learnFields } from './known-fields.ts';
import type { Hit } from '../api.ts';

const FIELDS = 12;
const VALUES = 5;
/** Fields whose every value differs (ids, times, messages) tell little as facets. */
const SKIP = new Set(['timestamp', 'message', '@timestamp', 'time', 'ts']);

export function Sidebar({ state, hits, columns, onFilter, onToggleColumn }: {
  state: SearchState; hits: Hit[]; columns: string[]; onFilter: (q: string) => void; onToggleColumn: (field: string) => void;
}) {
  const [facets, setFacets] = useState<FacetsResult | null>(null);
  const sample = hits.slice(0, 500);
  const fields = useMemo(() => {
    learnFields(sample.map((hit) => hit.record));
    const counts = new Map<string, number>();
    for (const hit of sample) for (const field of Object.keys(flat(hit.record))) counts.set(field, (counts.get(field) ?? 0) + 1);
    return [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([field]) => field).filter((field) => !SKIP.has(field));
  }, [sample.length > 0 ? sample[0]!.id : '', sample.length]);
  const shown = fields.slice(0, FIELDS);
  const key = `${JSON.stringify(filterParams(state))}|${shown.join(',')}`;

  useEffect(() => {
    if (shown.length === 0) return setFacets(null);
    const controller = new AbortController();
    get<FacetsResult>('/api/v1/facets', { ...filterParams(state), fields: shown.join(','), limit: VALUES }, controller.signal)
      .then(setFacets).catch(() => undefined);
    return () => controller.abort();
  }, [key]);

  return (
    <aside class="sidebar" aria-label="Fields">
      <h3>Fields</h3>
      {shown.length === 0 ? <p class="muted">No records</p> : null}
      {shown.map((field) => {
        const facet = facets?.fields[field];
        return (
          <details key={field} open={shown.indexOf(field) < 4} class="facet" data-field={field}>
            <summary>
              <span class="field-name">{field}</span>
              {facet ? <span class="muted"> {facet.distinct.toLocaleString('en')}</span> : null}
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

function flat(record: Record<string, unknown>, prefix = '', into: Record<string, true> = {}): Record<string, true> {
  for (const [key, value] of Object.entries(record)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) flat(value as Record<string, unknown>, path, into);
    else into[path] = true;
  }
  return into;
}
