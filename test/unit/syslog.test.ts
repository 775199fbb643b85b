// The syslog source's parts: a message of either RFC (and what devices send instead) into a
// record, and TCP frames told apart per message, split anywhere across chunks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSyslog } from '../../src/sources/syslog/parse.ts';
import { FrameError, SyslogFramer } from '../../src/sources/syslog/framing.ts';

const RECEIVED = Date.UTC(2026, 11, 3, 12, 0, 0);

test('an RFC 5424 message: every header field, structured data with escapes, the BOM dropped', () => {
  const line = '<165>1 2026-12-03T10:11:12.123456+02:00 web-1 nginx 4242 ACCESS [req@1 path="/a\\"b" user="bob"][x@2] \uFEFFGET /a"b 200';
  assert.deepEqual(parseSyslog(line, RECEIVED), {
    timestamp: '2026-12-03T10:11:12.123456+02:00', level: 'notice', message: 'GET /a"b 200', facility: 'local4', severity: 5,
    hostname: 'web-1', app: 'nginx', procid: '4242', msgid: 'ACCESS', sd: { 'req@1': { path: '/a"b', user: 'bob' }, 'x@2': {} }, format: 'rfc5424',
  });
});

test('an RFC 5424 message of nil fields keeps only what it has', () => {
  assert.deepEqual(parseSyslog('<11>1 - - - - - -', RECEIVED), { level: 'err', message: '', facility: 'user', severity: 3, format: 'rfc5424' });
  assert.deepEqual(parseSyslog('<14>1 - host app - - - hello', RECEIVED), { level: 'info', message: 'hello', facility: 'user', severity: 6, hostname: 'host', app: 'app', format: 'rfc5424' });
});

test('an RFC 3164 message: a BSD time in the receipt\'s year, host, tag and pid', () => {
  assert.deepEqual(parseSyslog('<34>Oct  1 22:14:15 mymachine su[123]: \'su root\' failed for lonvick', RECEIVED), {
    timestamp: '2026-10-01T22:14:15', level: 'crit', message: '\'su root\' failed for lonvick', facility: 'auth', severity: 2,
    hostname: 'mymachine', app: 'su', procid: '123', format: 'rfc3164',
  });
  // a December message read on the 1st of January is last year's
  assert.equal(parseSyslog('<13>Dec 31 23:59:59 h t: m', Date.UTC(2027, 0, 1, 0, 0, 5)).timestamp, '2026-12-31T23:59:59');
  // rsyslog's forward format: an RFC 3339 time in a BSD message
  assert.deepEqual(parseSyslog('<30>2026-12-03T10:00:00.5Z box systemd[1]: Started.', RECEIVED), {
    timestamp: '2026-12-03T10:00:00.5Z', level: 'info', message: 'Started.', facility: 'daemon', severity: 6, hostname: 'box', app: 'systemd', procid: '1', format: 'rfc3164',
  });
});

test('what devices send instead is kept as the message, never refused', () => {
  assert.deepEqual(parseSyslog('no priority at all', RECEIVED), { level: 'notice', message: 'no priority at all', facility: 'user', severity: 5, format: 'rfc3164' });
  assert.equal(parseSyslog('<999>out of range', RECEIVED).message, '<999>out of range');
  assert.equal(parseSyslog('<13>1 not-a-time host app - - - x', RECEIVED).format, 'rfc3164');
  assert.equal(parseSyslog('<13>1 2026-12-03T10:00:00Z h a - - [broken sd', RECEIVED).format, 'rfc3164');
  assert.equal(parseSyslog('<13>Foo 12 10:00:00 not a month\r\n', RECEIVED).message, 'Foo 12 10:00:00 not a month');
});

test('TCP frames: octet counting and newline framing mixed, split anywhere across chunks', () => {
  const messages = ['<13>1 - h a - - - first', '<13>second line', '<13>1 - h a - - - third\nwith a newline inside'];
  const wire = Buffer.from(`${Buffer.byteLength(messages[0]!)} ${messages[0]}${messages[1]}\n${Buffer.byteLength(messages[2]!)} ${messages[2]}\r\n`);
  for (let split = 1; split < wire.length; split += 7) {
    const framer = new SyslogFramer(1000);
    const got = [...framer.push(wire.subarray(0, split)), ...framer.push(wire.subarray(split)), ...framer.end()];
    assert.deepEqual(got, messages, `split at ${split}`);
  }
  const framer = new SyslogFramer(1000);
  assert.deepEqual(framer.push(Buffer.from('2026-12-03 a line that starts with digits\nlast without LF')), ['2026-12-03 a line that starts with digits']);
  assert.deepEqual(framer.end(), ['last without LF']);
});

test('a frame past the limit ends the connection', () => {
  assert.throws(() => new SyslogFramer(100).push(Buffer.from('5000 <13>x')), FrameError);
  assert.throws(() => new SyslogFramer(100).push(Buffer.alloc(200, 0x61)), FrameError);
});
