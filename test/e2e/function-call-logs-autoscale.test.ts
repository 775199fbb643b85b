// The function-call-logs preset's autoscaler as a user runs it: thresholds lowered to 400 and 800
// records, the pipeline paused so its backlog grows as services keep logging. Workers step
// 1 → 2 → 3 as the backlog passes each threshold, the group has 3 members once it reads again,
// and after the backlog drained and stayed low for the cool-down it is back to 1 worker. The
// changes show in the pipeline's description, `tributary groups describe`, /metrics and the UI's
// pipeline page (Chromium), and every record sent is stored once. On the embedded log and on a
// real Kafka broker (the workers members of a Kafka consumer group).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { FunctionCallLogger } from 'tributary/sdk';
import { launchBrowser, screenshot, skipWithoutChromium } from '../support/browser.ts';
import { BROKERS, skipWithoutBroker } from '../support/kafka.ts';
import { childServerForSuite, getJson, postJson, streamRecords, tempDir, tributary, waitFor, type ChildServer } from './harness.ts';

const GROUP = 'FunctionCallLogConsumerGr';

function functionCall(i: number): Record<string, unknown> {
  return {
    LogID: `AS${String(i).padStart(7, '0')}`, endpoint: '/api/v1/r', timestamp: new Date(Date.UTC(2025, 2, 10, 12, 0, 0, i)).toISOString(),
    function_name: `fn${i % 13}`, http_method_type: 'POST', log_message: `call ${i}`, log_type: 'info',
  };
}

interface Scaling { workers: number; maxWorkers: number; backlog: number | null; events: Array<{ from: number; to: number; backlog: number; reason: string }> }

