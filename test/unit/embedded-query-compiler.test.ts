import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DuckDBInstance } from '@duckdb/node-api';
import type { DuckDBConnection } from '@duckdb/node-api';
import { compileToDuckDb } from '../../src/stores/embedded/compile-query.ts';
import type { DuckDbCompileOptions } from '../../src/stores/embedded/compile-query.ts';
import { parseQuery } from '../../src/query/parser.ts';

const T0 = Date.UTC(2024, 4, 1, 10, 0, 0); // 2024-05-01T10:00:00Z; row n is at T0 + (n-1) minutes
const NOW = T0 + 19 * 60_000;

interface Row {
  n: number;
  level: string | null;
  message: string | null;
  body: Record<string, unknown>;
  stream?: string;
}

/** A Dyte-shaped body; `extra` overrides keys, an undefined value removes the key. */
function dyte(n: number, level: string | null, message: string, resourceId: string, extra: Record<string, unknown> = {}): Row {
  const body: Record<string, unknown> = {
    level: level ?? undefined,
    message,
    resourceId,
    timestamp: new Date(T0 + (n - 1) * 60_000).toISOString(),
    traceId: `trace-${n}`,
    spanId: `span-${n}`,
    commit: '5e5342f',
    metadata: { parentResourceId: 'server-0987' },
    ...extra,
  };
  for (const key of Object.keys(body)) if (body[key] === undefined) delete body[key];
  return { n, level, message, body };
}

const ROWS: Row[] = [
  dyte(1, 'info', 'User logged in', 'server-1234', { latency_ms: 12, status: 200 }),
  dyte(2, 'error', 'Failed to connect to DB', 'server-1234', { latency_ms: 850, status: 500 }),
  dyte(3, 'error', 'Connection refused by upstream', 'server-5678', { latency_ms: 1200, status: '500' }),
  dyte(4, 'warn', 'Disk usage at 85%', 'server-5678', { status: 200 }),
  { ...dyte(5, 'warn', 'Retrying request_id 7', 'server-1234', { level: 'WARNING', latency_ms: 300, status: 503 }) },
  dyte(6, 'debug', 'cache hit for key user_42', 'server-1234', { latency_ms: 2, status: 200 }),
  dyte(7, 'info', 'Request completed in 45ms', 'server-5678', { latency_ms: 45, status: 200 }),
  dyte(8, 'fatal', 'Out of memory', 'server-9999', { level: 'CRITICAL', latency_ms: null, status: 500 }),
  dyte(9, null, 'heartbeat', 'server-9999', { traceId: undefined, metadata: undefined }),
  dyte(10, 'error', 'ERROR: timeout after 30s', 'server-1234', { latency_ms: 30000, status: 504 }),
  dyte(11, 'info', 'user signed out', 'server-1234', { latency_ms: 8, status: 204, metadata: { parentResourceId: 'server-1111' } }),
  { n: 12, level: null, message: null, stream: 'metrics', body: { kind: 'metric', cpu: 0.93, timestamp: new Date(T0 + 11 * 60_000).toISOString() } },
  dyte(13, 'info', 'payment processed 100% ok', 'server-5678', { latency_ms: 99.5, status: 201 }),
  dyte(14, 'trace', 'entering function handle_request', 'server-5678', { latency_ms: 0, status: 200 }),
  dyte(15, 'info', 'Café opened', 'server-5678', { latency_ms: 10, status: 200 }),
  dyte(16, 'error', 'upstream returned 5xx', 'server-5678', { latency_ms: 700, status: '5xx' }),
  dyte(17, 'info', 'timestamp as epoch', 'server-1234', { timestamp: T0 + 16 * 60_000, latency_ms: 20, status: 200 }),
  dyte(18, 'warn', 'slow query', 'server-1234', { timestamp: '2024-05-01T12:17:00+02:00', latency_ms: 5000, status: 200 }),
  dyte(19, 'info', 'GET /api/v1/users', 'server-7777', { timestamp: '2024-05-01T10:18:00', path: '/api/v1/users', 'user agent': 'curl/8.0', latency_ms: 15, status: 200 }),
  dyte(20, 'info', 'quote "hi" and \'single\' 50% off_sale', 'server-7777', { latency_ms: 5, status: 200 }),
];

