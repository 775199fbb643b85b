// A heterogeneous telemetry stream shaped like Sunbird's telemetry v3 events (seed 003): 22
// event types, each with its own `edata` (different fields and types per event), epoch
// milliseconds in `ets`, nested actor/context/object, arrays, no level and no message.

import { RecordRandom } from '../record-random.ts';
import type { Dataset } from './dataset.ts';
import { DAY_MS } from './dataset.ts';
import { writeLines } from './write-lines.ts';

type Edata = (r: RecordRandom) => Record<string, unknown>;
const PAGES = ['home', 'library', 'course-toc', 'player', 'profile', 'search', 'explore', 'downloads'];
const MIMES = ['application/pdf', 'video/mp4', 'application/vnd.ekstep.ecml-archive', 'application/vnd.ekstep.h5p-archive'];
const hex = (r: RecordRandom, n: number): string => {
  let s = '';
  for (let i = 0; i < n; i++) s += '0123456789abcdef'[r.below(16)];
  return s;
};
const num = (r: RecordRandom, max: number): number => Math.round(r.float() * max * 100) / 100;

const EVENTS: Array<[string, number, Edata]> = [
  ['IMPRESSION', 30, (r) => ({ type: r.pick(['view', 'edit', 'workflow']), pageid: r.pick(PAGES), uri: `/${r.pick(PAGES)}`, duration: num(r, 60), visits: r.below(3) === 0 ? [{ objid: `do_${r.below(99999)}`, objtype: 'Content', index: r.below(20) }] : [] })],
  ['INTERACT', 30, (r) => ({ type: r.pick(['TOUCH', 'SCROLL', 'CLICK']), subtype: r.pick(['', 'play', 'pause', 'next']), id: `btn-${r.below(200)}`, pageid: r.pick(PAGES), extra: r.below(4) === 0 ? { pos: [{ x: r.below(1000), y: r.below(2000) }] } : undefined })],
  ['START', 6, (r) => ({ type: r.pick(['app', 'session', 'player']), mode: r.pick(['play', 'preview']), duration: r.below(30), pageid: r.pick(PAGES) })],
  ['END', 6, (r) => ({ type: r.pick(['app', 'session', 'player']), mode: 'play', duration: num(r, 3600), pageid: r.pick(PAGES), summary: [{ progress: r.below(101) }] })],
  ['LOG', 5, (r) => ({ type: r.pick(['api_call', 'system', 'app_update']), level: r.pick(['INFO', 'WARN', 'ERROR']), message: `api ${r.pick(['/v1/content/read', '/v1/user/read', '/v3/search'])} ${r.below(900)}ms`, params: [{ rid: hex(r, 8) }, { status: r.pick([200, 200, 404, 500]) }] })],
  ['ERROR', 3, (r) => ({ err: `ERR_${r.pick(['NETWORK', 'PLAYER', 'AUTH', 'STORAGE'])}`, errtype: r.pick(['SYSTEM', 'CONTENT', 'MOBILEAPP']), stacktrace: `at ${hex(r, 6)}.js:${r.below(900)}:${r.below(80)}`, pageid: r.pick(PAGES) })],
  ['ASSESS', 4, (r) => ({ item: { id: `do_${r.below(99999)}`, maxscore: 1, type: r.pick(['mcq', 'ftb', 'mtf']), title: `Q${r.below(50)}` }, index: r.below(20), pass: r.pick(['Yes', 'No']), score: r.below(2), resvalues: [{ '1': `{"text":"${r.below(4)}"}` }], duration: num(r, 120) })],
  ['RESPONSE', 2, (r) => ({ target: { id: `do_${r.below(99999)}`, ver: '1.0', type: 'AssessmentItem' }, type: r.pick(['CHOOSE', 'DRAG', 'SELECT']), values: [{ option: r.below(4) }] })],
  ['SEARCH', 3, (r) => ({ type: 'content', query: r.pick(['maths', 'science class 8', 'english grammar', '']), filters: { board: r.pick(['CBSE', 'State']), medium: [r.pick(['English', 'Hindi'])] }, size: r.below(500), topn: [{ identifier: `do_${r.below(99999)}` }] })],
  ['SHARE', 1, (r) => ({ dir: r.pick(['In', 'Out']), type: r.pick(['File', 'Link', 'Message']), items: [{ origin: { id: hex(r, 16), type: 'Device' }, id: `do_${r.below(99999)}`, type: 'Content', ver: String(r.below(9)), params: [{ transfers: r.below(9) }, { size: r.below(90000) }] }] })],
  ['FEEDBACK', 1, (r) => ({ rating: r.below(5) + 1, comments: r.pick(['good', 'not useful', 'video did not load', '']), commentid: r.below(2) === 0 ? `c${r.below(99)}` : undefined })],
  ['AUDIT', 2, (r) => ({ props: [r.pick(['status', 'name', 'framework'])], state: r.pick(['Draft', 'Review', 'Live']), prevstate: r.pick(['Draft', 'Review']), duration: r.below(5000) })],
  ['HEARTBEAT', 2, () => ({})],
  ['INTERRUPT', 1, (r) => ({ type: r.pick(['background', 'resume', 'call']), pageid: r.pick(PAGES) })],
  ['EXDATA', 1, (r) => ({ type: 'partnerdata', data: hex(r, 64) })],
  ['METRICS', 1, (r) => ({ metrics: [{ metric: 'cpu', value: num(r, 100) }, { metric: 'mem', value: r.below(4096) }] })],
  ['SUMMARY', 1, (r) => ({ type: 'content', mode: 'play', starttime: 1_748_000_000_000 - r.below(1e6), endtime: 1_748_000_000_000, timespent: num(r, 900), pageviews: r.below(40), interactions: r.below(200), mimetype: r.pick(MIMES) })],
  ['TRACE', 0.5, (r) => ({ trace: hex(r, 32), span: hex(r, 16), duration: r.below(1000) })],
  ['SHARE_ITEM', 0.5, (r) => ({ id: `do_${r.below(99999)}`, type: 'Content' })],
  ['CATEGORY', 0.5, (r) => ({ category: r.pick(['textbook', 'course', 'resource']), count: r.below(100) })],
  ['PLAYER_EVENT', 0.5, (r) => ({ type: r.pick(['load', 'buffer', 'seek']), position: num(r, 3600), mimetype: r.pick(MIMES) })],
  ['APP_UPDATE', 0.5, (r) => ({ version: `4.${r.below(10)}.${r.below(900)}`, forced: r.below(2) === 0 })],
];

