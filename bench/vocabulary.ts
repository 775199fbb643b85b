// The vocabularies of the benchmark workload (Dyte-format logs). Exported so query benchmarks
// and tests can pick values and know what share of records each one should match.

export type BenchLevel = 'error' | 'warn' | 'info' | 'debug';

/** Share of records per level, in basis points (1/10000). Sums to 10000. */
export const LEVEL_WEIGHTS_BP: Readonly<Record<BenchLevel, number>> = {
  error: 1000,
  warn: 1500,
  info: 5500,
  debug: 2000,
};

export const LEVELS: readonly BenchLevel[] = ['error', 'warn', 'info', 'debug'];

export const SERVER_COUNT = 10_000;
export const CUSTOMER_COUNT = 500;
/** Servers are grouped 100 to a parent (rack): server-1234's parent is server-1200. */
export const SERVERS_PER_PARENT = 100;

export function serverName(index: number): string {
  return `server-${String(index).padStart(4, '0')}`;
}

export function customerName(index: number): string {
  return `cust_${index}`;
}

export const REGIONS: readonly string[] = [
  'ap-south-1', 'us-east-1', 'eu-west-1', 'us-west-2', 'ap-southeast-1', 'eu-central-1',
];

/** One deploy every 12 hours over the 7 days: the commit depends on the record's time. */
export const COMMITS: readonly string[] = [
  '5e5342f', '9b1c0d7', 'a41f2e8', '0c7d913', 'e2b85a4', '7f3a6c1', 'b90e4d2',
  '3d8c7f5', 'c6a1b09', '18f4e3a', 'f5d2a76', '62e9c1b', 'd07b358', '4a6f8e2',
];

export const SERVICES: readonly string[] = [
  'room-service', 'auth-service', 'billing-api', 'recording-worker', 'sfu-edge',
  'chat-service', 'webhook-dispatcher', 'livestream-encoder', 'participant-service',
  'presets-api', 'analytics-ingest', 'notification-service',
];

export const HTTP_METHODS: readonly string[] = ['GET', 'GET', 'GET', 'POST', 'POST', 'PUT', 'PATCH', 'DELETE'];

export const API_PATHS: readonly string[] = [
  '/v2/meetings', '/v2/meetings/participants', '/v2/recordings', '/v2/webhooks', '/v2/sessions',
  '/v2/livestreams', '/v2/presets', '/v2/chat/messages', '/v2/analytics/daywise', '/v2/participants/peers',
];

export const DB_TABLES: readonly string[] = [
  'meetings', 'participants', 'recordings', 'sessions', 'webhook_outbox', 'presets', 'chat_messages',
];

export const ERROR_NAMES: readonly string[] = [
  'TypeError', 'RangeError', 'SyntaxError', 'ValidationError', 'ReferenceError', 'AbortError',
];

export const DECLINE_REASONS: readonly string[] = [
  'insufficient funds', 'card expired', 'do not honor', 'suspected fraud', 'invalid cvc',
];

export const DISK_ERRNOS: readonly string[] = ['ENOSPC', 'EIO', 'EROFS', 'EDQUOT'];

export const SDK_CLIENTS: readonly string[] = [
  'web-core/1.31.2', 'react-native-core/0.27.4', 'android-core/1.18.0', 'ios-core/1.22.1', 'flutter-core/0.9.3',
];

export const SPAN_NAMES: readonly string[] = [
  'db.query', 'http.request', 'redis.get', 'kafka.produce', 's3.putObject', 'grpc.call',
];

/** Hour-of-day (UTC) traffic weights: a daily cycle, busiest in the working day. */
export const HOUR_OF_DAY_WEIGHTS: readonly number[] = [
  4, 3, 3, 3, 3, 4, 5, 7, 9, 11, 12, 12, 12, 12, 12, 11, 11, 10, 9, 8, 7, 6, 5, 5,
];
