// The kinds of message in the current match: messages grouped into patterns with their variable
// parts masked, commonest first; a click filters by one.
import { useEffect, useState } from 'preact/hooks';
import { get, ApiError } from '../api.ts';
import { filterParams, searchKey, type SearchState } from '../state.ts';
import { addTerm, visible } from '../text.ts';

interface Pattern { pattern: string; count: number; example: string; query: string }
interface PatternsResult { total: number; sampled: number; patterns: Pattern[]; tookMs: number }

export function Patterns({ state, onFilter }: { state: SearchState; onFilter: (q: string) => void }) {
  const [result, setResult] = useState<PatternsResult | null>(null);
  const [error, setError] = useState<string | null>(null);
  const key = searchKey(state);
  useEffect(() => {
    const controller = new AbortController();
    setResult(null);
    get<PatternsResult>('/api/v1/patterns', { ...filterParams(state), limit: 100 }, controller.signal)
      .then(setResult).catch((failure: unknown) => { if (!controller.signal.aborted) setError(failure instanceof ApiError ? failure.message : String(failure)); });
    return () => controller.abort();
  }, [key]);
  if (error) return <div class="error-banner">{error}</div>;
  if (!result) return <p class="muted patterns-note">Grouping messages…</p>;
  const top = Math.max(1, ...result.patterns.map((p) => p.count));
  return (
    <div class="patterns" data-testid="patterns">
      <p class="muted patterns-note">
        {result.patterns.length} patterns in the newest {result.sampled.toLocaleString('en')} of {result.total.toLocaleString('en')} matches · click one to filter by it
      </p>
      {result.patterns.map((item) => (
        <button key={item.pattern} class="pattern" title={`${item.example}\n\n${item.query}`} onClick={() => onFilter(addTerm(state.q, item.query))}>
          <span class="pattern-count">{item.count.toLocaleString('en')}</span>
          <span class="bar-wrap"><span class="bar-fill" style={{ width: `${(100 * item.count) / top}%` }} /></span>
          <span class="pattern-text">
            {item.pattern.split('<*>').map((part, i) => (i === 0 ? visible(part) : [<span class="wildcard" key={i}>{'<*>'}</span>, visible(part)]))}
          </span>
        </button>
      ))}
    </div>
  );
}
