// Syslog as util-linux `logger` sends it (a client no one here wrote): RFC 5424 over TCP with
// octet counting, RFC 3164 over UDP and over TCP with newline framing, each message a searchable
// record of stream syslog with its level; malformed input kept as text or the connection ended,
// the server healthy after.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import net from 'node:net';
import { childServerForSuite, getJson, streamRecords, type ChildServer } from './harness.ts';

const CI = process.env.CI === 'true';
const loggerMissing = spawnSync('logger', ['--version']).status === 0 ? false : 'util-linux logger is not installed';
if (loggerMissing && CI) throw new Error(`${loggerMissing} — CI=true must run the syslog tests`);

const records = (url: string, q: string, expected: number) => streamRecords(url, 'syslog', q, expected);

function logger(port: number, args: string[], message: string): void {
  const run = spawnSync('logger', ['--server', '127.0.0.1', '--port', String(port), ...args, message], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
}

describe('syslog over TCP and UDP', { skip: loggerMissing }, () => {
  const suite = childServerForSuite('syslog', ['--syslog-port', '0']);
  let server: ChildServer;
  let port: number;

  before(() => {
    server = suite.server();
    port = Number(/syslog: listening on \S+:(\d+)/.exec(server.output())![1]);
  });

  it('stores what logger sends over TCP (RFC 5424, octet counting and newline framing) and UDP (RFC 3164)', async () => {
    logger(port, ['--tcp', '--rfc5424', '--octet-count', '-t', 'billing', '-p', 'local0.err', '--msgid', 'CHARGE', '--sd-id', 'order@32473', '--sd-param', 'id="o-17"'], 'card declined for order o-17');
    logger(port, ['--udp', '--rfc3164', '-t', 'cron', '-p', 'cron.info'], 'nightly job done');
    logger(port, ['--tcp', '--rfc3164', '-t', 'web', '-p', 'user.warning'], 'slow response 2.5 s');
    const [billing] = await records(server.url, 'level:error', 1);
    assert.equal(billing.message, 'card declined for order o-17');
    assert.deepEqual([billing.facility, billing.severity, billing.app, billing.msgid, billing.format], ['local0', 3, 'billing', 'CHARGE', 'rfc5424']);
    assert.deepEqual(billing.sd['order@32473'], { id: 'o-17' });
    const [cron] = await records(server.url, 'app:cron', 1);
    assert.deepEqual([cron.message, cron.facility, cron.level, cron.format], ['nightly job done', 'cron', 'info', 'rfc3164']);
    assert.equal((await records(server.url, 'level:warn AND slow', 1))[0].app, 'web');
  });

  it('keeps malformed messages as text, ends a connection that is not syslog, and stays healthy', async () => {
    await new Promise<void>((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1', () => {
        socket.end('garbage without a priority\n<999>a priority out of range\n\u0001\u0002 binary bytes\n');
      });
      socket.on('close', () => resolve());
      socket.on('error', reject);
    });
    const kept = await records(server.url, 'facility:user AND severity:5', 3);
    assert.deepEqual(kept.map((record) => record.message).sort(), ['<999>a priority out of range', 'garbage without a priority', '\u0001\u0002 binary bytes'].sort());
    const ended = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => socket.write(`999999999 ${'x'.repeat(100)}`));
      socket.on('close', () => resolve(true));
      socket.on('error', () => undefined);
    });
    assert.ok(ended, 'a frame longer than the limit closes the connection');
    // structured data past the record limits (maxFields 2000) is left out, the message kept
    const params = Array.from({ length: 2500 }, (_, i) => `p${i}="${i}"`).join(' ');
    await new Promise<void>((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1', () => socket.end(`<13>1 - host many - - [big@1 ${params}] too much structured data\n`));
      socket.on('close', () => resolve());
      socket.on('error', reject);
    });
    const [many] = await records(server.url, 'app:many', 1);
    assert.deepEqual([many.message, many.sd, many.sd_dropped], ['too much structured data', undefined, 'more than 2000 fields']);
    assert.equal((await getJson(`${server.url}/healthz`)).status, 200);
    logger(port, ['--tcp', '--rfc5424', '--octet-count', '-t', 'after'], 'still listening');
    await records(server.url, 'app:after', 1);
  });
});
