// The web explorer in a real browser (Debian's Chromium through playwright-core) against a real
// server: what a user does — search with filters, zoom the histogram, expand a record, filter from
// the sidebar, open a record's context, follow a live tail, read dead letters, share a URL — each
// checked against the API's own answers, with a screenshot of each in test-results/. And the XSS
// corpus: nothing in a record runs in the page.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { childServerForSuite, getJson, postJson, waitFor, type ChildServer } from './harness.ts';
import { launchBrowser, screenshot, skipWithoutChromium } from '../support/browser.ts';
import { telemetryBatches } from '../../src/presets/sunbird-telemetry/generate.ts';

const skip = skipWithoutChromium();
const T0 = Date.UTC(2023, 8, 14, 0, 0, 0);
const RESOURCES = ['server-1234', 'server-5678', 'server-9'];
const LEVELS = ['info', 'info', 'warn', 'error', 'debug'];

function dyteRecords(count: number): Array<Record<string, unknown>> {
  return Array.from({ length: count }, (_, n) => ({
    level: LEVELS[n % LEVELS.length],
    message: n % 6 === 0 ? `Failed to connect to DB shard ${n % 4}` : `Request ${n} handled in ${(n * 7) % 300} ms`,
    resourceId: RESOURCES[n % RESOURCES.length],
    timestamp: new Date(T0 + n * 10 * 60_000).toISOString(),
    traceId: `trace-${n}`,
    spanId: `span-${n}`,
    commit: n % 2 ? '5e5342f' : 'a1b2c3d',
    metadata: { parentResourceId: `server-${n % 5}` },
    latency_ms: (n * 7) % 300,
  }));
}

/** Payloads that would run in a page that put record text into markup. */
const XSS = [
  '<script>window.__xss = "script"</script>',
  '<img src=x onerror="window.__xss = \'img\'">',
  '<svg onload="window.__xss = \'svg\'"><circle r="1"/></svg>',
  'javascript:window.__xss = "url"',
  '"><iframe src="javascript:window.__xss = \'iframe\'"></iframe>',
  '&lt;script&gt;window.__xss = "entity"&lt;/script&gt;',
  '\u001b[31mred\u001b[0m \u001b]8;;http://evil.example\u0007link\u001b]8;;\u0007',
  '{{constructor.constructor("window.__xss = \'template\'")()}}',
];

/** The page's globals, in functions that run there (this file is type-checked without the DOM). */
interface PageElement { textContent: string | null }
interface PageGlobals { document: { querySelector(selector: string): PageElement | null; querySelectorAll(selector: string): Iterable<PageElement> } }

async function total(url: string, params: Record<string, string>): Promise<number> {
  return (await getJson(`${url}/api/v1/search?${new URLSearchParams({ ...params, limit: '0' })}`)).body.total;
}

async function shownTotal(page: Page): Promise<number> {
  const text = await page.locator('[data-testid=total]').textContent({ timeout: 10_000 });
  return Number(/([\d,]+) records/.exec(text ?? '')![1]!.replaceAll(',', ''));
}

/** Waits until the page shows this many records; a timeout says what it showed. */
async function expectShown(page: Page, expected: number): Promise<void> {
  const text = `${expected.toLocaleString('en')} records`;
  // a function, not a string: the page's Content-Security-Policy forbids eval
  await page.waitForFunction((wanted) => ((globalThis as unknown as PageGlobals).document.querySelector('[data-testid=total]')?.textContent ?? '').startsWith(wanted), text, { timeout: 10_000 })
    .catch(async (error: Error) => {
      const shown = await page.locator('[data-testid=total]').textContent().catch(() => null);
      throw new Error(`expected '${text}' at ${page.url()}, the page shows '${shown}' (query box: '${await page.getByLabel('Query').inputValue().catch(() => '?')}'): ${error.message.split('\n')[0]}`);
    });
}

async function search(page: Page, query: string): Promise<void> {
  const box = page.getByLabel('Query');
  await box.fill(query);
  await box.press('Escape');
  await box.press('Enter');
}

