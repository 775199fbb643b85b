// Signed-in users: a session is a random token in an HttpOnly, SameSite=Strict cookie, kept here
// by its SHA-256 (a leaked memory dump does not hand out cookies), with a CSRF token the page
// sends back in a header on every change. Sessions live in this process: a restart signs
// everyone out. Failed sign-ins are counted per user name and per client address; past the
// limit both wait (429 with Retry-After), so passwords cannot be guessed at speed.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { parseCookie, stringifySetCookie } from 'cookie';
import type { User } from './users.ts';

export const SESSION_COOKIE = 'trb_session';
export const CSRF_HEADER = 'x-csrf-token';

export interface Session {
  user: string;
  csrf: string;
  createdAt: number;
  expiresAt: number;
}

function digest(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export class Sessions {
  readonly #byDigest = new Map<string, Session>();
  readonly ttlMs: number;

  constructor(ttlMs: number) {
    this.ttlMs = ttlMs;
  }

  /** A new session for the user: the cookie's token and the session. */
  start(user: User, now = Date.now()): { token: string; session: Session } {
    this.#sweep(now);
    const token = randomBytes(32).toString('base64url');
    const session = { user: user.name, csrf: randomBytes(24).toString('base64url'), createdAt: now, expiresAt: now + this.ttlMs };
    this.#byDigest.set(digest(token), session);
    return { token, session };
  }

  /** The live session of a cookie's token, or undefined. */
  get(token: string, now = Date.now()): Session | undefined {
    const key = digest(token);
    const session = this.#byDigest.get(key);
    if (!session) return undefined;
    if (session.expiresAt <= now) {
      this.#byDigest.delete(key);
      return undefined;
    }
    return session;
  }

  end(token: string): void {
    this.#byDigest.delete(digest(token));
  }

  #sweep(now: number): void {
    for (const [key, session] of this.#byDigest) if (session.expiresAt <= now) this.#byDigest.delete(key);
  }
}

/** The session cookie's token a request carries, if any. */
export function sessionToken(request: { headers: { cookie?: string } }): string | undefined {
  const header = request.headers.cookie;
  return header ? parseCookie(header)[SESSION_COOKIE] : undefined;
}

/** The Set-Cookie header that starts (token) or ends (null) a session in the browser. */
export function sessionCookie(token: string | null, maxAgeS: number, secure: boolean): string {
  return stringifySetCookie({ name: SESSION_COOKIE, value: token ?? '', httpOnly: true, sameSite: 'strict', path: '/', secure, maxAge: token ? maxAgeS : 0 });
}

/** Whether the header carries the session's CSRF token. */
export function csrfMatches(session: Session, header: unknown): boolean {
  if (typeof header !== 'string') return false;
  const want = Buffer.from(session.csrf);
  const got = Buffer.from(header);
  return want.length === got.length && timingSafeEqual(want, got);
}

/** Failed sign-ins within a window, per user name and per client address. */
export class SignInLimiter {
  readonly #failures = new Map<string, number[]>();
  readonly #max: number;
  readonly #windowMs: number;

  constructor(max = 5, windowMs = 15 * 60_000) {
    this.#max = max;
    this.#windowMs = windowMs;
  }

  /** Seconds to wait before trying again, or null when a try is allowed. */
  waitSeconds(keys: string[], now = Date.now()): number | null {
    let wait = 0;
    for (const key of keys) {
      const recent = this.#recent(key, now);
      if (recent.length >= this.#max) wait = Math.max(wait, Math.ceil((recent[0]! + this.#windowMs - now) / 1000));
    }
    return wait > 0 ? wait : null;
  }

  failed(keys: string[], now = Date.now()): void {
    for (const key of keys) this.#failures.set(key, [...this.#recent(key, now), now]);
  }

  succeeded(keys: string[]): void {
    for (const key of keys) this.#failures.delete(key);
  }

  #recent(key: string, now: number): number[] {
    const recent = (this.#failures.get(key) ?? []).filter((at) => at > now - this.#windowMs);
    if (recent.length === 0) this.#failures.delete(key);
    return recent;
  }
}
