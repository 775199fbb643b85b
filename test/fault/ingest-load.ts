// Load for the fault tests: clients that ingest unique keys until stopped and remember which got
// a 202, and the checks afterwards (every key in the store, how many copies of each).
import { getJson, waitFor } from '../e2e/harness.ts';

const CLIENTS = 4;
const BATCH = 50;

/** Clients post NDJSON batches until stopped; returns the keys of acknowledged records. */
export function ingestUntilStopped(url: string, round: number | string, stream?: string, options: { padding?: number } = {}): { stop: () => Promise<Set<string>>; statuses: Map<number, number> } {
  const padding = options.padding ? ` ${'x'.repeat(options.padding)}` : '';
  let running = true;
  const acked = new Set<string>();
  const statuses = new Map<number, number>();
  const clients = Array.from({ length: CLIENTS }, async (_, client) => {
    for (let seq = 0; running; seq++) {
      const keys = Array.from({ length: BATCH }, (_, line) => `r${round}-c${client}-s${seq}-l${line}`);
      const body = keys.map((u) => JSON.stringify({ u, level: 'info', message: `crash test ${u}${padding}` })).join('\n');
      try {
        const response = await fetch(`${url}/api/v1/logs${stream ? `?stream=${stream}` : ''}`, { method: 'POST', body, headers: { 'content-type': 'application/x-ndjson' } });
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
        if (response.status === 202) for (const key of keys) acked.add(key);
        await response.arrayBuffer();
        if (response.status !== 202) await new Promise((resolve) => setTimeout(resolve, 50)); // refused: back off as a client would
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 20)); // server gone: keep trying until stopped
      }
    }
  });
  return {
    statuses,
    async stop() {
      running = false;
      await Promise.all(clients);
      return acked;
    },
  };
}

export async function allKeys(url: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor: string | null = null;
  do {
    const params = new URLSearchParams({ q: '_exists_:u', limit: '10000', ...(cursor ? { cursor } : {}) });
    const { body } = await getJson(`${url}/api/v1/search?${params}`);
    keys.push(...body.hits.map((hit: { record: { u: string } }) => hit.record.u));
    cursor = body.cursor;
  } while (cursor);
  return keys;
}

export function countCopies(keys: string[]): Map<string, number> {
  const seen = new Map<string, number>();
  for (const key of keys) seen.set(key, (seen.get(key) ?? 0) + 1);
  return seen;
}

/** Indexing has caught up with the log once every partition's lag is 0. */
export async function waitForZeroLag(url: string, timeoutMs = 30_000): Promise<void> {
  await waitFor(async () => {
    const metrics = await (await fetch(`${url}/metrics`)).text();
    const lags = [...metrics.matchAll(/^tributary_processor_lag\{[^}]*\} (\d+)/gm)].map((m) => Number(m[1]));
    return lags.length > 0 && lags.every((lag) => lag === 0) ? true : undefined;
  }, timeoutMs, 'indexer lag 0');
}