const ALL = ROWS.map((row) => row.n);
const idOf = (n: number): string => `r${String(n).padStart(2, '0')}`;
const except = (...excluded: number[]): number[] => ALL.filter((n) => !excluded.includes(n));

let connection: DuckDBConnection;

before(async () => {
  connection = await (await DuckDBInstance.create(':memory:')).connect();
  await connection.run(`CREATE TABLE records (stream VARCHAR, id VARCHAR, ts BIGINT, ingested_at BIGINT, level VARCHAR,
    message VARCHAR, body VARCHAR, resource_id VARCHAR)`);
  for (const row of ROWS) {
    const ts = T0 + (row.n - 1) * 60_000;
    await connection.run('INSERT INTO records VALUES (?, ?, ?, ?, ?, ?, ?, ?)', [
      row.stream ?? 'logs',
      idOf(row.n),
      BigInt(ts),
      BigInt(ts + 5),
      row.level,
      row.message,
      JSON.stringify(row.body),
      (row.body.resourceId as string | undefined) ?? null,
    ]);
  }
});

after(() => connection.closeSync());

async function matching(query: string, options: DuckDbCompileOptions = {}): Promise<number[]> {
  const { sql, params } = compileToDuckDb(parseQuery(query), { now: NOW, ...options });
  const reader = await connection.runAndReadAll(`SELECT id FROM records WHERE ${sql} ORDER BY id`, params as never);
  return reader.getRowObjects().map((row) => Number(String(row.id).slice(1)));
}

async function expectIds(query: string, expected: number[], options?: DuckDbCompileOptions): Promise<void> {
  assert.deepEqual(await matching(query, options), [...expected].sort((a, b) => a - b), `query: ${query}`);
}

