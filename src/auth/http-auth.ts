// Authentication of the HTTP API with API keys (keys.ts). On unless Tributary listens on a
// loopback address only (auth.mode auto), so a laptop's `npm start` needs nothing and a server
// reachable from the network refuses anonymous requests.
//   ingest: write records (to its streams only, when it has some) and answer the probes shippers make
//   reader: search, tail, charts, streams, metrics
//   admin:  everything, including topics, pipelines and dead-letter replay
// A key is sent as `Authorization: Bearer <key>`, `Authorization: ApiKey <key or base64(id:key)>`
// (Elasticsearch's form) or `X-API-Key: <key>`. A person signs in instead (users.ts, sessions.ts):
// the session cookie then stands for a reader or admin key, and every change it makes must carry
// the session's CSRF token. Every denial is a 401 or 403 naming the problem, and a record in the
// `_audit` stream.
import { AsyncLocalStorage } from 'node:async_hooks';
import { isIP } from 'node:net';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Config } from '../config/config.ts';
import { sendError } from '../api/errors.ts';
import { wantsPage } from '../api/ui-routes.ts';
import type { ApiKey, KeyRole, KeyStore } from './keys.ts';
import type { UserStore } from './users.ts';
import { CSRF_HEADER, csrfMatches, sessionToken, type Session, type Sessions } from './sessions.ts';

/**
 * probe: what a shipper asks before it writes (GET /, /_license …): ingest and reader keys alike.
 * signedIn: any key or user (who am I, sign out).
 */
type Need = 'public' | 'probe' | 'signedIn' | 'ingest' | 'reader' | 'admin';

export const SESSION_PATH = '/api/v1/session';

const PUBLIC_PATHS = new Set(['/healthz', '/readyz']);
/** Where records are written: our API, OTLP, Loki, and Elasticsearch's (/_bulk, /{index}/_doc, the templates shippers put first). */
const INGEST_PATHS = new Set(['/', '/api/v1/logs', '/v1/logs', '/loki/api/v1/push', '/v1/telemetry', '/api/data/v1/telemetry']);
const ELASTICSEARCH_PATH = /^\/(?:[^/]+\/)?_[a-z_]+(?:\/.*)?$/;
const ALLOWED: Record<KeyRole, ReadonlySet<Need>> = {
  ingest: new Set(['probe', 'signedIn', 'ingest']),
  reader: new Set(['probe', 'signedIn', 'reader']),
  admin: new Set(['probe', 'signedIn', 'ingest', 'reader', 'admin']),
};

/** The key of the request being handled, for checks deeper in (a stream an ingest key may write). */
const current = new AsyncLocalStorage<ApiKey>();

export function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1';
}

export function authEnabled(config: { host: string; auth: Pick<Config['auth'], 'mode'> }): boolean {
  return config.auth.mode === 'on' || (config.auth.mode === 'auto' && !isLoopback(config.host));
}

/**
 * What a request needs: ingest for writing records, reader for reads, admin for every other change
 * (topics, consumers, pipelines, replays, and any write route added later: closed by default).
 */
export function needOf(method: string, path: string): Need {
  if (PUBLIC_PATHS.has(path)) return 'public';
  // signing in is how a credential is got; the route checks the password and limits the tries
  if (path === SESSION_PATH) return method === 'POST' ? 'public' : 'signedIn';
  if (method !== 'GET' && method !== 'HEAD') return INGEST_PATHS.has(path) || ELASTICSEARCH_PATH.test(path) ? 'ingest' : 'admin';
  // Elasticsearch, Loki and OTLP clients probe before they write: / and /_license, /_cluster/health …
  if (path === '/' || path.startsWith('/_') || path === '/loki/api/v1/ready') return 'probe';
  return 'reader';
}

/** The key a request carries, in any of the three accepted forms. */
export function credentialOf(request: Pick<FastifyRequest, 'headers'>): string | undefined {
  const header = request.headers['x-api-key'];
  if (typeof header === 'string' && header !== '') return header.trim();
  const authorization = request.headers.authorization;
  if (!authorization) return undefined;
  const [scheme, value] = authorization.trim().split(/\s+/, 2);
  if (!value) return undefined;
  if (/^bearer$/i.test(scheme!)) return value;
  if (/^apikey$/i.test(scheme!)) {
    if (value.startsWith('trb_')) return value;
    // Elasticsearch clients send base64(id:api_key)
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return colon >= 0 ? decoded.slice(colon + 1) : decoded;
  }
  return undefined;
}

/** Runs Tributary's own work (an audit record) outside the request's key and its limits. */
export function outsideKey<T>(work: () => T): T {
  return current.exit(work);
}

/** How a denial names the key, or the signed-in user it stands for. */
function who(key: ApiKey): string {
  return key.id.startsWith('user:') ? `user ${key.name}` : `key ${key.id} (${key.name})`;
}

/** The streams a reader key may read; null when it may read all (or there is no key). */
export function readableStreams(): string[] | null {
  const key = current.getStore();
  return key?.role === 'reader' && key.streams ? key.streams : null;
}

/** Why the request's key may not read these streams; null when it may. */
export function readRefusal(streams: readonly string[]): string | null {
  const allowed = readableStreams();
  const denied = allowed ? streams.filter((stream) => !allowed.includes(stream)) : [];
  if (denied.length === 0) return null;
  const key = current.getStore()!;
  return `${who(key)} may read ${allowed!.join(', ')}, not ${denied.map((stream) => `'${stream}'`).join(', ')}`;
}

