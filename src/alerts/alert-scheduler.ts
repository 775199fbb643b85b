// Checks the alerts of saved searches on their schedule: the count of the search over its window
// against the threshold. A change of state (firing, resolved) writes a record to the _alerts
// stream and POSTs the same JSON to the alert's webhook.
import type { Store } from '../stores/store.ts';
import { parseQuery } from '../query/parser.ts';
import { parseDuration } from '../query/duration.ts';
import type { AlertRule, AlertState, SavedSearch, SavedSearches } from './saved-searches.ts';

export const ALERTS_STREAM = '_alerts';
const TICK_MS = 1_000;
const WEBHOOK_TIMEOUT_MS = 5_000;

export interface AlertRecord {
  timestamp: string;
  level: 'warn' | 'info';
  message: string;
  state: 'firing' | 'resolved';
  alert: string;
  name: string;
  count: number;
  comparison: string;
  threshold: number;
  window: string;
  webhook?: { url: string; status: number | null; error?: string };
}

export function breached(rule: AlertRule, count: number): boolean {
  switch (rule.comparison) {
    case '>': return count > rule.threshold;
    case '>=': return count >= rule.threshold;
    case '<': return count < rule.threshold;
    case '<=': return count <= rule.threshold;
  }
}

export class AlertScheduler {
  readonly #saved: SavedSearches;
  readonly #store: Store;
  readonly #write: (record: AlertRecord) => Promise<void>;
  readonly #due = new Map<string, number>();
  #timer: NodeJS.Timeout | undefined;
  #checking: Promise<void> = Promise.resolve();

  constructor(saved: SavedSearches, store: Store, write: (record: AlertRecord) => Promise<void>) {
    this.#saved = saved;
    this.#store = store;
    this.#write = write;
  }

  start(): void {
    this.#timer = setInterval(() => { this.#checking = this.#checking.then(() => this.checkDue()); }, TICK_MS);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.#checking;
  }

  /** Checks every alert whose time has come. */
  async checkDue(now = Date.now()): Promise<void> {
    for (const search of this.#saved.list()) {
      if (!search.alert) continue;
      if ((this.#due.get(search.id) ?? 0) > now) continue;
      this.#due.set(search.id, now + parseDuration(search.alert.every));
      await this.check(search, search.alert, now).catch((error: Error) => console.warn(`alert ${search.name}: ${error.message}`));
    }
  }

  async check(search: SavedSearch, rule: AlertRule, now: number): Promise<void> {
    const previous: AlertState = search.alertState ?? { firing: false, lastCheckedAt: null, lastCount: null, lastChangedAt: null, lastError: null };
    let count: number;
    try {
      const query = parseQuery(search.search.q);
      const result = await this.#store.search({
        query: query.type === 'all' ? null : query, streams: search.search.streams.length ? search.search.streams : undefined,
        fromMs: now - parseDuration(rule.window), toMs: now, limit: 0, total: true, cursor: null,
      });
      count = result.total ?? 0;
    } catch (error) {
      await this.#saved.setAlertState(search.id, { ...previous, lastCheckedAt: new Date(now).toISOString(), lastError: (error as Error).message });
      return;
    }
    const firing = breached(rule, count);
    const changed = firing !== previous.firing;
    await this.#saved.setAlertState(search.id, {
      firing, lastCheckedAt: new Date(now).toISOString(), lastCount: count, lastError: null,
      lastChangedAt: changed ? new Date(now).toISOString() : previous.lastChangedAt,
    });
    // a first check that finds nothing wrong is no news
    if (!changed) return;
    const record: AlertRecord = {
      timestamp: new Date(now).toISOString(),
      level: firing ? 'warn' : 'info',
      message: `alert "${search.name}" ${firing ? 'firing' : 'resolved'}: ${count} records in the last ${rule.window} (${firing ? '' : 'not '}${rule.comparison} ${rule.threshold})`,
      state: firing ? 'firing' : 'resolved',
      alert: search.id, name: search.name, count, comparison: rule.comparison, threshold: rule.threshold, window: rule.window,
    };
    if (rule.webhook) record.webhook = await this.#post(rule.webhook, record);
    await this.#write(record);
  }

  async #post(url: string, record: AlertRecord): Promise<NonNullable<AlertRecord['webhook']>> {
    try {
      const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(record), signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS) });
      return { url, status: response.status, ...(response.ok ? {} : { error: `HTTP ${response.status}` }) };
    } catch (error) {
      return { url, status: null, error: (error as Error).message };
    }
  }
}