for (const engine of ['embedded', 'kafka'] as const) describe(`preset function-call-logs: lag-based autoscaling on the ${engine} log`, { skip: engine === 'kafka' ? await skipWithoutBroker() : false }, () => {
  const configDir = tempDir('fcl-autoscale-config');
  // this run's topics on the broker (the group keeps the seed's name, so earlier runs' offsets are in it too)
  const prefix = engine === 'kafka' ? `autoscale-${process.pid}-${Date.now().toString(36)}.` : '';
  mkdirSync(configDir, { recursive: true });
  writeFileSync(path.join(configDir, 'tributary.yaml'), [
    'presets:',
    '  function-call-logs:',
    '    batch: { maxWait: 500ms }',
    '    autoscale: { thresholds: [400, 800], interval: 100ms, cooldown: 3s }',
    ...(engine === 'kafka' ? ['log:', '  engine: kafka', `  kafka: { brokers: [${BROKERS.map((broker) => `"${broker}"`).join(', ')}], topicPrefix: "${prefix}" }`] : []),
  ].join('\n'));
  const suite = childServerForSuite(`fcl-autoscale-${engine}`, ['--config', path.join(configDir, 'tributary.yaml')]);
  // a Kafka rebalance takes seconds where the embedded log's takes milliseconds
  const rebalanceMs = engine === 'kafka' ? 30_000 : 2_500;
  let server: ChildServer;
  let sent = 0;

  let browser: Browser | undefined;

  before(() => {
    server = suite.server();
  });

  after(async () => {
    await browser?.close();
  });

  const scaling = async (): Promise<Scaling> => (await getJson(`${server.url}/api/v1/pipelines/function-call-logs`)).body.autoscale;
  const workersReach = (workers: number, timeoutMs = 10_000) => waitFor(async () => {
    const now = await scaling();
    return now.workers === workers ? now : undefined;
  }, timeoutMs, `${workers} workers`);
  async function send(count: number): Promise<void> {
    const logger = new FunctionCallLogger({ url: server.url, batchSize: 200, lingerMs: 10 });
    for (let i = 0; i < count; i++) assert.ok(logger.log(functionCall(sent++)));
    await logger.close();
  }

  it('steps 1 → 2 → 3 workers as the backlog rises, and back to 1 once it drained for the cool-down', async () => {
    const first = await scaling();
    assert.deepEqual([first.workers, first.maxWorkers], [1, 3], `one worker, at most the topic's 3 partitions: ${JSON.stringify(first)}`);
    const leader = (await getJson(`${server.url}/api/v1/pipelines/leader-activity-logs`)).body.autoscale;
    assert.equal(leader.maxWorkers, 1, 'LeaderActivityLogs has one partition: one worker at most');

    assert.equal((await postJson(`${server.url}/api/v1/pipelines/function-call-logs/pause`, '')).status, 200);
    await send(600);
    const two = await workersReach(2);
    assert.ok(two.backlog! > 400 && two.backlog! <= 800, `backlog ${two.backlog}`);
    await send(600);
    const three = await workersReach(3);
    assert.deepEqual(three.events.map((event) => [event.from, event.to]), [[1, 2], [2, 3]], JSON.stringify(three.events));
    assert.ok(three.events[1]!.backlog > 800);

    const described = await tributary(['groups', 'describe', GROUP, '--url', server.url]);
    assert.equal(described.code, 0, described.stderr);
    assert.match(described.stdout, /Workers: 3 of at most 3/);
    assert.match(described.stdout, /2 → 3 workers: backlog \d+ is over 800/);

    assert.equal((await postJson(`${server.url}/api/v1/pipelines/function-call-logs/resume`, '')).status, 200);
    await waitFor(async () => ((await getJson(`${server.url}/api/v1/groups/${GROUP}`)).body.members === 3 ? true : undefined), rebalanceMs, 'three members reading');
    const stored = await streamRecords(server.url, 'function_call_logs', '', 1200, 20_000);
    assert.equal(new Set(stored.map((record) => record.LogID)).size, 1200, 'every record once');

    const one = await workersReach(1, rebalanceMs + 15_000);
    assert.deepEqual(one.events.map((event) => [event.from, event.to]), [[1, 2], [2, 3], [3, 1]], JSON.stringify(one.events));
    assert.match(one.events[2]!.reason, /stayed at or under 400 for the cool-down of 3 s/);
    const group = await waitFor(async () => {
      const { body } = await getJson(`${server.url}/api/v1/groups/${GROUP}`);
      const ours = body.partitions.filter((partition: { topic: string }) => partition.topic === `${prefix}FunctionCallLogs`);
      return body.members === 1 && ours.every((partition: { lag: number }) => partition.lag === 0) ? body : undefined;
    }, rebalanceMs, 'one member, every record committed');
    assert.equal(group.partitions.filter((partition: { topic: string }) => partition.topic === `${prefix}FunctionCallLogs`).length, 3);

    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    assert.match(metrics, /tributary_pipeline_workers\{pipeline="function-call-logs"\} 1/);
    assert.match(metrics, /tributary_pipeline_scaling_events_total\{pipeline="function-call-logs",direction="up"\} 2/);
    assert.match(metrics, /tributary_pipeline_scaling_events_total\{pipeline="function-call-logs",direction="down"\} 1/);
    assert.equal((await getJson(`${server.url}/api/v1/pipelines/function-call-logs`)).body.recordsIn, 1200, 'the stopped workers\' counts are kept');
  });

  // the page is the same on either log: shown once
  if (engine === 'embedded') it('shows the workers and the scaling events on the pipeline page', { skip: skipWithoutChromium() }, async () => {
    browser = await launchBrowser();
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(`${server.url}/ui/pipelines`);
    const row = page.locator('[data-testid=pipelines-table] tbody tr', { hasText: 'function-call-logs' }).first();
    assert.equal((await row.locator('[data-testid=workers]').textContent())?.trim(), '1 of 3');
    const events = await page.locator('[data-testid=scaling-table] tbody tr').allTextContents();
    assert.deepEqual(events.map((text) => /(\d) → (\d)/.exec(text)?.slice(1, 3).join('→')), ['3→1', '2→3', '1→2'], events.join('\n'));
    assert.ok(events.every((text) => text.includes('function-call-logs')));
    await screenshot(page, 'pipelines-autoscaling');
  });
});
