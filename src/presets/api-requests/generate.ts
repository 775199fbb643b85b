// Seeded generator of seed 004's `api_requests.log` lines (its provided generator.py):
// `YYYY-MM-DD HH:MM:SS cust_N /api/v1/resourceK STATUS D.DDD`, uniform customers, paths and statuses,
// durations drawn from a pool of uniform(0.1, 2.0), timestamps uniform over the last `days` days and
// not in time order. Timestamps are written in UTC (the seed's processor reads them as UTC).
// Optionally a share of malformed lines, for dead-letter tests.
import { mulberry32 } from '../user-login/generate.ts';

export interface ApiRequestsOptions {
  seed?: number;
  /** Customers cust_1..cust_N; default 50. */
  customers?: number;
  /** Window length ending at `now`; default 30. */
  days?: number;
  /** End of the window, epoch ms or a Date; default the current time. */
  now?: number | Date;
  /** Size of the duration pool (the seed's pool has one value per line it writes); default 10000. */
  durationPool?: number;
  /** Share of malformed lines; default 0. */
  malformedShare?: number;
}

export interface GeneratedApiRequest {
  line: string;
  valid: boolean;
}

export const API_PATHS = ['/api/v1/resource1', '/api/v1/resource2', '/api/v1/resource3', '/api/v1/resource4'] as const;
export const API_STATUSES = [200, 201, 400, 401, 403, 404, 500] as const;

/** A well-formed line, capturing date, time, customer, path, status and duration. */
export const API_REQUEST_LINE = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}) (cust_\d+) (\/api\/v1\/resource\d+) (\d{3}) (\d+\.\d{3})$/;

const pad = (n: number) => String(n).padStart(2, '0');

export function formatApiTimestamp(epochSec: number): string {
  const d = new Date(epochSec * 1000);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

function malform(tokens: string[], random: () => number): string {
  const kind = Math.floor(random() * 4);
  if (kind === 0) tokens.splice(2 + Math.floor(random() * 4), 1);
  else if (kind === 1) tokens[4] = random() < 0.5 ? 'OK' : 'abc';
  else if (kind === 2) tokens[0] = `${tokens[0]!.slice(0, 4)}-02-${random() < 0.5 ? '30' : '31'}`;
  else tokens[5] = 'n/a';
  return tokens.join(' ');
}

/** Endless lines (without newline); take what you need (or use generateApiRequestLines). */
export function* apiRequestLines(options: ApiRequestsOptions = {}): Generator<GeneratedApiRequest> {
  const customers = options.customers ?? 50;
  const days = options.days ?? 30;
  const poolSize = options.durationPool ?? 10_000;
  const malformedShare = options.malformedShare ?? 0;
  if (!(Number.isInteger(customers) && customers >= 1)) throw new RangeError(`customers must be a positive integer, got ${customers}`);
  if (!(days > 0)) throw new RangeError(`days must be > 0, got ${days}`);
  if (!(Number.isInteger(poolSize) && poolSize >= 1)) throw new RangeError(`durationPool must be a positive integer, got ${poolSize}`);
  if (!(malformedShare >= 0 && malformedShare <= 1)) throw new RangeError(`malformedShare must be in [0, 1], got ${malformedShare}`);
  const nowSec = Math.floor(Number(options.now ?? Date.now()) / 1000);
  const windowSec = Math.floor(days * 24 * 3600);
  const startSec = nowSec - windowSec;

  const random = mulberry32(options.seed ?? 0);
  const pool = Array.from({ length: poolSize }, () => 0.1 + random() * 1.9);
  const below = (n: number) => Math.floor(random() * n);
  while (true) {
    const tokens = [
      ...formatApiTimestamp(startSec + below(windowSec + 1)).split(' '),
      `cust_${1 + below(customers)}`,
      API_PATHS[below(API_PATHS.length)]!,
      String(API_STATUSES[below(API_STATUSES.length)]),
      pool[below(poolSize)]!.toFixed(3),
    ];
    if (malformedShare > 0 && random() < malformedShare) yield { line: malform(tokens, random), valid: false };
    else yield { line: tokens.join(' '), valid: true };
  }
}

export function generateApiRequestLines(count: number, options: ApiRequestsOptions = {}): string[] {
  const out: string[] = [];
  if (count <= 0) return out;
  for (const { line } of apiRequestLines(options)) {
    out.push(line);
    if (out.length >= count) break;
  }
  return out;
}
