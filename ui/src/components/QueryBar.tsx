// The query box: the query language with autocomplete of field names and values, syntax help,
// and the place a bad query is wrong (the API gives the position).
import { useEffect, useRef, useState } from 'preact/hooks';
import { get, type ApiError, type FacetsResult } from '../api.ts';
import { filterParams, type SearchState } from '../state.ts';
import { knownFields } from './known-fields.ts';
import { termFor } from '../text.ts';

const KEYWORDS = ['AND', 'OR', 'NOT'];
const HELP: Array<[string, string]> = [
  ['timeout', 'records containing the word'],
  ['"connection refused"', 'a phrase'],
  ['level:error', 'a field equals a value'],
  ['-level:debug', 'not'],
  ['level:(error OR warn)', 'any of'],
  ['status:>=500', 'a range; also status:[400 TO 499]'],
  ['resourceId:server-*', 'a wildcard'],
  ['message:/time(d )?out/', 'a regular expression'],
  ['traceId:*', 'the field is present'],
  ['a AND b, a OR b, NOT a, ( )', 'combine; a space is AND'],
];

interface Suggestion { text: string; label: string; kind: 'field' | 'value' | 'keyword' }

/** The token the caret is in (a quoted value's spaces inside it): where it starts and its text. */
function tokenAt(text: string, caret: number): { start: number; token: string } {
  let start = 0;
  let quoted = false;
  for (let i = 0; i < caret; i++) {
    const ch = text[i]!;
    if (ch === '\\') i++;
    else if (ch === '"') quoted = !quoted;
    else if (!quoted && /[\s()]/.test(ch)) start = i + 1;
  }
  if (text[start] === '-' || text[start] === '!') start++;
  return { start, token: text.slice(start, caret) };
}

export function QueryBar({ query, error, state, onSearch }: { query: string; error: ApiError | null; state: SearchState; onSearch: (q: string) => void }) {
  const [draft, setDraft] = useState(query);
  const [suggestions, setSuggestions] = useState<Suggestion[]>([]);
  const [active, setActive] = useState(-1);
  const [help, setHelp] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  const valueRequest = useRef<AbortController | null>(null);

  useEffect(() => setDraft(query), [query]);
  useEffect(() => {
    const slash = (event: KeyboardEvent) => {
      const target = event.target as HTMLElement;
      if (event.key === '/' && !/^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName)) {
        event.preventDefault();
        input.current?.focus();
      }
    };
    addEventListener('keydown', slash);
    return () => removeEventListener('keydown', slash);
  }, []);

  const suggest = (text: string, caret: number) => {
    const { token } = tokenAt(text, caret);
    valueRequest.current?.abort();
    const colon = token.indexOf(':');
    if (colon < 0) {
      if (token.length === 0) return setSuggestions([]);
      const lower = token.toLowerCase();
      const fields = knownFields().filter((field) => field.toLowerCase().startsWith(lower) && field !== token)
        .slice(0, 8).map((field): Suggestion => ({ text: `${field}:`, label: field, kind: 'field' }));
      const keywords = KEYWORDS.filter((word) => word.startsWith(token.toUpperCase()) && word !== token && token.length > 0)
        .map((word): Suggestion => ({ text: `${word} `, label: word, kind: 'keyword' }));
      setSuggestions([...fields, ...keywords]);
      setActive(-1);
      return;
    }
    const field = token.slice(0, colon);
    const typed = token.slice(colon + 1).replace(/^"/, '').toLowerCase();
    if (!field || /[<>[]/.test(typed)) return setSuggestions([]);
    const controller = new AbortController();
    valueRequest.current = controller;
    const { q: _q, ...scope } = filterParams(state);
    get<FacetsResult>('/api/v1/facets', { ...scope, fields: field, limit: 50 }, controller.signal).then((result) => {
      const values = (result.fields[field]?.values ?? []).filter((item) => item.value.toLowerCase().includes(typed)).slice(0, 10);
      setSuggestions(values.map((item) => ({
        text: `${termFor(field, item.value)} `,
        label: `${item.value}  (${item.count.toLocaleString('en')})`,
        kind: 'value',
      })));
      setActive(-1);
    }).catch(() => undefined);
  };

  const accept = (suggestion: Suggestion) => {
    const element = input.current!;
    const caret = element.selectionStart ?? draft.length;
    const { start } = tokenAt(draft, caret);
    const next = draft.slice(0, start) + suggestion.text + draft.slice(caret);
    setDraft(next);
    setSuggestions([]);
    requestAnimationFrame(() => {
      element.focus();
      const at = start + suggestion.text.length;
      element.setSelectionRange(at, at);
      if (suggestion.kind === 'field') suggest(next, at);
    });
  };

  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key === 'ArrowDown' && suggestions.length) { event.preventDefault(); setActive((active + 1) % suggestions.length); }
    else if (event.key === 'ArrowUp' && suggestions.length) { event.preventDefault(); setActive((active - 1 + suggestions.length) % suggestions.length); }
    else if (event.key === 'Tab' && suggestions.length) { event.preventDefault(); accept(suggestions[Math.max(active, 0)]!); }
    else if (event.key === 'Enter') {
      event.preventDefault();
      if (active >= 0 && suggestions[active]) accept(suggestions[active]!);
      else { setSuggestions([]); onSearch(draft.trim()); }
    } else if (event.key === 'Escape') { setSuggestions([]); setHelp(false); }
  };

  const position = error?.code === 'bad_query' && draft === query ? error.position : undefined;
  return (
    <div class="querybar">
      <div class="query-input">
        <input ref={input} type="text" value={draft} spellcheck={false} autoComplete="off" aria-label="Query"
          placeholder='Search: level:error AND "timed out"   (press / to focus)'
          class={position !== undefined ? 'invalid' : ''}
          onInput={(event) => { const el = event.currentTarget; setDraft(el.value); suggest(el.value, el.selectionStart ?? el.value.length); }}
          onKeyDown={onKeyDown} onBlur={() => setTimeout(() => setSuggestions([]), 150)} />
        {position !== undefined ? (
          <div class="query-error" data-testid="query-error">
            <code>{draft.slice(0, position)}<mark>{draft.slice(position, position + 1) || ' '}</mark>{draft.slice(position + 1)}</code>
          </div>
        ) : null}
        {suggestions.length ? (
          <ul class="suggestions" role="listbox">
            {suggestions.map((suggestion, i) => (
              <li key={suggestion.text} role="option" aria-selected={i === active} class={`${i === active ? 'active' : ''} ${suggestion.kind}`}
                onMouseDown={(event) => { event.preventDefault(); accept(suggestion); }}>{suggestion.label}</li>
            ))}
          </ul>
        ) : null}
      </div>
      <button class="primary" onClick={() => onSearch(draft.trim())}>Search</button>
      <button class="ghost" aria-expanded={help} title="Query syntax" onClick={() => setHelp(!help)}>?</button>
      {help ? (
        <div class="help-popover" role="dialog" aria-label="Query syntax">
          <table><tbody>{HELP.map(([example, meaning]) => <tr key={example}><td><code>{example}</code></td><td>{meaning}</td></tr>)}</tbody></table>
        </div>
      ) : null}
    </div>
  );
}