describe('the web explorer', { skip }, () => {
  const suite = childServerForSuite('explorer-ui');
  let server: ChildServer;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];
  const records = dyteRecords(300);

  before(async () => {
    server = suite.server();
    browser = await launchBrowser();
    assert.equal((await postJson(`${server.url}/api/v1/logs`, records.map((r) => JSON.stringify(r)).join('\n'), { 'content-type': 'application/x-ndjson' })).status, 202);
    // the Dyte sample as its file has it (a copy of the seed's reference): one pretty-printed JSON document
    assert.equal((await postJson(`${server.url}/`, readFileSync(new URL('../fixtures/dyte/sample-log.official.json', import.meta.url)))).status, 202);
    await waitFor(async () => ((await total(server.url, {})) === 301 ? true : undefined), 15_000, 'the records searchable');
  });

  after(async () => {
    await browser?.close();
    assert.deepEqual(pageErrors, [], 'no script error in the page');
  });

  const open = async (path = '/'): Promise<Page> => {
    page = await browser.newPage({ viewport: { width: 1400, height: 860 } });
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(`${server.url}${path}`);
    return page;
  };

  it('finds the Dyte sample queries\' answers with filters typed in the query box', async () => {
    await open();
    await expectShown(page, await total(server.url, {}));
    await search(page, 'level:error AND resourceId:server-1234');
    const expected = await total(server.url, { q: 'level:error AND resourceId:server-1234' });
    assert.ok(expected > 10);
    await expectShown(page, expected);
    assert.match(page.url(), /q=level%3Aerror\+AND\+resourceId%3Aserver-1234/);
    const levels = await page.locator('[data-testid=results] .row .cell.level').allTextContents();
    assert.ok(levels.length > 0 && levels.every((level) => level === 'error'), `levels shown: ${levels.join(',')}`);
    await search(page, '"Failed to connect"');
    await expectShown(page, await total(server.url, { q: '"Failed to connect"' }));
    await screenshot(page, 'explorer-search');
    // a bad query says where it is wrong
    await search(page, 'level:(error');
    await page.locator('[data-testid=query-error] mark').waitFor();
    assert.match(await page.locator('.error-banner').textContent() ?? '', /position 6/);
    await page.close();
  });

  it('zooms the time range by dragging across the histogram', async () => {
    await open('/?stream=logs');
    await expectShown(page, await total(server.url, { stream: 'logs' }));
    const chart = page.locator('[data-testid=histogram] svg');
    await chart.locator('rect.bar').first().waitFor();
    const box = (await chart.boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.25, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.6, box.y + box.height / 2, { steps: 5 });
    await page.mouse.up();
    await page.waitForURL(/range=custom/);
    const url = new URL(page.url());
    const from = url.searchParams.get('from')!;
    const to = url.searchParams.get('to')!;
    assert.ok(Date.parse(from) > T0 && Date.parse(to) < T0 + 300 * 600_000, `${from} → ${to}`);
    const expected = await total(server.url, { from, to });
    assert.ok(expected > 50 && expected < 250, `zoomed to ${expected}`);
    await expectShown(page, expected);
    await screenshot(page, 'explorer-histogram-zoom');
    await page.close();
  });

  it('expands a record as formatted JSON, and filters by a sidebar value', async () => {
    await open('/?q=traceId:trace-42');
    await expectShown(page, 1);
    await page.locator('[data-testid=results] .row').first().click();
    const json = await page.locator('[data-testid=record-json]').textContent();
    assert.deepEqual(JSON.parse(json!), records[42]);
    await screenshot(page, 'explorer-record');
    await page.keyboard.press('Escape');
    await page.locator('[data-testid=record-panel]').waitFor({ state: 'detached' });

    await page.goto(`${server.url}/`);
    await expectShown(page, await total(server.url, {}));
    const facet = page.locator('.facet[data-field=resourceId]');
    await facet.locator('.facet-value', { hasText: 'server-5678' }).click();
    await expectShown(page, await total(server.url, { q: 'resourceId:"server-5678"' }));
    assert.equal(await page.getByLabel('Query').inputValue(), 'resourceId:"server-5678"');
    await page.locator('.facet[data-field=level] button[aria-label="Exclude info"]').click();
    const query = 'resourceId:"server-5678" NOT level:"info"';
    assert.equal(await page.getByLabel('Query').inputValue(), query);
    await expectShown(page, await total(server.url, { q: query }));
    await screenshot(page, 'explorer-sidebar-filter');
    await page.close();
  });

  it('shows a record\'s context: the records around it in its stream, or only those of its resourceId', async () => {
    await open('/?q=traceId:trace-151&columns=traceId');
    await expectShown(page, 1);
    await page.locator('[data-testid=results] .row').first().click();
    await page.getByRole('button', { name: 'Context' }).click();
    const view = page.locator('[data-testid=context-view]');
    await view.locator('.row.anchor').waitFor();
    const traces = () => view.locator('.row .cell.column').allTextContents();
    // newest first, as the results: the 25 records after it above, the 25 before it below
    const around = await traces();
    assert.deepEqual(around, Array.from({ length: 51 }, (_, i) => `trace-${176 - i}`));
    assert.equal(await view.locator('.row.anchor .cell.column').textContent(), 'trace-151');
    await view.getByLabel('Only records with the same').selectOption('resourceId');
    // the records of server-5678 are every third one: 151 ± 3k
    const sameResource = Array.from({ length: 51 }, (_, i) => 151 + 3 * (25 - i)).filter((n) => n < 300).map((n) => `trace-${n}`);
    await page.waitForFunction((first) => (globalThis as unknown as PageGlobals).document.querySelector('[data-testid=context-view] .row .cell.column')?.textContent === first, sameResource[0]);
    assert.deepEqual(await traces(), sameResource);
    await screenshot(page, 'explorer-context');
    await page.close();
  });

  it('follows a live tail: a record ingested during the test appears without a search', async () => {
    await open('/?q=resourceId:live-tail');
    await page.locator('.empty-results').waitFor();
    await page.getByLabel('Live').check();
    await new Promise((resolve) => setTimeout(resolve, 500));
    const message = `arrived live ${Date.now()}`;
    assert.equal((await postJson(`${server.url}/api/v1/logs`, JSON.stringify({ level: 'warn', message, resourceId: 'live-tail' }))).status, 202);
    await page.locator('[data-testid=results] .row', { hasText: message }).waitFor({ timeout: 10_000 });
    await screenshot(page, 'explorer-live-tail');
    await page.close();
  });

  it('lists the dead letters with their reason', async () => {
    assert.equal((await postJson(`${server.url}/api/v1/logs?stream=user-login`, JSON.stringify({ user_id: 'u-dead', timestamp: 1_737_417_600 }))).status, 202);
    await waitFor(async () => ((await total(server.url, { stream: 'dead-letter-queue' })) >= 1 ? true : undefined), 15_000, 'the dead letter');
    await open('/ui/dead-letters');
    await page.locator('[data-testid=results] .row', { hasText: 'Missing required fields' }).waitFor();
    const headers = await page.locator('.results .row.header .cell').allTextContents();
    assert.ok(headers.includes('error') && headers.includes('reason'), headers.join(','));
    // its message is the rejected object: a field of it, not a word of a message, finds it
    await search(page, 'message.user_id:u-dead');
    await page.waitForURL(/q=message\.user_id%3Au-dead/);
    assert.equal(await total(server.url, { q: 'message.user_id:u-dead', stream: 'dead-letter-queue,_dead_letters' }), 1);
    await expectShown(page, 1);
    await screenshot(page, 'explorer-dead-letters');
    await page.close();
  });

  it('restores a shared search from its URL, and the back button returns to the previous one', async () => {
    await open();
    await expectShown(page, await total(server.url, {}));
    await search(page, 'level:warn');
    await expectShown(page, await total(server.url, { q: 'level:warn' }));
    await page.locator('.facet[data-field=commit] button', { hasText: '+col' }).click();
    await page.locator('.results .row.header .cell', { hasText: 'commit' }).waitFor();
    const shared = page.url();
    await search(page, 'level:debug');
    await expectShown(page, await total(server.url, { q: 'level:debug' }));
    await page.goBack();
    assert.equal(await page.getByLabel('Query').inputValue(), 'level:warn');

    const other = await browser.newPage({ viewport: { width: 1400, height: 860 } });
    // the server started the link's rows as it sent the page; the page's read takes that answer
    const firstRead = other.waitForRequest((request) => request.url().includes('/api/v1/search?'));
    await other.goto(shared);
    assert.match((await firstRead).url(), /[?&]first=[\w-]+/);
    await expectShown(other, await total(server.url, { q: 'level:warn' }));
    assert.equal(await other.getByLabel('Query').inputValue(), 'level:warn');
    assert.ok((await other.locator('.results .row.header .cell').allTextContents()).includes('commit'));
    const newest = (await getJson(`${server.url}/api/v1/search?q=level:warn&limit=5`)).body.hits.map((hit: { record: { commit?: string } }) => hit.record.commit ?? '');
    assert.deepEqual((await other.locator('[data-testid=results] .row .cell.column').allTextContents()).slice(0, 5), newest);
    await screenshot(other, 'explorer-shared-url');
    await other.close();
    await page.close();
  });

  it('saves a search on the server with an alert, and opens it from its link', async () => {
    await open('/?q=level:error&columns=resourceId');
    await expectShown(page, await total(server.url, { q: 'level:error' }));
    await page.getByRole('button', { name: 'Saved ▾' }).click();
    await page.getByLabel('Name of the saved search').fill('all errors');
    await page.getByText('Alert when the count').click();
    await page.getByLabel('Threshold').fill('1000');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.locator('.saved-list li', { hasText: 'all errors' }).waitFor();
    const saved = (await getJson(`${server.url}/api/v1/saved-searches`)).body.searches.find((s: { name: string }) => s.name === 'all errors');
    assert.deepEqual([saved.search.q, saved.search.columns, saved.alert.comparison, saved.alert.threshold], ['level:error', ['resourceId'], '>=', 1000]);
    const other = await browser.newPage({ viewport: { width: 1400, height: 860 } });
    await other.goto(`${server.url}/?saved=${saved.id}`);
    await other.waitForURL(/q=level%3Aerror/);
    await expectShown(other, await total(server.url, { q: 'level:error' }));
    assert.ok((await other.locator('.results .row.header .cell').allTextContents()).includes('resourceId'));
    await screenshot(page, 'explorer-saved-search');
    await other.close();
    await page.close();
  });

  it('groups the messages into patterns, and filters by one', async () => {
    await open('/?stream=logs');
    await expectShown(page, await total(server.url, { stream: 'logs' }));
    await page.getByRole('tab', { name: 'Patterns' }).click();
    const pattern = page.locator('[data-testid=patterns] .pattern', { hasText: 'Request <*> handled in <*> ms' });
    const count = Number((await pattern.locator('.pattern-count').textContent())!.replaceAll(',', ''));
    assert.equal(count, records.filter((r) => String(r.message).startsWith('Request ')).length);
    await screenshot(page, 'explorer-patterns');
    await pattern.click();
    const query = 'message:"Request" AND message:"handled in"';
    assert.equal(await page.getByLabel('Query').inputValue(), query);
    await expectShown(page, await total(server.url, { stream: 'logs', q: query }));
    await page.close();
  });

  it('charts a numeric field over time, one line per value of a field', async () => {
    await open('/ui/charts?stream=logs&agg=p99&field=latency_ms&by=resourceId');
    await page.locator('[data-testid=chart] canvas').waitFor();
    const legend = await page.locator('[data-testid=chart] .u-legend .u-label').allTextContents();
    for (const resource of RESOURCES) assert.ok(legend.includes(resource), `${resource} in the legend: ${legend.join(', ')}`);
    await page.getByLabel('Aggregation').selectOption('count');
    await page.waitForURL(/agg=count/);
    // per day, as Sunbird's summaries count events: the stats asked per day, one point a day
    const asked = page.waitForRequest((request) => request.url().includes('/api/v1/stats') && request.url().includes('interval=1d'));
    await page.getByLabel('Interval').selectOption('1d');
    await page.waitForURL(/interval=1d/);
    await asked;
    await page.locator('[data-testid=chart] canvas').waitFor();
    await screenshot(page, 'explorer-charts');
    await page.close();
  });

  it('exports the whole match, not only the loaded rows', async () => {
    await open('/?q=level:info');
    const expected = await total(server.url, { q: 'level:info' });
    await expectShown(page, expected);
    const href = await page.getByRole('link', { name: 'CSV' }).getAttribute('href');
    const csv = await (await fetch(`${server.url}${href}`)).text();
    const lines = csv.trimEnd().split('\r\n');
    assert.equal(lines[0], 'timestamp,stream,level,message');
    assert.equal(lines.length - 1, expected);
    await page.close();
  });

  it('renders every hostile payload as inert text: nothing in a record runs', async () => {
    const hostile = XSS.map((payload, i) => ({ level: 'error', message: payload, resourceId: 'hostile', [`k${i}`]: payload, [payload.slice(0, 40)]: 'as a key', link: payload }));
    assert.equal((await postJson(`${server.url}/api/v1/logs?stream=hostile`, JSON.stringify(hostile))).status, 202);
    await waitFor(async () => ((await total(server.url, { stream: 'hostile' })) === XSS.length ? true : undefined), 15_000, 'the payloads stored');
    await open('/?stream=hostile&columns=link');
    const dialogs: string[] = [];
    page.on('dialog', (dialog) => { dialogs.push(dialog.message()); void dialog.dismiss(); });
    const csp = (await page.request.get(`${server.url}/`, { headers: { accept: 'text/html' } })).headers()['content-security-policy'];
    assert.match(csp!, /script-src 'self'/);
    await expectShown(page, XSS.length);
    const rows = page.locator('[data-testid=results] .row');
    for (let i = 0; i < XSS.length; i++) {
      await rows.nth(i).click();
      await page.locator('[data-testid=record-panel]').waitFor();
    }
    await page.locator('.facet').first().waitFor();
    const shown = (await page.locator('[data-testid=results]').textContent())!;
    assert.ok(shown.includes('<script>window.__xss = "script"</script>'), 'the script tag is shown as text');
    assert.ok(shown.includes('&lt;script&gt;'), 'entities are not decoded');
    assert.ok(shown.includes('\u241b[31mred'), 'ANSI escapes are shown, not interpreted');
    assert.equal(await page.evaluate('typeof window.__xss'), 'undefined');
    assert.deepEqual(dialogs, []);
    const injected = await page.locator('.rows img, .rows script, .rows svg, .rows iframe, .record-panel img, .record-panel script, .record-panel svg, .record-panel iframe, .sidebar img, .sidebar svg, .sidebar iframe').count();
    assert.equal(injected, 0, 'no element came from record content');
    await screenshot(page, 'explorer-xss-corpus');
    await page.close();
  });

  it('says it is searching until the answer comes, and only then that nothing matched', async () => {
    page = await browser.newPage({ viewport: { width: 1400, height: 860 } });
    page.on('pageerror', (error) => pageErrors.push(error.message));
    let release!: () => void;
    const held = new Promise<void>((resolve) => { release = resolve; });
    await page.route('**/api/v1/search?**', async (route) => { await held; await route.continue(); });
    await page.goto(`${server.url}/?q=${encodeURIComponent('resourceId:nowhere')}`);
    await page.locator('[data-testid=results] .searching').waitFor();
    assert.equal(await page.locator('.empty-results').count(), 0, 'no "No matching records" before the answer');
    assert.equal(await page.locator('.histogram.empty').count(), 0, 'no "No records in this range" before the answer');
    release();
    await page.locator('.empty-results').waitFor();
    await page.locator('.histogram.empty').waitFor();
    assert.equal(await page.locator('[data-testid=results] .searching').count(), 0);
    await page.close();
  });

  it('says a time range without records has none, rather than drawing an empty chart', async () => {
    // a day in 2030 holds no record, and the histogram's buckets over it all count 0
    await open('/?range=custom&from=2030-01-01T00:00:00.000Z&to=2030-01-02T00:00:00.000Z');
    // the histogram's answer: the empty note, or a chart
    await page.locator('.histogram.empty, [data-testid=histogram] svg').first().waitFor();
    assert.equal(await page.locator('[data-testid=histogram] svg').count(), 0, 'no chart of zeros');
    assert.equal(await page.locator('[data-testid=histogram]').textContent(), 'No records in this range');
    await page.close();
  });

  it('completes field names and their values in the query box, from the keyboard', async () => {
    await open();
    await expectShown(page, await total(server.url, {}));
    const box = page.getByLabel('Query');
    await page.keyboard.press('/');
    assert.equal(await box.evaluate((element) => (globalThis as unknown as { document: { activeElement: unknown } }).document.activeElement === element), true, '/ focuses the query box');
    await box.pressSequentially('resou');
    await page.locator('.suggestions li.field', { hasText: 'resourceId' }).waitFor();
    await box.press('Tab');
    assert.equal(await box.inputValue(), 'resourceId:');
    // the field's values over the current range, with their counts
    const count = await total(server.url, { q: 'resourceId:server-5678' });
    await page.locator('.suggestions li.value', { hasText: `server-5678  (${count})` }).waitFor();
    await box.pressSequentially('5678');
    await page.waitForFunction(() => [...(globalThis as unknown as PageGlobals).document.querySelectorAll('.suggestions li.value')].length === 1);
    assert.deepEqual(await page.locator('.suggestions li.value').allTextContents(), [`server-5678  (${count})`]);
    await box.press('ArrowDown');
    await box.press('Tab');
    assert.equal(await box.inputValue(), 'resourceId:"server-5678" ', 'the value written as the query language quotes it');
    await box.press('Enter');
    await expectShown(page, await total(server.url, { q: 'resourceId:server-5678' }));
    await screenshot(page, 'explorer-autocomplete');
    await page.close();
  });

  it('switches to dark mode and keeps it on the next visit', async () => {
    await open();
    // the toggle names the mode it switches to; the page's theme is set just after it renders
    const toggle = page.locator('button[aria-label^="Switch to"]');
    await toggle.waitFor();
    const other = /Switch to (\w+) mode/.exec((await toggle.getAttribute('aria-label'))!)![1]!;
    const before = other === 'dark' ? 'light' : 'dark';
    const themeIs = (want: string) => page.waitForFunction((wanted) => (globalThis as unknown as { document: { documentElement: { dataset: { theme?: string } } } }).document.documentElement.dataset.theme === wanted, want, { timeout: 5_000 });
    await themeIs(before);
    await toggle.click();
    await themeIs(other);
    const background = () => page.evaluate(() => {
      const window = globalThis as unknown as { getComputedStyle(element: unknown): { backgroundColor: string }; document: { body: unknown } };
      return window.getComputedStyle(window.document.body).backgroundColor;
    });
    const shade = await background();
    await page.reload();
    await page.getByLabel(`Switch to ${before} mode`).waitFor();
    await themeIs(other);
    assert.equal(await background(), shade, 'the same colours after the reload');
    await screenshot(page, `explorer-${other}`);
    await page.getByLabel(`Switch to ${before} mode`).click();
    await themeIs(before);
    await page.close();
  });

  it('asks the server once per search over a relative range, not again at every render', async () => {
    page = await browser.newPage({ viewport: { width: 1400, height: 860 } });
    const reads: string[] = [];
    page.on('request', (request) => { const path = new URL(request.url()).pathname; if (path.startsWith('/api/v1/')) reads.push(path); });
    await page.goto(`${server.url}/?stream=hostile&range=24h`);
    await expectShown(page, XSS.length);
    await page.locator('.facet .facet-value').first().waitFor();
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const count = (path: string) => reads.filter((read) => read === path).length;
    assert.deepEqual([count('/api/v1/search'), count('/api/v1/histogram'), count('/api/v1/facets')], [1, 1, 1], reads.join(' '));
    await page.close();
  });

  it('shows the pipeline page: topics, consumer groups with lag and the pipelines', async () => {
    await open('/ui/pipelines');
    await page.locator('[data-testid=topics-table] td', { hasText: 'logs' }).first().waitFor();
    const pipelines = await page.locator('[data-testid=pipelines-table] tbody tr').allTextContents();
    assert.ok(pipelines.some((row) => row.startsWith('user-login')), pipelines.join('\n'));
    assert.ok(pipelines.some((row) => row.startsWith('tributary-indexer')), 'the indexer is listed as a pipeline');
    const groups = await page.locator('[data-testid=groups-table] tbody tr').allTextContents();
    assert.ok(groups.some((row) => row.startsWith('tributary-indexer')));
    await screenshot(page, 'explorer-pipelines');
    await page.close();
  });

  // last: its events add to every all-streams count the tests above check
  it('starts indexing a stream indexed on search when it is opened, says so, and shows its records once indexed', async () => {
    const [{ batch }] = [...telemetryBatches(1, { seed: 5, batchSize: 20, invalidShare: 0, repeatShare: 0 })];
    assert.equal((await postJson(`${server.url}/v1/telemetry`, JSON.stringify(batch))).status, 200);
    const raw = batch.events.filter((event) => (event as { eid?: string }).eid !== 'LOG').length;
    await waitFor(async () => ((await total(server.url, { stream: 'telemetry.denorm' })) > 0 ? true : undefined), 15_000, 'the events through the pipelines');
    await open('/?stream=telemetry.raw');
    await page.locator('.notice-banner', { hasText: 'Indexing telemetry.raw' }).waitFor();
    // searched again while the indexer catches up, with no click
    await expectShown(page, raw);
    await screenshot(page, 'explorer-on-search-stream');
    await page.close();
  });
});
