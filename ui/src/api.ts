// The HTTP API as the explorer uses it. When the server asks who is there, a person signs in (the
// server sets an HttpOnly session cookie; the page keeps the session's CSRF token for this tab and
// sends it on every request) or gives an API key, kept in this browser's localStorage and sent as
// a header, never in a URL.
const KEY_STORAGE = 'tributary.apiKey';
const CSRF_STORAGE = 'tributary.csrf';
/** Dispatched on window when the server answers 401: the key prompt opens. */
export const KEY_NEEDED = 'tributary:key-needed';
/** Dispatched on window (detail: the streams) when a read started indexing on-search streams. */
export const INDEXING_STARTED = 'tributary:indexing-started';

export interface Hit {
  id: string;
  stream: string;
  ts: string;
  record: Record<string, unknown>;
}

export interface SearchResult { total: number | null; hits: Hit[]; cursor: string | null; tookMs: number }
export interface HistogramBucket { ts: string; count: number; groups?: Record<string, number> }
export interface HistogramResult { intervalMs: number; total: number; buckets: HistogramBucket[]; tookMs: number }
export interface FacetField { values: Array<{ value: string; count: number }>; distinct: number; missing: number }
export interface FacetsResult { total: number; fields: Record<string, FacetField>; tookMs: number }
export interface ContextResult { before: Hit[]; anchor: Hit; after: Hit[] }
/** records: null for a stream indexed on search and not searched yet (its records wait on the log). */
export interface StreamInfo { stream: string; records: number | null; oldestTs: string | null; newestTs: string | null }
export interface StatsGroup { key: Record<string, string | null>; values: Record<string, number | null> }

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  /** Where a bad query is wrong (characters from its start). */
  readonly position: number | undefined;
  constructor(status: number, code: string, message: string, position?: number) {
    super(message);
    this.status = status;
    this.code = code;
    this.position = position;
  }
}

export function apiKey(): string | null {
  return localStorage.getItem(KEY_STORAGE);
}

export function setApiKey(key: string | null): void {
  if (key) localStorage.setItem(KEY_STORAGE, key);
  else localStorage.removeItem(KEY_STORAGE);
}

export function authHeaders(): Record<string, string> {
  const key = apiKey();
  if (key) return { authorization: `Bearer ${key}` };
  const csrf = sessionStorage.getItem(CSRF_STORAGE);
  return csrf ? { 'x-csrf-token': csrf } : {};
}

export interface Session { user: string; role: string; csrfToken: string }

/** Signs in; the server sets the session cookie. Throws an ApiError (401 wrong password, 429 too many tries). */
export async function signIn(username: string, password: string): Promise<Session> {
  const response = await fetch('/api/v1/session', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) });
  const body = await response.json().catch(() => null) as (Session & { error?: { code: string; message: string } }) | null;
  if (!response.ok) throw new ApiError(response.status, body?.error?.code ?? 'http_error', body?.error?.message ?? `HTTP ${response.status}`);
  sessionStorage.setItem(CSRF_STORAGE, body!.csrfToken);
  return body!;
}

/** Who is signed in (a user's session), or null: no session, or an API key in use. */
export async function currentSession(): Promise<Session | null> {
  if (apiKey()) return null;
  const response = await fetch('/api/v1/session');
  if (!response.ok) return null;
  const body = await response.json() as Partial<Session>;
  if (!body.csrfToken) return null;
  sessionStorage.setItem(CSRF_STORAGE, body.csrfToken);
  return body as Session;
}

export async function signOut(): Promise<void> {
  await fetch('/api/v1/session', { method: 'DELETE', headers: authHeaders() }).catch(() => undefined);
  sessionStorage.removeItem(CSRF_STORAGE);
}

export type Params = Record<string, string | number | boolean | undefined | null>;

export function queryString(params: Params): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') search.set(name, String(value));
  }
  return search.toString();
}

async function failure(response: Response): Promise<ApiError> {
  const body = await response.json().catch(() => null) as { error?: { code?: string; message?: string; position?: number; details?: { position?: number } } } | null;
  const error = body?.error;
  if (response.status === 401) dispatchEvent(new Event(KEY_NEEDED));
  return new ApiError(response.status, error?.code ?? 'http_error', error?.message ?? `HTTP ${response.status}`, error?.position ?? error?.details?.position);
}

export async function get<T>(path: string, params: Params = {}, signal?: AbortSignal): Promise<T> {
  const qs = queryString(params);
  const response = await fetch(qs ? `${path}?${qs}` : path, { headers: authHeaders(), signal });
  if (!response.ok) throw await failure(response);
  const indexing = response.headers.get('tributary-indexing');
  if (indexing) dispatchEvent(new CustomEvent(INDEXING_STARTED, { detail: indexing }));
  return await response.json() as T;
}

/** Server-sent events read through fetch (EventSource cannot send the key header). */
export async function events(path: string, params: Params, onEvent: (name: string, data: string) => void, signal: AbortSignal): Promise<void> {
  const response = await fetch(`${path}?${queryString(params)}`, { headers: authHeaders(), signal });
  if (!response.ok || !response.body) throw await failure(response);
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let name = 'message';
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith('event:')) name = line.slice(6).trim();
        else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
      }
      if (data.length > 0) onEvent(name, data.join('\n'));
    }
  }
}
