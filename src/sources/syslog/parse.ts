// One syslog message into a record: RFC 5424 (`<PRI>1 TIMESTAMP HOST APP PROCID MSGID [SD] MSG`),
// RFC 3164 (`<PRI>Mmm dd hh:mm:ss HOST TAG[PID]: MSG`, or with an RFC 3339 time as rsyslog
// forwards it), and whatever real devices send instead: a part that does not parse is left out
// and the rest of the text is the message, never an error. A message without a PRI is user.notice
// (RFC 3164 §4.3.3).

const FACILITIES = ['kern', 'user', 'mail', 'daemon', 'auth', 'syslog', 'lpr', 'news', 'uucp', 'cron', 'authpriv', 'ftp', 'ntp', 'security', 'console', 'solaris-cron',
  'local0', 'local1', 'local2', 'local3', 'local4', 'local5', 'local6', 'local7'];
/** Severity names as syslog writes them; src/record/level.ts maps each to a level. */
const SEVERITIES = ['emerg', 'alert', 'crit', 'err', 'warning', 'notice', 'info', 'debug'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

const PRI = /^<(\d{1,3})>/;
const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?(Z|[+-]\d\d:\d\d)$/;
const BSD_TIME = /^([A-Z][a-z]{2}) ([ \d]\d) (\d\d):(\d\d):(\d\d) /;
const TAG = /^([^\s:[\]]{1,48})(?:\[([^\]\s]{1,128})\])?: ?/;
const NIL = '-';

export type SyslogRecord = Record<string, unknown>;

function priority(text: string): { facility: string; severity: number; rest: string } {
  const match = PRI.exec(text);
  const value = match ? Number(match[1]) : NaN;
  if (!match || value > 191) return { facility: 'user', severity: 5, rest: text };
  return { facility: FACILITIES[value >> 3]!, severity: value & 7, rest: text.slice(match[0].length) };
}

/** `[id k="v" …][id2 …]` and the text after it; null when the element is malformed. */
function structuredData(text: string): { data: Record<string, Record<string, string>>; rest: string } | null {
  const data: Record<string, Record<string, string>> = {};
  let at = 0;
  while (text[at] === '[') {
    const idEnd = text.slice(at + 1).search(/[ \]]/);
    if (idEnd <= 0) return null;
    const id = text.slice(at + 1, at + 1 + idEnd);
    const params: Record<string, string> = {};
    at += 1 + idEnd;
    while (text[at] === ' ') {
      const param = /^ ([^= \]"]{1,32})="((?:[^"\\]|\\.)*)"/.exec(text.slice(at));
      if (!param) return null;
      params[param[1]!] = param[2]!.replace(/\\(["\\\]])/g, '$1');
      at += param[0].length;
    }
    if (text[at] !== ']') return null;
    at++;
    data[id] = params;
  }
  return { data, rest: text.slice(at) };
}

function rfc5424(rest: string): SyslogRecord | null {
  const head = /^1 (\S+) (\S+) (\S+) (\S+) (\S+) /.exec(rest);
  if (!head) return null;
  const [, time, hostname, app, procid, msgid] = head;
  if (time !== NIL && !RFC3339.test(time!)) return null;
  let body = rest.slice(head[0].length);
  let sd: Record<string, Record<string, string>> | undefined;
  if (body.startsWith(NIL)) {
    body = body.slice(1);
  } else {
    const parsed = structuredData(body);
    if (!parsed) return null;
    sd = parsed.data;
    body = parsed.rest;
  }
  const message = body.replace(/^ /, '').replace(/^\uFEFF/, '');
  const record: SyslogRecord = {};
  if (time !== NIL) record.timestamp = time;
  const fields: Array<[string, string]> = [['hostname', hostname!], ['app', app!], ['procid', procid!], ['msgid', msgid!]];
  for (const [key, value] of fields) if (value !== NIL) record[key] = value;
  if (sd && Object.keys(sd).length > 0) record.sd = sd;
  record.message = message;
  return record;
}

/** A BSD time has no year and no zone: the year is the one that puts it nearest the receipt, the time is wall time. */
function bsdTime(match: RegExpExecArray, receivedAt: number): string {
  const month = MONTHS.indexOf(match[1]!);
  const day = Number(match[2]!.trim());
  const received = new Date(receivedAt);
  let year = received.getUTCFullYear();
  // December's messages read in January belong to the year before
  if (Date.UTC(year, month, day) - receivedAt > 2 * 86_400_000) year--;
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${year}-${pad(month + 1)}-${pad(day)}T${match[3]}:${match[4]}:${match[5]}`;
}

function rfc3164(rest: string, receivedAt: number): SyslogRecord {
  const record: SyslogRecord = {};
  let text = rest;
  const bsd = BSD_TIME.exec(text);
  const iso = /^(\S+) /.exec(text);
  if (bsd && MONTHS.includes(bsd[1]!)) {
    record.timestamp = bsdTime(bsd, receivedAt);
    text = text.slice(bsd[0].length);
  } else if (iso && RFC3339.test(iso[1]!)) {
    record.timestamp = iso[1];
    text = text.slice(iso[0].length);
  }
  if (record.timestamp !== undefined) {
    // after a time comes the host, unless the tag follows at once
    const host = /^(\S+) /.exec(text);
    if (host && !host[1]!.endsWith(':') && !host[1]!.includes('[')) {
      record.hostname = host[1];
      text = text.slice(host[0].length);
    }
  }
  const tag = TAG.exec(text);
  if (tag) {
    record.app = tag[1];
    if (tag[2] !== undefined) record.procid = tag[2];
    text = text.slice(tag[0].length);
  }
  record.message = text;
  return record;
}

/** The record of one message; `receivedAt` places a time without a year. */
export function parseSyslog(line: string, receivedAt: number): SyslogRecord {
  const text = line.replace(/[\r\n\0]+$/, '');
  const { facility, severity, rest } = priority(text);
  const parsed = rfc5424(rest);
  const body = parsed ?? rfc3164(rest, receivedAt);
  const { timestamp, message, ...fields } = body;
  return {
    ...(timestamp === undefined ? {} : { timestamp }),
    level: SEVERITIES[severity],
    message,
    facility,
    severity,
    ...fields,
    format: parsed ? 'rfc5424' : 'rfc3164',
  };
}
