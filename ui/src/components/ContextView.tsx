// The records just before and after one record in its stream, optionally only those sharing a
// field's value with it (the same resourceId, say), centred on it.
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { get, type ContextResult, type Hit, ApiError } from '../api.ts';
import { formatTs, levelClass, valueAtPath, valueText, visible, fieldEntries } from '../text.ts';

const AROUND = 25;

export function ContextView({ anchor, columns, onClose }: { anchor: Hit; columns: string[]; onClose: () => void }) {
  const [same, setSame] = useState('');
  const [result, setResult] = useState<ContextResult | null>(null);
  const [error, setError] = useState<string | null>(null);
  const centre = useRef<HTMLDivElement>(null);
  const choices = fieldEntries(anchor.record)
    .filter(([path, value]) => (typeof value === 'string' || typeof value === 'number') && !['timestamp', 'message'].includes(path));

  useEffect(() => {
    const controller = new AbortController();
    setError(null);
    get<ContextResult>('/api/v1/context', { id: anchor.id, stream: anchor.stream, before: AROUND, after: AROUND, same: same || undefined }, controller.signal)
      .then(setResult).catch((failure: unknown) => { if (!controller.signal.aborted) setError(failure instanceof ApiError ? failure.message : String(failure)); });
    return () => controller.abort();
  }, [anchor.id, same]);
  useLayoutEffect(() => centre.current?.scrollIntoView({ block: 'center' }), [result]);

  // newest first, as in the results: the later records above the anchor
  const row = (hit: Hit, kind: string) => (
    <div key={hit.id} class={`row static ${kind}`} ref={kind === 'anchor' ? centre : undefined} data-id={hit.id}>
      <span class="cell time">{formatTs(hit.ts)}</span>
      <span class={`cell level ${levelClass(hit.record.level)}`}>{visible(valueText(hit.record.level ?? ''))}</span>
      {columns.map((column) => <span key={column} class="cell column">{visible(valueText(valueAtPath(hit.record, column) ?? ''))}</span>)}
      <span class="cell message">{visible(valueText(hit.record.message ?? hit.record))}</span>
    </div>
  );
  return (
    <div class="modal-backdrop" onClick={(event) => { if (event.target === event.currentTarget) onClose(); }}>
      <div class="modal context-view" role="dialog" aria-label="Context" data-testid="context-view">
        <div class="panel-head">
          <strong>Context in {anchor.stream}</strong>
          <label> · same
            <select value={same} aria-label="Only records with the same" onChange={(event) => setSame(event.currentTarget.value)}>
              <option value="">(any record)</option>
              {choices.map(([path, value]) => <option key={path} value={path}>{path} = {visible(valueText(value)).slice(0, 40)}</option>)}
            </select>
          </label>
          <span class="spacer" />
          <button class="ghost" aria-label="Close" onClick={onClose}>×</button>
        </div>
        {error ? <div class="error-banner">{error}</div> : null}
        <div class="context-rows">
          {result ? [...result.after].reverse().map((hit) => row(hit, 'after')) : null}
          {result ? row(result.anchor, 'anchor') : null}
          {result ? [...result.before].reverse().map((hit) => row(hit, 'before')) : null}
        </div>
      </div>
    </div>
  );
}
