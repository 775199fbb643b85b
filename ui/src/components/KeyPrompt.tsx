// When the server asks for a key (401), the page asks the user for one and keeps it in this browser.
import { useEffect, useState } from 'preact/hooks';
import { KEY_NEEDED, apiKey, setApiKey } from '../api.ts';

export function KeyPrompt() {
  const [open, setOpen] = useState(false);
  const [draft, setDraft] = useState('');
  const [hasKey, setHasKey] = useState(apiKey() !== null);
  useEffect(() => {
    const ask = () => setOpen(true);
    addEventListener(KEY_NEEDED, ask);
    return () => removeEventListener(KEY_NEEDED, ask);
  }, []);
  if (!open) {
    return hasKey ? <button class="ghost" onClick={() => { setApiKey(null); setHasKey(false); location.reload(); }}>Forget key</button> : null;
  }
  return (
    <form class="key-prompt" onSubmit={(event) => { event.preventDefault(); setApiKey(draft.trim()); setHasKey(true); setOpen(false); location.reload(); }}>
      <label>This server needs an API key (tributary keys create --role reader):
        <input type="password" value={draft} autoComplete="off" onInput={(event) => setDraft(event.currentTarget.value)} placeholder="trb_…" />
      </label>
      <button type="submit">Use key</button>
    </form>
  );
}
