// The explorer's first results on screen, measured in a real browser over a running server's
// store (fill it first, e.g. with loadgen), two ways: a shared link opened cold (a new page: from
// navigation to the first result row, and to the histogram drawn), and a new search in a page
// already open (from the search to its rows painted). Several runs each; the median and worst go out.
//   node bench/ui-first-results.ts --url http://127.0.0.1:3000 [--runs 5] [--out results.json]
// On a small machine Chromium takes the server's cores while a page loads; to time the browser as
// on a reader's own machine, give each a core: `taskset -c 1 npm start` and `taskset -c 0 node bench/ui-first-results.ts`.
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { launchBrowser, skipWithoutChromium } from '../test/support/browser.ts';

const { values } = parseArgs({ options: { url: { type: 'string', default: 'http://127.0.0.1:3000' }, runs: { type: 'string', default: '5' }, out: { type: 'string' } } });
const missing = skipWithoutChromium();
if (missing) throw new Error(missing);

const SEARCHES: Array<[string, string]> = [
  ['all records, newest first', '/'],
  ['last 24 hours', '/?range=24h'],
  ['level:error AND "timed out"', `/?q=${encodeURIComponent('level:error AND "timed out"')}`],
  ['one resource, all time', `/?q=${encodeURIComponent('resourceId:server-1234')}`],
  ['a phrase in 7 days', `/?q=${encodeURIComponent('"Failed to connect"')}&range=7d`],
];

const ROWS = '[data-testid=results] .row, .empty-results';
const HISTOGRAM = '[data-testid=histogram] rect.bar, .histogram.empty';

/**
 * Runs in the page before its own script: notes, in the page's clock (ms from the navigation's
 * start), the frame that first paints each selector's element. Polling from outside the page
 * instead adds the driver's own delay, up to 400 ms here while the server's reads keep both cores busy.
 */
function markFirstPaints(selectors: Record<string, string>): void {
  const window = globalThis as unknown as {
    firstPaints: Record<string, number | null>; document: { querySelector(selector: string): unknown };
    requestAnimationFrame(callback: (time: number) => void): void;
    MutationObserver: new (callback: () => void) => { observe(target: unknown, options: object): void };
  };
  window.firstPaints = {};
  new window.MutationObserver(() => {
    for (const [name, selector] of Object.entries(selectors)) {
      if (name in window.firstPaints || !window.document.querySelector(selector)) continue;
      window.firstPaints[name] = null;
      window.requestAnimationFrame((time) => { window.firstPaints[name] = time; });
    }
  // attributes too: the page may turn its "Searching…" element into the "No matching records" one
  }).observe(window.document, { childList: true, subtree: true, attributes: true, characterData: true });
}

const total = (await (await fetch(`${values.url}/api/v1/search?limit=0`)).json() as { total: number }).total;
const browser = await launchBrowser();
const rows: Array<{ search: string; rowsMedianMs: number; rowsWorstMs: number; histogramMedianMs: number; inPageRowsMedianMs: number; inPageRowsWorstMs: number; serverMedianMs: number }> = [];
const median = (list: number[]) => list.toSorted((a, b) => a - b)[Math.floor(list.length / 2)]!;
for (const [name, path] of SEARCHES) {
  const rowTimes: number[] = [];
  const chartTimes: number[] = [];
  for (let run = 0; run < Number(values.runs); run++) {
    const page = await browser.newPage({ viewport: { width: 1400, height: 860 } });
    await page.addInitScript(markFirstPaints, { rows: ROWS, histogram: HISTOGRAM });
    await page.goto(`${values.url}${path}`, { waitUntil: 'commit' });
    await page.waitForSelector(ROWS, { timeout: 60_000 });
    await page.waitForSelector(HISTOGRAM, { timeout: 60_000, state: 'attached' });
    const painted = await page.waitForFunction(() => {
      const marks = (globalThis as unknown as { firstPaints: Record<string, number | null> }).firstPaints;
      return typeof marks.rows === 'number' && typeof marks.histogram === 'number' && marks;
    });
    const marks = await painted.jsonValue() as { rows: number; histogram: number };
    rowTimes.push(marks.rows);
    chartTimes.push(marks.histogram);
    await page.close();
  }
  const inPage = await searchInOpenPage(path);
  const row = {
    search: name, rowsMedianMs: Math.round(median(rowTimes)), rowsWorstMs: Math.round(Math.max(...rowTimes)), histogramMedianMs: Math.round(median(chartTimes)),
    inPageRowsMedianMs: Math.round(median(inPage.times)), inPageRowsWorstMs: Math.round(Math.max(...inPage.times)), serverMedianMs: Math.round(median(inPage.server)),
  };
  rows.push(row);
  console.log(`${name.padEnd(30)} cold: rows ${String(row.rowsMedianMs).padStart(5)} ms (worst ${row.rowsWorstMs}), histogram ${row.histogramMedianMs} ms;` +
    ` open page: rows ${row.inPageRowsMedianMs} ms (worst ${row.inPageRowsWorstMs}), of it the server ${row.serverMedianMs} ms`);
}

/**
 * The same search in a page already open, as a reader who types it: the page moves to it the way
 * its own links and the back button do, and the time runs until its rows are painted. Between
 * runs the page shows another search, so each run is a new one.
 */
async function searchInOpenPage(path: string): Promise<{ times: number[]; server: number[] }> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 860 } });
  const moveTo = (target: string) => page.evaluate((url) => {
    const window = globalThis as unknown as { history: { pushState(state: null, title: string, url: string): void }; dispatchEvent(event: unknown): void; PopStateEvent: new (type: string) => unknown };
    window.history.pushState(null, '', url);
    window.dispatchEvent(new window.PopStateEvent('popstate'));
  }, target);
  const answered = (target: string) => page.waitForResponse((response) => response.url().includes('/api/v1/search?') && sameSearch(response.url(), target), { timeout: 60_000 });
  const painted = () => page.evaluate(() => new Promise<void>((resolve) => {
    (globalThis as unknown as { requestAnimationFrame(callback: () => void): void }).requestAnimationFrame(() => setTimeout(resolve, 0));
  }));
  const other = '/?q=level%3Adebug&range=1h';
  await page.goto(`${values.url}${other}`);
  await page.waitForSelector('[data-testid=results] .row, .empty-results', { timeout: 60_000 });
  const times: number[] = [];
  const server: number[] = [];
  for (let run = 0; run < Number(values.runs); run++) {
    const started = performance.now();
    const response = answered(path);
    await moveTo(path);
    server.push((await (await response).json() as { tookMs: number }).tookMs);
    await painted();
    times.push(performance.now() - started);
    const back = answered(other);
    await moveTo(other);
    await back;
    await painted();
  }
  await page.close();
  return { times, server };
}

/** Whether a search request asks what the page's URL asks (its q and range). */
function sameSearch(requestUrl: string, pagePath: string): boolean {
  const asked = new URL(requestUrl).searchParams;
  const wanted = new URL(pagePath, 'http://page').searchParams;
  return (asked.get('q') ?? '') === (wanted.get('q') ?? '') && (wanted.get('range') === null) === (asked.get('from') === null);
}
await browser.close();
const result = { records: total, runs: Number(values.runs), rows };
if (values.out) writeFileSync(values.out, `${JSON.stringify(result, null, 2)}\n`);
console.log(`over ${total.toLocaleString('en')} records`);