describe('compileToDuckDb against a records table', () => {
  test('empty query and * match everything', async () => {
    await expectIds('', ALL);
    await expectIds('   ', ALL);
    await expectIds('*', ALL);
  });

  test('bare words and phrases: case-insensitive substring of message', async () => {
    await expectIds('error', [10]);
    await expectIds('"connection refused"', [3]);
    await expectIds('UPSTREAM', [3, 16]);
    await expectIds('CAFÉ', [15]);
    await expectIds('100%', [13]);
    await expectIds('off_sale', [20]);
    await expectIds('user in', [1]);
    await expectIds('"user in"', []);
    await expectIds('user logged', [1]);
    await expectIds('message:user', [1, 6, 11, 19]);
  });

  test('wildcards: message contains (case-insensitive), other fields anchored LIKE with escaping', async () => {
    await expectIds('request_*', [5]);
    await expectIds('RETRY*7', [5]);
    await expectIds('resourceId:server-12*', [1, 2, 5, 6, 10, 11, 17, 18]);
    await expectIds('resourceId:server-?678', [3, 4, 7, 13, 14, 15, 16]);
    await expectIds('resourceId:SERVER-*', []);
    await expectIds('resourceId:1234*', []);
    await expectIds('status:5*', [2, 3, 5, 8, 10, 16]);
  });

  test('level values are normalized', async () => {
    await expectIds('level:ERROR', [2, 3, 10, 16]);
    await expectIds('level:err', [2, 3, 10, 16]);
    await expectIds('level:warning', [4, 5, 18]);
    await expectIds('level:critical', [8]);
    await expectIds('level:(error OR fatal)', [2, 3, 8, 10, 16]);
    await expectIds('level:>=error', [2, 3, 8, 10, 16]);
    await expectIds('level:[debug TO info]', [1, 6, 7, 11, 13, 15, 17, 19, 20]);
    await expectIds('level:{warn TO *]', [2, 3, 8, 10, 16]);
  });

  test('NOT matches records where the field is missing', async () => {
    await expectIds('NOT level:error', except(2, 3, 10, 16));
    await expectIds('-level:error', except(2, 3, 10, 16));
    await expectIds('!level:error', except(2, 3, 10, 16));
    await expectIds('NOT latency_ms:>100', except(2, 3, 5, 10, 16, 18));
    await expectIds('NOT metadata.parentResourceId:server-0987', [9, 11, 12]);
    await expectIds('NOT (level:error OR status:200)', [5, 8, 9, 11, 12, 13]);
    await expectIds('NOT NOT level:error', [2, 3, 10, 16]);
    await expectIds('NOT heartbeat', except(9));
  });

  test('AND binds tighter than OR; adjacent terms are ANDed', async () => {
    await expectIds('level:error OR level:warn AND resourceId:server-1234', [2, 3, 5, 10, 16, 18]);
    await expectIds('(level:error OR level:warn) AND resourceId:server-1234', [2, 5, 10, 18]);
    await expectIds('level:error resourceId:server-5678', [3, 16]);
    await expectIds('level:error && resourceId:server-5678 || id:r01', [1, 3, 16]);
  });

  test('numbers in body compare as JSON text for equality and numerically in ranges', async () => {
    await expectIds('status:500', [2, 3, 8]);
    await expectIds('status:"500"', [2, 3, 8]);
    await expectIds('status:>=500', [2, 3, 5, 8, 10]);
    await expectIds('status:[500 TO 503]', [2, 3, 5, 8]);
    await expectIds('latency_ms:>100', [2, 3, 5, 10, 16, 18]);
    await expectIds('latency_ms:[10 TO 100]', [1, 7, 13, 15, 17, 19]);
    await expectIds('latency_ms:{10 TO 100}', [1, 7, 13, 17, 19]);
    await expectIds('latency_ms:[* TO 5]', [6, 14, 20]);
    await expectIds('latency_ms:<5', [6, 14]);
    await expectIds('latency_ms:99.5', [13]);
    await expectIds('cpu:>0.5', [12]);
  });

  test('string ranges when bounds are not numbers or dates', async () => {
    await expectIds('resourceId:[server-5 TO server-6]', [3, 4, 7, 13, 14, 15, 16]);
    await expectIds('resourceId:>server-7', [8, 9, 19, 20]);
  });

  test('regular expressions (case-sensitive, unanchored)', async () => {
    await expectIds('message:/^(Failed|Connection)/', [2, 3]);
    await expectIds('resourceId:/server-(1234|9999)$/', [1, 2, 5, 6, 8, 9, 10, 11, 17, 18]);
    await expectIds('status:/^5\\d\\d$/', [2, 3, 5, 8, 10]);
    await expectIds('/\\d+ms/', [7]);
    await expectIds('path:/\\/api\\/v1/', [19]);
  });

  test('_exists_ and field:* (JSON null does not exist)', async () => {
    await expectIds('_exists_:latency_ms', except(4, 8, 9, 12));
    await expectIds('latency_ms:*', except(4, 8, 9, 12));
    await expectIds('NOT _exists_:latency_ms', [4, 8, 9, 12]);
    await expectIds('_exists_:metadata', except(9, 12));
    await expectIds('NOT _exists_:level', [9, 12]);
    await expectIds('NOT _exists_:message', [12]);
  });

  test('columns and dotted body paths', async () => {
    await expectIds('metadata.parentResourceId:server-1111', [11]);
    await expectIds('metadata.parentResourceId:"server-0987"', except(9, 11, 12));
    await expectIds('stream:metrics', [12]);
    await expectIds('id:r01', [1]);
    await expectIds('kind:metric', [12]);
    await expectIds('traceId:trace-3 spanId:span-3 commit:5e5342f', [3]);
    await expectIds('user\\ agent:curl*', [19]);
    await expectIds('path:"/api/v1/users"', [19]);
  });

  test('time ranges on the ts column (ISO, epoch s/ms, now-relative, whole days)', async () => {
    await expectIds('ts:[2024-05-01T10:05:00Z TO 2024-05-01T10:07:00Z]', [6, 7, 8]);
    await expectIds('ts:{2024-05-01T10:05:00Z TO 2024-05-01T10:07:00Z}', [7]);
    await expectIds('ts:[2024-05-01T12:05:00+02:00 TO 2024-05-01T10:06:00]', [6, 7]);
    await expectIds('ts:>=now-3m', [17, 18, 19, 20]);
    await expectIds(`@timestamp:<${T0 + 2 * 60_000}`, [1, 2]);
    await expectIds(`ts:<${(T0 + 2 * 60_000) / 1000}`, [1, 2]);
    await expectIds('ts:2024-05-01', ALL);
    await expectIds('ts:2024-04-30', []);
    await expectIds('ts:<=2024-04-30', []);
    await expectIds('ts:>2024-04-30', ALL);
    await expectIds('ts:"2024-05-01T10:03:00Z"', [4]);
    await expectIds('ingestedAt:>=2024-05-01T10:19:00Z', [20]);
  });

  test('time ranges on the body timestamp (ISO with offsets and epoch numbers)', async () => {
    await expectIds('timestamp:[2024-05-01T10:15:00Z TO 2024-05-01T10:17:00Z]', [16, 17, 18]);
    await expectIds('timestamp:<2024-05-01T10:01:00Z', [1]);
    await expectIds('timestamp:>=2024-05-01T10:18:00Z', [19, 20]);
    await expectIds('timestamp:[2024-05-01 TO 2024-05-01]', ALL);
    await expectIds('timestamp:>now-2m', [19, 20]);
  });

  test('zone-less body timestamps are UTC whatever the session TimeZone', async () => {
    await connection.run("SET TimeZone = 'America/New_York'");
    try {
      await expectIds('timestamp:[2024-05-01T10:17:00Z TO 2024-05-01T10:18:00Z]', [18, 19]);
      await expectIds('timestamp:[2024-05-01T12:17:00+02:00 TO 2024-05-01T06:18:00-04:00]', [18, 19]);
    } finally {
      await connection.run("SET TimeZone = 'UTC'");
    }
  });

  test('field resolver: a store\'s body fields replace JSON extraction', async () => {
    const options = {
      bodyField: (path: string[]) => path.join('.') === 'resourceId'
        ? { text: 'resource_id', number: 'TRY_CAST(resource_id AS DOUBLE)' }
        : { text: 'NULL::VARCHAR', number: 'NULL::DOUBLE' },
    };
    const compiled = compileToDuckDb(parseQuery('resourceId:server-1234'), options);
    assert.match(compiled.sql, /resource_id = \?/);
    assert.doesNotMatch(compiled.sql, /json_extract/);
    await expectIds('resourceId:server-1234', [1, 2, 5, 6, 10, 11, 17, 18], options);
    await expectIds('NOT resourceId:server-12*', [3, 4, 7, 8, 9, 12, 13, 14, 15, 16, 19, 20], options);
  });

  test('user text never reaches the SQL: injection attempts match nothing and do not fail', async () => {
    const attempts = [
      `message:"x' OR '1'='1"`,
      `level:"error' OR 1=1 --"`,
      `"'); DROP TABLE records; --"`,
      `a\\'b:"1' OR TRUE --"`,
      `x\\'\\)\\ OR\\ TRUE\\ --:1`,
      `status:/' OR 1=1 --/`,
      `status:"500' OR '1'='1"`,
      `id:["r01' OR 1=1 --" TO "r01"]`,
      `resourceId:*\\'*`,
    ];
    for (const attempt of attempts) {
      const { sql } = compileToDuckDb(parseQuery(attempt));
      assert.doesNotMatch(sql, /DROP|OR 1=1|OR TRUE|'1'='1/, attempt);
      await expectIds(attempt, []);
    }
    const count = await connection.runAndReadAll('SELECT count(*) AS n FROM records');
    assert.equal(Number(count.getRowObjects()[0]!.n), ROWS.length);
  });

  test('every value is a bound parameter', () => {
    const { sql, params } = compileToDuckDb(parseQuery('level:error AND "some words" AND latency_ms:>5 AND user-agent:curl'));
    assert.equal(sql.split('?').length - 1, params.length);
    assert.deepEqual(params, ['error', 'some words', 5, '/user-agent', 'curl']);
  });
});
