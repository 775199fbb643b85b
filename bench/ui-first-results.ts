// The explorer's first results on screen, measured in a real browser: from navigation to the
// first result row and the histogram drawn, over a running server's store (fill it first, e.g.
// with loadgen). Each search is opened cold (a new page) several times; the median and worst go out.
//   node bench/ui-first-results.ts --url http://127.0.0.1:3000 [--runs 5] [--out results.json]
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

const total = (await (await fetch(`${values.url}/api/v1/search?limit=0`)).json() as { total: number }).total;
const browser = await launchBrowser();
const rows: Array<{ search: string; rowsMedianMs: number; rowsWorstMs: number; histogramMedianMs: number }> = [];
const median = (list: number[]) => list.toSorted((a, b) => a - b)[Math.floor(list.length / 2)]!;
for (const [name, path] of SEARCHES) {
  const rowTimes: number[] = [];
  const chartTimes: number[] = [];
  for (let run = 0; run < Number(values.runs); run++) {
    const page = await browser.newPage({ viewport: { width: 1400, height: 860 } });
    const started = performance.now();
    await page.goto(`${values.url}${path}`, { waitUntil: 'commit' });
    const firstRow = page.waitForSelector('[data-testid=results] .row, .empty-results', { timeout: 60_000 }).then(() => performance.now() - started);
    const chart = page.waitForSelector('[data-testid=histogram] rect.bar, .histogram.empty', { timeout: 60_000 }).then(() => performance.now() - started);
    rowTimes.push(await firstRow);
    chartTimes.push(await chart);
    await page.close();
  }
  const row = { search: name, rowsMedianMs: Math.round(median(rowTimes)), rowsWorstMs: Math.round(Math.max(...rowTimes)), histogramMedianMs: Math.round(median(chartTimes)) };
  rows.push(row);
  console.log(`${name.padEnd(32)} first rows ${String(row.rowsMedianMs).padStart(5)} ms (worst ${row.rowsWorstMs})  histogram ${row.histogramMedianMs} ms`);
}
await browser.close();
const result = { records: total, runs: Number(values.runs), rows };
if (values.out) writeFileSync(values.out, `${JSON.stringify(result, null, 2)}\n`);
console.log(`over ${total.toLocaleString('en')} records`);
