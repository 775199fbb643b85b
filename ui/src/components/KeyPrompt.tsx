// When the server asks who is there (401), the page asks the person to sign in, or for an API key
// kept in this browser. Signed in, it shows who and a way out.
import { useEffect, useState } from 'preact/hooks';
import { KEY_NEEDED, apiKey, currentSession, setApiKey, signIn, signOut, type Session } from '../api.ts';

export function KeyPrompt() {
  const [open, setOpen] = useState(false);
  const [withKey, setWithKey] = useState(false);
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [draft, setDraft] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [session, setSession] = useState<Session | null>(null);
  const [hasKey, setHasKey] = useState(apiKey() !== null);
  useEffect(() => {
    const ask = () => setOpen(true);
    addEventListener(KEY_NEEDED, ask);
    void currentSession().then(setSession);
    return () => removeEventListener(KEY_NEEDED, ask);
  }, []);
  if (!open) {
    if (session) return <span class="signed-in">{session.user} ({session.role}) <button class="ghost" onClick={() => void signOut().then(() => location.reload())}>Sign out</button></span>;
    return hasKey ? <button class="ghost" onClick={() => { setApiKey(null); setHasKey(false); location.reload(); }}>Forget key</button> : null;
  }
  if (withKey) {
    return (
      <form class="key-prompt" onSubmit={(event) => { event.preventDefault(); setApiKey(draft.trim()); setHasKey(true); setOpen(false); location.reload(); }}>
        <label>API key (tributary keys create --role reader):
          <input type="password" value={draft} autoComplete="off" onInput={(event) => setDraft(event.currentTarget.value)} placeholder="trb_…" />
        </label>
        <button type="submit">Use key</button>
        <button type="button" class="ghost" onClick={() => setWithKey(false)}>Sign in instead</button>
      </form>
    );
  }
  const submit = async (event: Event) => {
    event.preventDefault();
    try {
      await signIn(name.trim(), password);
      location.reload();
    } catch (failure) {
      setError((failure as Error).message);
    }
  };
  return (
    <form class="key-prompt sign-in" onSubmit={(event) => void submit(event)}>
      <span>This server asks who you are:</span>
      <input name="username" value={name} autoComplete="username" placeholder="user" onInput={(event) => setName(event.currentTarget.value)} />
      <input name="password" type="password" value={password} autoComplete="current-password" placeholder="password" onInput={(event) => setPassword(event.currentTarget.value)} />
      <button type="submit">Sign in</button>
      <button type="button" class="ghost" onClick={() => setWithKey(true)}>Use an API key</button>
      {error && <span class="error" role="alert">{error}</span>}
    </form>
  );
}
