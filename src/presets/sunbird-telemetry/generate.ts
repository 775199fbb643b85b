// Seeded generator of Sunbird telemetry v3 batches as a portal's telemetry SDK sends them: a mix
// of IMPRESSION, INTERACT, START, END, LOG, SEARCH, AUDIT, ERROR and SHARE events, each valid
// against its schema, with a share made invalid (an edata property its schema does not allow) and a share
// sent again (the same mid in a later batch), so every route of the pipeline gets work.

export type TelemetryEvent = Record<string, unknown>;

export interface TelemetryBatch {
  id: 'api.sunbird.telemetry';
  ver: '3.0';
  params: { msgid: string; did: string };
  events: TelemetryEvent[];
}

export interface TelemetryOptions {
  seed?: number;
  /** Events per batch; default 50. */
  batchSize?: number;
  /** Event time of the first event, ms; default now. */
  startMs?: number;
  /** Event time advance per event, ms; default 20. */
  msPerEvent?: number;
  /** Share of events made invalid; default 0.02. */
  invalidShare?: number;
  /** Share of events that repeat an earlier event (its mid); default 0.02. */
  repeatShare?: number;
  devices?: number;
  users?: number;
  /** Put into every mid and msgid, so two runs of one seed are not duplicates of each other (a bench run again within the dedup TTL of a shared Redis); default none. */
  idTag?: string;
}

const MIX: Array<[string, number]> = [['IMPRESSION', 30], ['INTERACT', 35], ['START', 5], ['END', 5], ['LOG', 10], ['SEARCH', 6], ['AUDIT', 4], ['ERROR', 3], ['SHARE', 2]];
const ENVS = ['learn', 'course', 'discuss', 'network', 'competency', 'events', 'home'];
const PAGES = ['home', 'course-detail', 'content-player', 'search', 'profile'];

/** mulberry32: small, fast, seeded. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function edataOf(eid: string, next: () => number, n: number): Record<string, unknown> {
  const page = PAGES[Math.floor(next() * PAGES.length)]!;
  switch (eid) {
    case 'IMPRESSION': return { type: 'view', pageid: page, uri: `/${page}`, subtype: 'init' };
    case 'INTERACT': return { type: 'TOUCH', id: `btn-${Math.floor(next() * 40)}`, pageid: page };
    case 'START': return { type: 'app', mode: 'play', duration: Math.floor(next() * 5), pageid: page };
    case 'END': return { type: 'app', mode: 'play', duration: Math.floor(next() * 900), pageid: page };
    case 'LOG': return { type: 'api_access', level: 'INFO', message: `api call ${n}`, params: [{ url: `/v1/content/${n % 97}` }] };
    case 'SEARCH': return { query: ['maths', 'science', 'fractions', 'history'][n % 4], size: Math.floor(next() * 50), topn: [{ identifier: `do_${n % 500}` }], type: 'content' };
    case 'AUDIT': return { props: ['status'], state: 'Live', prevstate: 'Draft' };
    case 'ERROR': return { err: `E${n % 7}`, errtype: 'SYSTEM', stacktrace: `at player.js:${n % 300}` };
    default: return { dir: 'In', type: 'File', items: [{ id: `do_${n % 500}`, type: 'Content', ver: '1', origin: { id: `device-${n % 9}`, type: 'Device' }, params: [{ transfers: n % 3, size: 1000 + n }] }] };
  }
}


export interface GeneratedBatch {
  batch: TelemetryBatch;
  /** Per event: made invalid, or a repeat of an earlier event. */
  kinds: Array<'valid' | 'invalid' | 'repeat'>;
}

export function* telemetryBatches(count: number, options: TelemetryOptions = {}): Generator<GeneratedBatch> {
  const next = random(options.seed ?? 1);
  const batchSize = options.batchSize ?? 50;
  const start = options.startMs ?? Date.now();
  const step = options.msPerEvent ?? 20;
  const invalidShare = options.invalidShare ?? 0.02;
  const repeatShare = options.repeatShare ?? 0.02;
  const devices = options.devices ?? 500;
  const users = options.users ?? 2000;
  const tag = options.idTag === undefined ? '' : `${options.idTag}-`;
  const total = MIX.reduce((sum, [, weight]) => sum + weight, 0);
  const recent: TelemetryEvent[] = [];
  let n = 0;
  for (let b = 0; b < count; b++) {
    const did = `device-${Math.floor(next() * devices)}`;
    const user = `user-${Math.floor(next() * users)}`;
    const sid = `session-${b}`;
    const events: TelemetryEvent[] = [];
    const kinds: GeneratedBatch['kinds'] = [];
    for (let i = 0; i < batchSize; i++, n++) {
      if (recent.length > 0 && next() < repeatShare) {
        events.push(recent[Math.floor(next() * recent.length)]!);
        kinds.push('repeat');
        continue;
      }
      let pick = next() * total;
      const eid = MIX.find(([, weight]) => (pick -= weight) < 0)![0];
      const edata = edataOf(eid, next, n);
      const invalid = next() < invalidShare;
      // every eid's edata allows no property its schema does not name
      if (invalid) edata.unexpected = true;
      const event: TelemetryEvent = {
        eid, ets: start + n * step, ver: '3.0', mid: `${eid}:${tag}${(options.seed ?? 1).toString(36)}-${n.toString(36)}`,
        actor: { id: user, type: 'User' },
        context: { channel: `channel-${n % 12}`, pdata: { id: 'prod.sunbird.portal', ver: '4.0', pid: 'sunbird-portal' }, env: ENVS[Math.floor(next() * ENVS.length)]!, sid, did, cdata: [], rollup: { l1: `org-${n % 5}` } },
        object: { id: `do_${n % 500}`, type: 'Content', ver: '1', rollup: { l1: `do_course_${n % 20}` } },
        tags: [],
        edata,
      };
      events.push(event);
      kinds.push(invalid ? 'invalid' : 'valid');
      if (!invalid && eid !== 'LOG') {
        if (recent.length >= 1000) recent[Math.floor(next() * recent.length)] = event;
        else recent.push(event);
      }
    }
    yield { batch: { id: 'api.sunbird.telemetry', ver: '3.0', params: { msgid: `batch-${tag}${(options.seed ?? 1).toString(36)}-${b}`, did }, events }, kinds };
  }
}
