// One record in full: every field with copy, filter for/against and column buttons, the formatted
// JSON, and the way to its context.
import { useState } from 'preact/hooks';
import type { Hit } from '../api.ts';
import { addTerm, fieldEntries, termFor, valueText, visible } from '../text.ts';

export function RecordPanel({ hit, columns, onClose, onToggleColumn, onFilter, onContext }: {
  hit: Hit; columns: string[]; onClose: () => void; onToggleColumn: (field: string) => void;
  onFilter: (change: (q: string) => string) => void; onContext: () => void;
}) {
  const [copied, setCopied] = useState<string | null>(null);
  const copy = (label: string, text: string) => {
    void navigator.clipboard?.writeText(text).then(() => setCopied(label), () => setCopied(null));
    setCopied(label);
  };
  const json = JSON.stringify(hit.record, null, 2);
  return (
    <aside class="record-panel" aria-label="Record" data-testid="record-panel">
      <div class="panel-head">
        <strong>{hit.stream}</strong><span class="muted"> · {hit.ts}</span>
        <span class="spacer" />
        <button onClick={onContext} title="The records just before and after this one">Context</button>
        <button onClick={() => copy('json', JSON.stringify(hit.record))}>{copied === 'json' ? 'Copied' : 'Copy JSON'}</button>
        <button class="ghost" aria-label="Close" title="Close (Esc)" onClick={onClose}>×</button>
      </div>
      <table class="fields">
        <tbody>
          {fieldEntries(hit.record).map(([path, value]) => {
            const text = valueText(value);
            return (
              <tr key={path} data-field={path}>
                <th>{path}</th>
                <td class="value">{visible(text)}</td>
                <td class="actions">
                  <button class="tiny" title="Filter for this value" aria-label={`Filter for ${path}`} onClick={() => onFilter((q) => addTerm(q, termFor(path, text)))}>+</button>
                  <button class="tiny" title="Filter out this value" aria-label={`Filter out ${path}`} onClick={() => onFilter((q) => addTerm(q, termFor(path, text, true)))}>−</button>
                  <button class={`tiny ${columns.includes(path) ? 'on' : ''}`} title="Show as a column" aria-label={`Column ${path}`} onClick={() => onToggleColumn(path)}>col</button>
                  <button class="tiny" title="Copy the value" aria-label={`Copy ${path}`} onClick={() => copy(path, text)}>{copied === path ? 'copied' : 'copy'}</button>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <pre class="json" data-testid="record-json">{visible(json)}</pre>
      <p class="muted small">id {hit.id}</p>
    </aside>
  );
}