const TICKETS: number[] = [];
EVENTS.forEach(([, weight], k) => { for (let i = 0; i < weight * 2; i++) TICKETS.push(k); });
const END_MS = Date.parse('2025-06-01T00:00:00.000Z');
const SPAN_MS = 7 * DAY_MS;
const random = new RecordRandom();

export function telemetryEvent(seed: number, i: number): Record<string, unknown> {
  const r = random.reset(seed, i);
  const [eid, , edata] = EVENTS[TICKETS[r.below(TICKETS.length)]!]!;
  const ets = END_MS - SPAN_MS + r.below(SPAN_MS);
  const channel = r.below(20);
  const actor = r.below(200_000);
  const event: Record<string, unknown> = {
    eid,
    ets,
    ver: '3.0',
    mid: `${eid}:${hex(r, 32)}`,
    actor: { id: `user-${String(actor).padStart(6, '0')}`, type: r.below(20) === 0 ? 'System' : 'User' },
    context: {
      channel: `ch-${channel}`,
      pdata: { id: r.pick(['prod.diksha.app', 'prod.diksha.portal']), ver: `4.${r.below(10)}`, pid: r.pick(['sunbird.app', 'sunbird-portal.contentplayer']) },
      env: r.pick(['home', 'library', 'player', 'profile']),
      sid: hex(r, 16),
      did: hex(r, 32),
      ...(r.below(3) === 0 ? { cdata: [{ id: hex(r, 16), type: 'UserSession' }] } : {}),
      rollup: { l1: `ch-${channel}` },
    },
    edata: JSON.parse(JSON.stringify(edata(r))) as Record<string, unknown>,
  };
  if (r.below(2) === 0) event.object = { id: `do_${r.below(99999)}`, type: r.pick(['Content', 'Course', 'Question']), ver: String(r.below(9)), rollup: { l1: `do_${r.below(999)}` } };
  if (r.below(4) === 0) event.tags = [r.pick(['beta', 'offline', 'tv'])];
  return event;
}

export const telemetry: Dataset = {
  name: 'telemetry',
  description: 'Sunbird-like telemetry: 22 event types each with its own edata, epoch-ms times in random order, nested objects and arrays, no level or message',
  defaultRecords: { full: 2_000_000, quick: 50_000 },
  queries: {
    timeField: 'ets',
    hasLevels: false,
    exact: [
      { name: 'one_resource', field: 'actor.id', value: 'user-001234' },
      { name: 'event_type', field: 'eid', value: 'ERROR' },
    ],
    numberMatch: { field: 'edata.rating', value: 5 },
    stats: { by: 'context.channel', numeric: 'edata.duration' },
    distinct: 'actor.id',
  },
  async write(path, records, seed) {
    writeLines(path, records, (i) => `${JSON.stringify(telemetryEvent(seed, i))}\n`);
  },
  probe: (marker, now) => ({
    eid: 'LOG', ets: now.getTime(), ver: '3.0', mid: `LOG:${marker}`, actor: { id: 'user-probe', type: 'System' },
    context: { channel: 'ch-probe' }, edata: { type: 'probe', duration: 0 }, message: `freshness probe ${marker}`, probe_marker: marker,
  }),
};
