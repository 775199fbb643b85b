// Signing in and out (docs/security.md): POST /api/v1/session with a user's name and password sets
// the session cookie and answers the CSRF token the page sends back on changes; GET says who is
// signed in; DELETE signs out. Failed tries are limited per name and per address, and every
// sign-in, failed or not, is a record in the _audit stream.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from './errors.ts';
import { SESSION_PATH, principalOf, type AuthOptions } from '../auth/http-auth.ts';
import { SignInLimiter, sessionCookie, sessionToken } from '../auth/sessions.ts';

interface SignIn {
  username?: unknown;
  password?: unknown;
}

export function registerSessionRoutes(app: FastifyInstance, auth: AuthOptions, secure: boolean): void {
  const perName = new SignInLimiter(5);
  const perAddress = new SignInLimiter(30);

  app.post(SESSION_PATH, async (request: FastifyRequest, reply: FastifyReply) => {
    const body = parseBody(request.body);
    const username = typeof body.username === 'string' ? body.username : '';
    const password = typeof body.password === 'string' ? body.password : '';
    if (!username || !password) throw new ApiError(400, 'bad_request', 'send {"username": …, "password": …} as JSON');
    const audit = (outcome: number, message: string) => auth.audit({
      timestamp: new Date().toISOString(), level: outcome === 200 ? 'info' : 'warn', message, outcome,
      method: 'POST', path: SESSION_PATH, ip: request.ip, user: username,
    });
    const nameKey = [`${request.ip}|${username}`];
    const addressKey = [request.ip];
    const wait = Math.max(perName.waitSeconds(nameKey) ?? 0, perAddress.waitSeconds(addressKey) ?? 0);
    if (wait > 0) {
      audit(429, `429 sign-in of ${username} refused: too many failed tries from ${request.ip}`);
      reply.header('retry-after', String(wait));
      throw new ApiError(429, 'too_many_sign_ins', `too many failed sign-ins: try again in ${wait} s`);
    }
    const user = await auth.users.verify(username, password);
    if (!user) {
      perName.failed(nameKey);
      perAddress.failed(addressKey);
      audit(401, `401 sign-in of ${username} failed: wrong name or password`);
      throw new ApiError(401, 'unauthenticated', 'wrong user name or password');
    }
    perName.succeeded(nameKey);
    const { token, session } = auth.sessions.start(user);
    audit(200, `${username} signed in`);
    reply.header('set-cookie', sessionCookie(token, Math.floor(auth.sessions.ttlMs / 1000), secure));
    return { user: user.name, role: user.role, streams: user.streams ?? null, csrfToken: session.csrf, expiresAt: new Date(session.expiresAt).toISOString() };
  });

  app.get(SESSION_PATH, async (request) => {
    const { key, session } = principalOf(request);
    if (!key) throw new ApiError(401, 'unauthenticated', 'not signed in');
    return session
      ? { user: key.name, role: key.role, streams: key.streams ?? null, csrfToken: session.csrf, expiresAt: new Date(session.expiresAt).toISOString() }
      : { key: key.id, name: key.name, role: key.role, streams: key.streams ?? null };
  });

  app.delete(SESSION_PATH, async (request, reply) => {
    const token = sessionToken(request);
    if (token) auth.sessions.end(token);
    reply.header('set-cookie', sessionCookie(null, 0, secure));
    return { signedOut: true };
  });
}

function parseBody(body: unknown): SignIn {
  if (!Buffer.isBuffer(body)) return {};
  try {
    const parsed: unknown = JSON.parse(body.toString('utf8'));
    return parsed !== null && typeof parsed === 'object' ? parsed as SignIn : {};
  } catch {
    throw new ApiError(400, 'bad_json', 'the body is not JSON: send {"username": …, "password": …}');
  }
}