/** Per key: records it may still write now (below zero after a large batch: a debt paid back over time). */
const buckets = new Map<string, { tokens: number; at: number }>();

/**
 * Seconds to wait before the request's key may write `records` more, or null when it may now.
 * A bucket of one second's records refills continuously; a batch larger than it passes when the
 * bucket is full and leaves a debt, so no batch size is refused forever.
 */
export function rateRefusal(records: number, now = performance.now()): number | null {
  const key = current.getStore();
  const rate = key?.maxRecordsPerSecond;
  if (!key || !rate) return null;
  let bucket = buckets.get(key.id);
  if (!bucket) buckets.set(key.id, bucket = { tokens: rate, at: now });
  bucket.tokens = Math.min(rate, bucket.tokens + ((now - bucket.at) / 1000) * rate);
  bucket.at = now;
  if (bucket.tokens <= 0) return Math.max(1, Math.ceil(-bucket.tokens / rate));
  bucket.tokens -= records;
  return null;
}

/** The stream an ingest key may not write to, as a message; null when it may. */
export function streamRefusal(stream: string): string | null {
  const key = current.getStore();
  if (!key?.streams || key.role !== 'ingest' || key.streams.includes(stream)) return null;
  return `key ${key.id} (${key.name}) may write to ${key.streams.join(', ')}, not to stream '${stream}'`;
}

export interface AuditRecord {
  timestamp: string;
  level: 'info' | 'warn';
  message: string;
  /** The HTTP status the request got: 401, 403, 429 for denials; 200 for a sign-in. */
  outcome: number;
  method: string;
  path: string;
  ip: string;
  key_id?: string;
  key_name?: string;
  user?: string;
}

export interface AuthOptions {
  keys: KeyStore;
  users: UserStore;
  sessions: Sessions;
  audit: (record: AuditRecord) => void;
}

/** A signed-in user as the key it stands for; undefined when the user is gone or changed password since. */
export function sessionKey(session: Session, users: UserStore): ApiKey | undefined {
  const user = users.find(session.user);
  if (!user || Date.parse(user.passwordSetAt) > session.createdAt) return undefined;
  return { id: `user:${user.name}`, name: user.name, role: user.role, createdAt: user.createdAt, ...(user.streams ? { streams: user.streams } : {}) };
}

export function registerAuth(app: FastifyInstance, options: AuthOptions): void {
  const { keys, users, sessions, audit } = options;
  app.addHook('onRequest', async (request, reply) => {
    const path = request.url.split('?')[0]!;
    // the explorer's page and assets hold no data: the page asks for a key before it reads
    const need = request.method === 'GET' && ((path === '/' && wantsPage(request.headers.accept)) || path.startsWith('/ui/')) ? 'public' : needOf(request.method, path);
    if (need === 'public') return;
    const deny = (status: 401 | 403, code: string, message: string, key?: ApiKey) => {
      audit({
        timestamp: new Date().toISOString(), level: 'warn', message: `${status} ${request.method} ${path}: ${message}`,
        outcome: status, method: request.method, path, ip: request.ip,
        ...(key ? (key.id.startsWith('user:') ? { user: key.name } : { key_id: key.id, key_name: key.name }) : {}),
      });
      if (status === 401) reply.header('www-authenticate', 'Bearer realm="tributary"');
      return sendError(reply, status, code, message);
    };
    const secret = credentialOf(request);
    const token = sessionToken(request);
    let key: ApiKey | null | undefined;
    if (secret) {
      key = keys.verify(secret);
      if (!key) return deny(401, 'unauthenticated', 'the API key is unknown or revoked');
    } else if (token) {
      const session = sessions.get(token);
      key = session && sessionKey(session, users);
      if (!session || !key) return deny(401, 'unauthenticated', 'the session has ended: sign in again');
      // a cookie goes with any request the browser makes, a header only with the page's own
      if (request.method !== 'GET' && request.method !== 'HEAD' && !csrfMatches(session, request.headers[CSRF_HEADER])) {
        return deny(403, 'csrf', `a change made with a session cookie needs the ${CSRF_HEADER} header holding the session's token (GET ${SESSION_PATH} gives it)`, key);
      }
      sessionOfRequest.set(request, session);
    } else {
      return deny(401, 'unauthenticated', 'this Tributary requires an API key or a signed-in user: send Authorization: Bearer <key> (create one with npx tributary keys create), or sign in (npx tributary users create)');
    }
    if (!ALLOWED[key.role].has(need)) {
      return deny(403, 'forbidden', `${who(key)} has role ${key.role}; ${request.method} ${path} needs ${need === 'ingest' ? 'an ingest' : `a ${need}`} ${key.id.startsWith('user:') ? 'role' : 'key'}`, key);
    }
    keyOfRequest.set(request, key);
  });
  // after the body is read: the handler runs inside the key's context (a callback hook, so it does)
  app.addHook('preHandler', (request, _reply, done) => {
    const key = keyOfRequest.get(request);
    if (key) current.run(key, done); else done();
  });
}

const keyOfRequest = new WeakMap<FastifyRequest, ApiKey>();
const sessionOfRequest = new WeakMap<FastifyRequest, Session>();

/** The key (or signed-in user) and session of a request past registerAuth. */
export function principalOf(request: FastifyRequest): { key?: ApiKey; session?: Session } {
  return { key: keyOfRequest.get(request), session: sessionOfRequest.get(request) };
}
