// Saved searches, kept on the server: save the current one (optionally with an alert on its
// count), open one, share its link (/?saved=ID), delete it.
import { useEffect, useRef, useState } from 'preact/hooks';
import { get, authHeaders, ApiError } from '../api.ts';
import { stateSearch, type RangeName, type SearchState } from '../state.ts';
import { go } from '../App.tsx';

export interface SavedSearch {
  id: string;
  name: string;
  search: { q: string; streams: string[]; range: string; from: string; to: string; columns: string[] };
  alert: { comparison: string; threshold: number; window: string; every: string; webhook: string | null } | null;
  alertState: { firing: boolean; lastCount: number | null } | null;
}

export function savedState(saved: SavedSearch): SearchState {
  const { q, streams, range, from, to, columns } = saved.search;
  return { q, streams, range: range as RangeName, from, to, columns };
}

async function send(method: string, path: string, body?: unknown): Promise<unknown> {
  const response = await fetch(path, { method, headers: { ...authHeaders(), 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  const answer = await response.json().catch(() => null) as { error?: { code: string; message: string } } | null;
  if (!response.ok) throw new ApiError(response.status, answer?.error?.code ?? 'http_error', answer?.error?.message ?? `HTTP ${response.status}`);
  return answer;
}

export function SavedMenu({ state }: { state: SearchState }) {
  const [open, setOpen] = useState(false);
  const [searches, setSearches] = useState<SavedSearch[]>([]);
  const [name, setName] = useState('');
  const [alerting, setAlerting] = useState(false);
  const [comparison, setComparison] = useState('>=');
  const [threshold, setThreshold] = useState('1');
  const [alertWindow, setAlertWindow] = useState('5m');
  const [webhook, setWebhook] = useState('');
  const [error, setError] = useState<string | null>(null);
  const box = useRef<HTMLDivElement>(null);
  const refresh = () => get<{ searches: SavedSearch[] }>('/api/v1/saved-searches').then((result) => setSearches(result.searches)).catch(() => undefined);

  useEffect(() => {
    if (!open) return;
    void refresh();
    const outside = (event: MouseEvent) => { if (!box.current?.contains(event.target as Node)) setOpen(false); };
    addEventListener('mousedown', outside);
    return () => removeEventListener('mousedown', outside);
  }, [open]);

  const save = async (event: Event) => {
    event.preventDefault();
    setError(null);
    try {
      await send('POST', '/api/v1/saved-searches', {
        name, search: { q: state.q, streams: state.streams, range: state.range, from: state.from, to: state.to, columns: state.columns },
        alert: alerting ? { comparison, threshold: Number(threshold), window: alertWindow, webhook: webhook || undefined } : undefined,
      });
      setName('');
      setAlerting(false);
      await refresh();
    } catch (failure) {
      setError(failure instanceof ApiError ? failure.message : String(failure));
    }
  };

  return (
    <div class="saved-menu" ref={box}>
      <button aria-haspopup="dialog" aria-expanded={open} onClick={() => setOpen(!open)}>Saved ▾</button>
      {open ? (
        <div class="dropdown saved-dropdown" role="dialog" aria-label="Saved searches">
          <form onSubmit={save} class="save-form">
            <input type="text" aria-label="Name of the saved search" placeholder="Name this search" value={name} onInput={(event) => setName(event.currentTarget.value)} required />
            <label><input type="checkbox" checked={alerting} onChange={(event) => setAlerting(event.currentTarget.checked)} /> Alert when the count</label>
            {alerting ? (
              <div class="alert-fields">
                <select aria-label="Comparison" value={comparison} onChange={(event) => setComparison(event.currentTarget.value)}>
                  {['>=', '>', '<=', '<'].map((op) => <option key={op} value={op}>{op}</option>)}
                </select>
                <input type="number" min="0" aria-label="Threshold" value={threshold} onInput={(event) => setThreshold(event.currentTarget.value)} />
                <span>in the last</span>
                <input type="text" aria-label="Window" size={4} value={alertWindow} onInput={(event) => setAlertWindow(event.currentTarget.value)} />
                <input type="text" aria-label="Webhook URL" placeholder="webhook URL (optional)" value={webhook} onInput={(event) => setWebhook(event.currentTarget.value)} />
              </div>
            ) : null}
            <button type="submit" class="primary">Save</button>
            {error ? <div class="error-banner">{error}</div> : null}
          </form>
          <ul class="saved-list">
            {searches.map((saved) => (
              <li key={saved.id} data-id={saved.id}>
                <a href={`/?saved=${saved.id}`} onClick={(event) => { event.preventDefault(); setOpen(false); go(`/${stateSearch(savedState(saved))}`); }}>{saved.name}</a>
                {saved.alert ? <span class={`badge ${saved.alertState?.firing ? 'firing' : ''}`} title={`${saved.alert.comparison} ${saved.alert.threshold} in ${saved.alert.window}`}>{saved.alertState?.firing ? 'firing' : 'alert'}</span> : null}
                <span class="muted small">{saved.search.q || '*'}</span>
                <button class="tiny" aria-label={`Delete ${saved.name}`} onClick={async () => { await send('DELETE', `/api/v1/saved-searches/${saved.id}`).catch(() => undefined); await refresh(); }}>×</button>
              </li>
            ))}
            {searches.length === 0 ? <li class="muted">No saved searches yet</li> : null}
          </ul>
        </div>
      ) : null}
    </div>
  );
}
