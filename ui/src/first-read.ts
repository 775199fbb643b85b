// The server starts a search link's first read, its rows, as it sends the page
// (src/api/first-reads.ts) and says so in the page: a token the page's first search sends with
// its rows read, and the server's clock, so a relative range asks for the span the server started.
const tag = document.querySelector('meta[name="tributary-first-read"]')?.getAttribute('content')?.split(' ');
let pending: { token: string; now: number } | null = tag?.length === 2 && Number(tag[1]) > 0 ? { token: tag[0]!, now: Number(tag[1]) } : null;

/** Kept a few seconds from the page's start: a search made later is a new one. */
const FRESH_MS = 10_000;

/** The token and clock of the page's first read, for the first search only; null after. */
export function takeFirstRead(): { token: string; now: number } | null {
  const taken = pending !== null && performance.now() < FRESH_MS ? pending : null;
  pending = null;
  return taken;
}
