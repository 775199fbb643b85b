// The api-requests preset (seed 004) end to end: `tributary start --tail FILE` follows a request
// log while it is written, rotated (rename + new file), truncated, and while the server is killed
// with SIGKILL and restarted; the seed's stats API must then equal a brute-force computation over
// every line written, and each malformed line must be one dead letter with the reason.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, renameSync, rmSync, truncateSync } from 'node:fs';
import path from 'node:path';
import { apiRequestLines, API_REQUEST_LINE } from '../../src/presets/api-requests/generate.ts';
import { getJson, startChild, tempDir, waitFor, type ChildServer } from './harness.ts';

interface Request {
  ms: number;
  customer: string;
  status: number;
  duration: number;
}

function parse(line: string): Request | undefined {
  const match = API_REQUEST_LINE.exec(line);
  if (!match) return undefined;
  const ms = Date.parse(`${match[1]}T${match[2]}Z`);
  if (Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== match[1]) return undefined;
  return { ms, customer: match[3]!, status: Number(match[5]), duration: Number(match[6]) };
}

/** The seed's definitions (SPEC.md), rounded as Python's round(x, 5) would for these values. */
function expectedStats(requests: Request[]): Record<string, number> {
  const sorted = requests.map((r) => r.duration).sort((a, b) => a - b);
  const n = sorted.length;
  const successful = requests.filter((r) => r.status < 400).length;
  const round5 = (x: number) => Number(x.toFixed(5));
  return {
    total_requests: n,
    successful_requests: successful,
    failed_requests: n - successful,
    uptime: round5((successful / n) * 100),
    average_latency: round5(sorted.reduce((sum, d) => sum + d, 0) / n),
    median_latency: round5(sorted[Math.floor(n / 2)]!),
    p99_latency: round5(n >= 100 ? sorted[Math.floor(n * 0.99) - 1]! : sorted[n - 1]!),
  };
}

const close = (actual: Record<string, number>, expected: Record<string, number>, what: string) => {
  for (const [key, value] of Object.entries(expected)) {
    // the mean is summed in another order by the store: allow the last decimal of a rounding tie
    const tolerance = key === 'average_latency' ? 1.1e-5 : 0;
    assert.ok(Math.abs(actual[key]! - value) <= tolerance, `${what} ${key}: ${actual[key]} != ${value}`);
  }
};

describe('preset api-requests (seed 004)', () => {
  it('tails a file through rotation, truncation and a SIGKILL; the stats API equals a brute-force computation', async () => {
    const dataDir = tempDir('api-requests');
    const file = path.join(dataDir, 'api_requests.log');
    const now = Date.now() - 3_600_000;
    const lines = apiRequestLines({ seed: 4, customers: 12, days: 5, now, malformedShare: 0.01 });
    const written: string[] = [];
    const write = (count: number) => {
      const chunk: string[] = [];
      for (let i = 0; i < count; i++) chunk.push(lines.next().value!.line);
      written.push(...chunk);
      appendFileSync(file, `${chunk.join('\n')}\n`);
    };
    const valid = () => written.map(parse).filter((r): r is Request => r !== undefined);
    const stored = async (url: string) => (await getJson(`${url}/api/v1/search?stream=api_requests&limit=0`)).body.total as number;
    const caughtUp = async (url: string) => {
      try {
        await waitFor(async () => ((await stored(url)) === valid().length ? true : undefined), 30_000, `${valid().length} requests stored`);
      } catch (error) {
        const pipelines = (await getJson(`${url}/api/v1/pipelines/api-requests`)).body;
        throw new Error(`${(error as Error).message}; stored ${await stored(url)}, written ${written.length}; pipeline: ${JSON.stringify(pipelines)}\n${server.output()}`);
      }
    };

    let server: ChildServer = await startChild(dataDir, ['--tail', file]);
    try {
      for (let i = 0; i < 5; i++) {
        write(1500);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      // rotation: the old file gets its last lines, then a new file at the path
      write(700);
      renameSync(file, `${file}.1`);
      write(2000);
      await caughtUp(server.url);
      // truncation (as copytruncate does) once everything was read, then new lines
      truncateSync(file, 0);
      write(1200);
      await new Promise((resolve) => setTimeout(resolve, 300));
      await server.kill('SIGKILL');
      // written while the server is down, then a restart from the saved position
      write(2500);
      server = await startChild(dataDir, ['--tail', file]);
      write(800);
      await caughtUp(server.url);

      const requests = valid();
      const malformed = written.length - requests.length;
      assert.ok(malformed > 0, 'the input has malformed lines');
      const letters = await waitFor(async () => {
        const { body } = await getJson(`${server.url}/api/v1/search?stream=_dead_letters&q=${encodeURIComponent('pipeline:api-requests')}&limit=1`);
        return body.total === malformed ? body : undefined;
      }, 15_000, `${malformed} dead letters`);
      assert.match(letters.hits[0].record.reason, /./);

      const fromDate = new Date(now - 3 * 86_400_000).toISOString().slice(0, 10);
      const since = Date.parse(`${fromDate}T00:00:00Z`);
      const inRange = requests.filter((r) => r.ms >= since);
      const all = await getJson(`${server.url}/customers/customer/stats/all?from_date=${fromDate}`);
      assert.equal(all.status, 200);
      close(all.body, expectedStats(inRange), 'all customers');
      for (const customer of ['cust_1', 'cust_7', 'cust_12']) {
        const { status, body } = await getJson(`${server.url}/customers/${customer}/stats?from_date=${fromDate}`);
        assert.equal(status, 200);
        close(body, expectedStats(inRange.filter((r) => r.customer === customer)), customer);
      }
      assert.equal((await getJson(`${server.url}/customers/cust_999/stats?from_date=${fromDate}`)).status, 404);
      assert.equal((await getJson(`${server.url}/customers/cust_1/stats?from_date=2024-02-30`)).status, 422);
    } finally {
      await server.kill();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
