// The explorer's live tail under a steady stream of new records, measured in a real browser: how
// smoothly the page keeps drawing (the gaps between animation frames, long tasks), how far behind
// the newest record on screen is, how many arrived, and what the page holds. Against a running
// server; each rate writes its own stream.
//   node bench/ui-live-tail.ts --url http://127.0.0.1:3000 [--rates 200,1000,3000] [--seconds 15] [--out FILE]
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { launchBrowser, skipWithoutChromium } from '../test/support/browser.ts';

const { values } = parseArgs({ options: { url: { type: 'string', default: 'http://127.0.0.1:3000' }, rates: { type: 'string', default: '200,1000,3000' }, seconds: { type: 'string', default: '15' }, out: { type: 'string' } } });
const missing = skipWithoutChromium();
if (missing) throw new Error(missing);
const seconds = Number(values.seconds);

interface PageWindow {
  __frames: number[];
  __longTasks: number[];
  requestAnimationFrame(callback: (at: number) => void): void;
  PerformanceObserver: new (callback: (list: { getEntries(): Array<{ duration: number }> }) => void) => { observe(options: { entryTypes: string[] }): void };
  document: { querySelectorAll(selector: string): { length: number }; querySelector(selector: string): { textContent: string | null } | null };
  performance: { memory?: { usedJSHeapSize: number } };
}

const percentile = (list: number[], p: number) => list.toSorted((a, b) => a - b)[Math.min(list.length - 1, Math.floor(list.length * p))] ?? 0;

async function measure(rate: number): Promise<Record<string, number>> {
  const stream = `livebench-${rate}-${Date.now().toString(36)}`;
  const browser = await launchBrowser();
  const page = await browser.newPage({ viewport: { width: 1400, height: 860 } });
  await page.goto(`${values.url}/?stream=${stream}&range=15m`);
  await page.waitForSelector('.empty-results', { timeout: 30_000 });
  await page.getByLabel('Live').check();
  await page.evaluate(() => {
    const window = globalThis as unknown as PageWindow;
    window.__frames = [];
    window.__longTasks = [];
    const frame = (at: number) => { window.__frames.push(at); window.requestAnimationFrame(frame); };
    window.requestAnimationFrame(frame);
    new window.PerformanceObserver((list) => { for (const entry of list.getEntries()) window.__longTasks.push(entry.duration); }).observe({ entryTypes: ['longtask'] });
  });
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const started = Date.now();
  let sent = 0;
  const lags: number[] = [];
  const tickMs = 100;
  const perTick = Math.max(1, Math.round((rate * tickMs) / 1000));
  while (Date.now() - started < seconds * 1000) {
    const tickStart = Date.now();
    const lines = Array.from({ length: perTick }, () => JSON.stringify({ timestamp: new Date().toISOString(), level: sent % 10 ? 'info' : 'warn', message: `live ${sent++} sent ${Date.now()}`, resourceId: `server-${sent % 50}` }));
    const response = await fetch(`${values.url}/api/v1/logs?stream=${stream}`, { method: 'POST', body: lines.join('\n'), headers: { 'content-type': 'application/x-ndjson' } });
    if (response.status !== 202) throw new Error(`ingest answered ${response.status}`);
    if ((sent / perTick) % 10 === 0) {
      // how old the newest record on screen is
      const newest = await page.evaluate(() => (globalThis as unknown as PageWindow).document.querySelector('[data-testid=results] .row .cell.message')?.textContent ?? '');
      const sentAt = Number(/sent (\d+)/.exec(newest)?.[1]);
      if (Number.isFinite(sentAt)) lags.push(Date.now() - sentAt);
    }
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, tickMs - (Date.now() - tickStart))));
  }
  // the last records' time to arrive
  await new Promise((resolve) => setTimeout(resolve, 2000));
  const result = await page.evaluate(() => {
    const window = globalThis as unknown as PageWindow;
    const frames = window.__frames;
    const gaps = frames.slice(1).map((at, i) => at - frames[i]!);
    const total = window.document.querySelector('[data-testid=total]')?.textContent ?? '';
    return { gaps, longTasks: window.__longTasks, rowsInDom: window.document.querySelectorAll('[data-testid=results] .row').length, heapMb: (window.performance.memory?.usedJSHeapSize ?? 0) / 1048576, total };
  });
  await browser.close();
  const shown = Number(/([\d,]+) records/.exec(result.total)?.[1]?.replaceAll(',', '') ?? Number.NaN);
  return {
    rate, seconds, sent, shownTotal: shown,
    frameGapP50Ms: Math.round(percentile(result.gaps, 0.5)), frameGapP99Ms: Math.round(percentile(result.gaps, 0.99)), frameGapMaxMs: Math.round(Math.max(...result.gaps)),
    longTasks: result.longTasks.length, longTaskMs: Math.round(result.longTasks.reduce((sum, d) => sum + d, 0)),
    newestOnScreenP50Ms: Math.round(percentile(lags, 0.5)), newestOnScreenMaxMs: Math.round(Math.max(...lags)),
    rowsInDom: result.rowsInDom, heapMb: Math.round(result.heapMb),
  };
}

const rows: Array<Record<string, number>> = [];
for (const rate of values.rates!.split(',').map(Number)) {
  const row = await measure(rate);
  rows.push(row);
  console.log(JSON.stringify(row));
}
if (values.out) writeFileSync(values.out, `${JSON.stringify({ rows }, null, 2)}\n`);
