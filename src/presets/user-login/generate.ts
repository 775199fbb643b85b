// Seeded generator of seed 001's `user-login` events (the Fetch take-home's data generator image):
// same keys in the same order, ~2/s of event time, and a share of records missing required fields
// (mostly device_type, as in the seed's dead-letter example) so validation and DLQ paths get work.

export interface UserLoginRecord {
  user_id?: string;
  app_version?: string;
  ip?: string;
  locale?: string;
  device_id?: string;
  timestamp?: number;
  device_type?: 'android' | 'iOS';
}

export interface GeneratedUserLogin {
  record: UserLoginRecord;
  valid: boolean;
}

export interface UserLoginOptions {
  seed?: number;
  /** Share of records missing one or more required fields; default 0.05. */
  invalidShare?: number;
  /** Event time of the first record, epoch seconds; default now. */
  startTimeSec?: number;
  /** Event time advance per record; default 0.5 (the seed's 2 messages/s). */
  secondsPerRecord?: number;
  /** Size of a pool of returning users (user_id, device_id, device_type, locale); default: fresh per record. */
  users?: number;
  /** Share of records with an app_version other than 2.3.0; default 0 (the seed only shows 2.3.0). */
  otherVersionShare?: number;
  otherVersions?: readonly string[];
}

/** The seed validator's required fields; device_id is not one of them. */
export const USER_LOGIN_REQUIRED = ['timestamp', 'user_id', 'ip', 'device_type', 'app_version', 'locale'] as const;

export const US_STATES = [
  'AL', 'AK', 'AZ', 'AR', 'CA', 'CO', 'CT', 'DE', 'FL', 'GA', 'HI', 'ID', 'IL', 'IN', 'IA', 'KS', 'KY',
  'LA', 'ME', 'MD', 'MA', 'MI', 'MN', 'MS', 'MO', 'MT', 'NE', 'NV', 'NH', 'NJ', 'NM', 'NY', 'NC', 'ND',
  'OH', 'OK', 'OR', 'PA', 'RI', 'SC', 'SD', 'TN', 'TX', 'UT', 'VT', 'VA', 'WA', 'WV', 'WI', 'WY',
] as const;

const CURRENT_VERSION = '2.3.0';
const DEFAULT_OTHER_VERSIONS = ['2.2.1', '2.2.0', '2.1.3'];

/** mulberry32: a 32-bit seeded PRNG returning floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function uuid4(random: () => number): string {
  let hex = '';
  for (let i = 0; i < 16; i++) {
    let byte = Math.floor(random() * 256);
    if (i === 6) byte = (byte & 0x0f) | 0x40;
    if (i === 8) byte = (byte & 0x3f) | 0x80;
    hex += byte.toString(16).padStart(2, '0');
  }
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)]!;
}

interface User {
  user_id: string;
  device_id: string;
  device_type: 'android' | 'iOS';
  locale: string;
}

function freshUser(random: () => number): User {
  const user_id = uuid4(random);
  const device_id = uuid4(random);
  return { user_id, device_id, device_type: random() < 0.5 ? 'android' : 'iOS', locale: pick(random, US_STATES) };
}

/** Pool user k depends on (seed, k) alone, so the pool needs no memory. */
function pooledUser(seed: number, k: number): User {
  return freshUser(mulberry32(Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(k + 1, 0xc2b2ae35)));
}

function droppedFields(random: () => number): Array<typeof USER_LOGIN_REQUIRED[number]> {
  const roll = random();
  if (roll < 0.7) return ['device_type'];
  const others = USER_LOGIN_REQUIRED.filter((f) => f !== 'device_type');
  if (roll < 0.9) return [pick(random, others)];
  const first = pick(random, USER_LOGIN_REQUIRED);
  const second = pick(random, USER_LOGIN_REQUIRED.filter((f) => f !== first));
  return [first, second];
}

/** Endless events; take what you need (or use generateUserLogins). */
export function* userLoginEvents(options: UserLoginOptions = {}): Generator<GeneratedUserLogin> {
  const seed = options.seed ?? 0;
  const invalidShare = options.invalidShare ?? 0.05;
  const startTimeSec = options.startTimeSec ?? Math.floor(Date.now() / 1000);
  const secondsPerRecord = options.secondsPerRecord ?? 0.5;
  const otherVersionShare = options.otherVersionShare ?? 0;
  const otherVersions = options.otherVersions ?? DEFAULT_OTHER_VERSIONS;
  const users = options.users;
  if (!(invalidShare >= 0 && invalidShare <= 1)) throw new RangeError(`invalidShare must be in [0, 1], got ${invalidShare}`);
  if (!(otherVersionShare >= 0 && otherVersionShare <= 1)) throw new RangeError(`otherVersionShare must be in [0, 1], got ${otherVersionShare}`);
  if (!(secondsPerRecord >= 0)) throw new RangeError(`secondsPerRecord must be >= 0, got ${secondsPerRecord}`);
  if (users !== undefined && !(Number.isInteger(users) && users >= 1)) throw new RangeError(`users must be a positive integer, got ${users}`);

  const random = mulberry32(seed);
  for (let i = 0; ; i++) {
    const user = users === undefined ? freshUser(random) : pooledUser(seed, Math.floor(random() * users));
    const record: UserLoginRecord = {
      user_id: user.user_id,
      app_version: random() < otherVersionShare ? pick(random, otherVersions) : CURRENT_VERSION,
      ip: [0, 0, 0, 0].map(() => Math.floor(random() * 256)).join('.'),
      locale: user.locale,
      device_id: user.device_id,
      timestamp: startTimeSec + Math.floor(i * secondsPerRecord),
      device_type: user.device_type,
    };
    const invalid = random() < invalidShare;
    if (invalid) for (const field of droppedFields(random)) delete record[field];
    yield { record, valid: !invalid };
  }
}

export function generateUserLogins(count: number, options: UserLoginOptions = {}): GeneratedUserLogin[] {
  const out: GeneratedUserLogin[] = [];
  if (count <= 0) return out;
  for (const event of userLoginEvents(options)) {
    out.push(event);
    if (out.length >= count) break;
  }
  return out;
}

/** The seed validator's rule: every required field present. */
export function isValidUserLogin(record: object): boolean {
  return USER_LOGIN_REQUIRED.every((field) => Object.hasOwn(record, field));
}

/** One line as the seed's Python producer writes it (json.dumps: ", " and ": " separators). */
export function userLoginLine(record: UserLoginRecord): string {
  return `{${Object.entries(record).map(([key, value]) => `${JSON.stringify(key)}: ${JSON.stringify(value)}`).join(', ')}}`;
}
