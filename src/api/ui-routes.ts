// Serves the web UI built into ui/dist (scripts/build-ui.ts): the page at / for browsers and at
// /ui/… for its views, and the hashed assets, cached for a year. Log content is data: the page's
// Content-Security-Policy lets only its own script run, whatever a record holds.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { sendError } from './errors.ts';
import type { FirstReads } from './first-reads.ts';

const DIST = path.resolve(import.meta.dirname, '..', '..', 'ui', 'dist');
const ASSET_NAME = /^[\w.-]+-[A-Z0-9]{8}\.(js|css)$/;

export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:",
  "connect-src 'self'", "font-src 'self'", "base-uri 'none'", "form-action 'self'", "frame-ancestors 'none'",
].join('; ');

/** A browser asking for a page, not a client probing the Elasticsearch root. */
export function wantsPage(accept: string | undefined): boolean {
  return /text\/html/.test(accept ?? '');
}

/** The UI's own views; each is the same page, which reads the path. */
export const UI_PAGES = ['/ui/', '/ui/pipelines', '/ui/dead-letters', '/ui/charts'];

function securityHeaders(reply: FastifyReply): FastifyReply {
  return reply
    .header('content-security-policy', CONTENT_SECURITY_POLICY)
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'no-referrer')
    .header('x-frame-options', 'DENY');
}

/** The paths where the page opens on the explorer, whose first reads can start with the page. */
const EXPLORER_PAGES = new Set(['/', '/ui/']);

type SendPage = (request: FastifyRequest, reply: FastifyReply) => FastifyReply;

export function registerUiRoutes(app: FastifyInstance, firstReads?: FirstReads): { sendPage: SendPage } {
  const index = path.join(DIST, 'index.html');
  if (!existsSync(index)) console.warn(`tributary: the web UI is not built (no ${index}): run npm run build:ui`);

  // read at each request (a few hundred bytes): a rebuild's new asset names apply without a restart
  const sendPage: SendPage = (request, reply) => {
    if (!existsSync(index)) return sendError(reply, 503, 'ui_not_built', 'the web UI is not built: run `npm run build:ui` (npm install does it)');
    const firstRead = firstReads && EXPLORER_PAGES.has(request.url.split('?')[0]!) ? firstReads.start(request) : '';
    const html = readFileSync(index, 'utf8');
    return securityHeaders(reply).type('text/html; charset=utf-8').header('cache-control', 'no-cache')
      .send(firstRead ? html.replace('</head>', `${firstRead}\n</head>`) : html);
  };

  for (const page of UI_PAGES) app.get(page, sendPage);
  app.get<{ Params: { file: string } }>('/ui/assets/:file', (request, reply) => {
    const { file } = request.params;
    const match = ASSET_NAME.exec(file);
    const full = path.join(DIST, 'assets', file);
    if (!match || !existsSync(full)) return sendError(reply, 404, 'not_found', `no UI asset ${file}`);
    return securityHeaders(reply)
      .type(match[1] === 'js' ? 'text/javascript; charset=utf-8' : 'text/css; charset=utf-8')
      .header('cache-control', 'public, max-age=31536000, immutable')
      .send(readFileSync(full));
  });
  return { sendPage };
}
