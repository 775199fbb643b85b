// A search link opened cold: the explorer's first read, its newest page of rows, starts as the
// server sends the page, not 150–450 ms later once the page's script has loaded and asks. The
// page finds a token and the server's clock in the HTML (so a relative range ends at the same
// moment) and sends the token with that read; the read that carries it, with the same parameters
// and credentials, gets the answer already under way, once. The read runs through the server's
// own route (app.inject) with the page request's credentials, so authentication, a reader's
// streams and indexing on search apply to it as to any read. Only the rows: the histogram,
// started once they were answered, slowed their painting (the page asks for it after the paint).
import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { FIRST_READ_PARAM, filterParams, readState, rowsParams } from '../../ui/src/state.ts';

const SEARCH_PATH = '/api/v1/search';
/** A first read the page's script never asked for is dropped after this long. */
const KEEP_MS = 30_000;
/** First reads kept at once; past it, a page's script runs its own. */
const MAX_KEPT = 16;
const CREDENTIAL_HEADERS = ['authorization', 'x-api-key', 'cookie'] as const;
/** What a replayed answer keeps of the response headers. */
const REPLAYED_HEADERS = ['content-type', 'tributary-indexing'];

export interface FirstReadAnswer {
  headers: Record<string, string>;
  body: string;
}

interface FirstRead {
  params: string;
  credentials: string;
  answer: Promise<FirstReadAnswer | null>;
  expires: number;
}

type Query = Record<string, string | string[] | undefined>;

/** The parameters of a read as one comparable text: names sorted, the token left out. */
function paramsKey(query: Query): string {
  return JSON.stringify(Object.entries(query)
    .filter(([name, value]) => name !== FIRST_READ_PARAM && value !== undefined && value !== '')
    .map(([name, value]) => [name, String(value)])
    .sort(([a], [b]) => a!.localeCompare(b!)));
}

function credentialsOf(request: FastifyRequest): Record<string, string> {
  const found: Record<string, string> = {};
  for (const name of CREDENTIAL_HEADERS) {
    const value = request.headers[name];
    if (typeof value === 'string') found[name] = value;
  }
  return found;
}

export class FirstReads {
  readonly #app: FastifyInstance;
  /** With authentication on, a page asked for without credentials starts nothing (its read would only be refused, and audited). */
  readonly #credentialsRequired: boolean;
  /** By token. */
  readonly #reads = new Map<string, FirstRead>();

  constructor(app: FastifyInstance, options: { credentialsRequired: boolean }) {
    this.#app = app;
    this.#credentialsRequired = options.credentialsRequired;
  }

  /**
   * Starts the first read of the explorer page asked for by `request` (its search is in the query
   * string) and returns the tag that tells the page about it, or '' when none started.
   */
  start(request: FastifyRequest, now = Date.now()): string {
    for (const [token, read] of this.#reads) if (read.expires <= now) this.#reads.delete(token);
    const search = request.url.includes('?') ? request.url.slice(request.url.indexOf('?')) : '';
    const credentials = credentialsOf(request);
    if (this.#credentialsRequired && Object.keys(credentials).length === 0) return '';
    // a saved search's link is resolved by the page before it searches
    if (new URLSearchParams(search).has('saved') || this.#reads.size >= MAX_KEPT) return '';
    const query = new URLSearchParams();
    for (const [name, value] of Object.entries(rowsParams(filterParams(readState(search), now)))) {
      if (value !== undefined && value !== '') query.set(name, value);
    }
    const token = randomBytes(12).toString('base64url');
    this.#reads.set(token, {
      params: paramsKey(Object.fromEntries(query)), credentials: JSON.stringify(credentials),
      answer: this.#run(`${SEARCH_PATH}?${query}`, credentials).catch(() => null), expires: now + KEEP_MS,
    });
    return `<meta name="tributary-first-read" content="${token} ${now}">`;
  }

  /** The answer under way for this search, when it is the first read its token stands for. */
  take(request: FastifyRequest): Promise<FirstReadAnswer | null> | undefined {
    const query = request.query as Query;
    const token = query[FIRST_READ_PARAM];
    const read = typeof token === 'string' ? this.#reads.get(token) : undefined;
    if (!read) return undefined;
    this.#reads.delete(token as string);
    const same = read.params === paramsKey(query) && read.credentials === JSON.stringify(credentialsOf(request));
    return same ? read.answer : undefined;
  }

  async #run(url: string, credentials: Record<string, string>): Promise<FirstReadAnswer | null> {
    // the server's own request carries no token: it runs the search
    const response = await this.#app.inject({ method: 'GET', url, headers: credentials });
    if (response.statusCode !== 200) return null;
    const headers: Record<string, string> = {};
    for (const name of REPLAYED_HEADERS) {
      const value = response.headers[name];
      if (typeof value === 'string') headers[name] = value;
    }
    return { headers, body: response.body };
  }
}
