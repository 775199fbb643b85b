// Saved searches, kept on the server (a JSON file in the data dir, replaced atomically) so a link
// names them for everyone, each optionally with an alert: a threshold on its count over a window.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../log/embedded/atomic-file.ts';
import { parseQuery } from '../query/parser.ts';
import { QuerySyntaxError } from '../query/query-syntax-error.ts';
import { parseDuration } from '../query/duration.ts';

export const COMPARISONS = ['>', '>=', '<', '<='] as const;
export type Comparison = (typeof COMPARISONS)[number];

export interface SavedQuery {
  q: string;
  streams: string[];
  /** The explorer's range (15m, 24h, all, custom…) and a custom range's ISO bounds. */
  range: string;
  from: string;
  to: string;
  columns: string[];
}

export interface AlertRule {
  comparison: Comparison;
  threshold: number;
  /** Counted over the last `window` (a duration: 5m), checked every `every`. */
  window: string;
  every: string;
  /** POSTed a JSON body when the alert fires and when it resolves. */
  webhook: string | null;
}

export interface AlertState {
  firing: boolean;
  lastCheckedAt: string | null;
  lastCount: number | null;
  lastChangedAt: string | null;
  lastError: string | null;
}

export interface SavedSearch {
  id: string;
  name: string;
  search: SavedQuery;
  alert: AlertRule | null;
  alertState: AlertState | null;
  createdAt: string;
}

/** A request the server refuses, with the field it names. */
export class SavedSearchError extends Error {}

const MIN_EVERY_MS = 1_000;
const FILE = 'saved-searches.json';

function text(value: unknown, name: string, max: number, fallback = ''): string {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'string' || value.length > max) throw new SavedSearchError(`${name} must be a string of at most ${max} characters`);
  return value;
}

function list(value: unknown, name: string): string[] {
  if (value === undefined || value === null) return [];
  if (typeof value === 'string') return value.split(',').map((item) => item.trim()).filter(Boolean);
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) throw new SavedSearchError(`${name} must be a list of names`);
  return value as string[];
}

function duration(value: unknown, name: string, fallback: string, min: number): string {
  const written = text(value, name, 20, fallback);
  let ms: number;
  try {
    ms = parseDuration(written);
  } catch (error) {
    throw new SavedSearchError(`${name}: ${(error as Error).message}`);
  }
  if (ms < min) throw new SavedSearchError(`${name} must be at least ${min / 1000} s, got ${written}`);
  return written;
}

export function validQuery(input: unknown): SavedQuery {
  const body = (input ?? {}) as Record<string, unknown>;
  const q = text(body.q, 'search.q', 10_000);
  try {
    parseQuery(q);
  } catch (error) {
    if (error instanceof QuerySyntaxError) throw new SavedSearchError(`search.q: ${error.message}`);
    throw error;
  }
  return {
    q,
    streams: list(body.streams ?? body.stream, 'search.streams'),
    range: text(body.range, 'search.range', 20, 'all'),
    from: text(body.from, 'search.from', 40),
    to: text(body.to, 'search.to', 40),
    columns: list(body.columns, 'search.columns'),
  };
}

export function validAlert(input: unknown): AlertRule | null {
  if (input === undefined || input === null) return null;
  const body = input as Record<string, unknown>;
  const comparison = (body.comparison ?? '>') as Comparison;
  if (!COMPARISONS.includes(comparison)) throw new SavedSearchError(`alert.comparison must be one of ${COMPARISONS.join(' ')}`);
  if (typeof body.threshold !== 'number' || !Number.isFinite(body.threshold) || body.threshold < 0) throw new SavedSearchError('alert.threshold must be a number of records, 0 or more');
  const webhook = text(body.webhook, 'alert.webhook', 2_000) || null;
  if (webhook !== null && !/^https?:\/\/[^\s]+$/.test(webhook)) throw new SavedSearchError(`alert.webhook must be an http(s) URL, got '${webhook}'`);
  return { comparison, threshold: body.threshold, window: duration(body.window, 'alert.window', '5m', MIN_EVERY_MS), every: duration(body.every, 'alert.every', '1m', MIN_EVERY_MS), webhook };
}

export class SavedSearches {
  readonly #file: string;
  #searches: SavedSearch[];
  #writing: Promise<void> = Promise.resolve();

  constructor(dataDir: string) {
    this.#file = path.join(dataDir, FILE);
    this.#searches = SavedSearches.#read(this.#file);
  }

  static #read(file: string): SavedSearch[] {
    try {
      return (JSON.parse(readFileSync(file, 'utf8')) as { searches: SavedSearch[] }).searches;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw new Error(`${file} cannot be read (${(error as Error).message}): fix or remove it`);
    }
  }

  list(): SavedSearch[] {
    return this.#searches.map((search) => structuredClone(search));
  }

  get(id: string): SavedSearch | undefined {
    const found = this.#searches.find((search) => search.id === id);
    return found && structuredClone(found);
  }

  async create(input: unknown): Promise<SavedSearch> {
    const body = (input ?? {}) as Record<string, unknown>;
    const name = text(body.name, 'name', 200).trim();
    if (!name) throw new SavedSearchError('name: give the search a name');
    const alert = validAlert(body.alert);
    const saved: SavedSearch = {
      id: randomBytes(6).toString('hex'), name, search: validQuery(body.search), alert,
      alertState: alert ? { firing: false, lastCheckedAt: null, lastCount: null, lastChangedAt: null, lastError: null } : null,
      createdAt: new Date().toISOString(),
    };
    await this.#save([...this.#searches, saved]);
    return structuredClone(saved);
  }

  async remove(id: string): Promise<boolean> {
    const kept = this.#searches.filter((search) => search.id !== id);
    if (kept.length === this.#searches.length) return false;
    await this.#save(kept);
    return true;
  }

  async setAlertState(id: string, state: AlertState): Promise<void> {
    await this.#save(this.#searches.map((search) => (search.id === id ? { ...search, alertState: state } : search)));
  }

  #save(searches: SavedSearch[]): Promise<void> {
    this.#searches = searches;
    const data = `${JSON.stringify({ searches }, null, 2)}\n`;
    // one write at a time, in order: the file always ends as the latest list
    this.#writing = this.#writing.catch(() => undefined).then(() => writeFileAtomic(this.#file, data));
    return this.#writing;
  }
}
