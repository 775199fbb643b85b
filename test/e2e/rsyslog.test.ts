// rsyslog (Debian's package, a shipper no one here wrote) following a file and forwarding each
// line three ways: omfwd over TCP with octet counting (RFC 5424), omfwd over UDP (RFC 3164), and
// omelasticsearch's bulk mode into the Elasticsearch API. Every line arrives once per way.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { appendFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { childServerForSuite, streamRecords, tempDir, type ChildServer } from './harness.ts';

const CI = process.env.CI === 'true';
const rsyslogMissing = spawnSync('rsyslogd', ['-v']).status === 0 ? false : 'rsyslogd is not installed (apt-get install rsyslog rsyslog-elasticsearch)';
if (rsyslogMissing && CI) throw new Error(`${rsyslogMissing} — CI=true must run the rsyslog tests`);

function rsyslogConfig(dir: string, syslogPort: number, httpPort: number): string {
  return `global(workDirectory="${dir}")
module(load="imfile")
module(load="omelasticsearch")
input(type="imfile" File="${dir}/app.log" Tag="payments:" Severity="err" Facility="local2" ruleset="out")
template(name="es" type="list" option.jsonf="on") {
  property(outname="timestamp" name="timereported" dateFormat="rfc3339" format="jsonf")
  property(outname="message" name="msg" format="jsonf")
  property(outname="severity" name="syslogseverity-text" format="jsonf")
}
ruleset(name="out") {
  action(type="omfwd" target="127.0.0.1" port="${syslogPort}" protocol="tcp" TCP_Framing="octet-counted" template="RSYSLOG_SyslogProtocol23Format")
  action(type="omfwd" target="127.0.0.1" port="${syslogPort}" protocol="udp" template="RSYSLOG_TraditionalForwardFormat")
  action(type="omelasticsearch" server="127.0.0.1" serverport="${httpPort}" searchIndex="rsyslog-es" template="es" bulkmode="on" errorFile="${dir}/es-errors.json")
}
`;
}

describe('rsyslog forwarding a file over TCP, UDP and omelasticsearch', { skip: rsyslogMissing }, () => {
  const suite = childServerForSuite('rsyslog', ['--syslog-port', '0']);
  const dir = tempDir('rsyslog-conf');
  let server: ChildServer;
  let rsyslog: ChildProcess;

  before(async () => {
    server = suite.server();
    const syslogPort = Number(/syslog: listening on \S+:(\d+)/.exec(server.output())![1]);
    writeFileSync(path.join(dir, 'app.log'), '');
    writeFileSync(path.join(dir, 'rsyslog.conf'), rsyslogConfig(dir, syslogPort, Number(new URL(server.url).port)));
    rsyslog = spawn('rsyslogd', ['-n', '-f', path.join(dir, 'rsyslog.conf'), '-i', path.join(dir, 'rsyslogd.pid')], { stdio: 'ignore' });
    // imfile starts reading once rsyslog is up
    await new Promise((resolve) => setTimeout(resolve, 1500));
  });
  after(() => {
    rsyslog?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('delivers every line once per way', async () => {
    const lines = Array.from({ length: 20 }, (_, i) => `charge ${i} declined by issuer`);
    appendFileSync(path.join(dir, 'app.log'), `${lines.join('\n')}\n`);
    const tcp = await streamRecords(server.url, 'syslog', 'format:rfc5424 AND app:payments', 20);
    const udp = await streamRecords(server.url, 'syslog', 'format:rfc3164 AND app:payments', 20);
    const es = await streamRecords(server.url, 'rsyslog-es', 'declined', 20);
    for (const received of [tcp, udp, es]) assert.deepEqual(received.map((record) => record.message).sort(), [...lines].sort());
    assert.deepEqual([tcp[0].facility, tcp[0].level], ['local2', 'err']);
    await streamRecords(server.url, 'syslog', 'level:error', 40);
    assert.equal(es[0].severity, 'err');
  });
});
