// The denormalizer's reference data over HTTP: PUT /api/v1/sunbird/reference/{device|user|content|
// dialcode} with a JSON array or NDJSON of rows (each with its id) adds or replaces them; GET
// …/{table}/{id} reads one back. The pipeline sees a push within a second: through the data dir's
// files, or with --redis through Redis, whichever process runs the pipeline.
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { ApiError } from '../../api/errors.ts';
import { FileReferenceTables, parseRows, RedisReferenceTables, rowsProblem, TABLES, type ReferenceTables, type TableName } from './reference-tables.ts';
import { closeRedis, openRedis, redisHashes } from '../../pipelines/redis-client.ts';

export function referenceDir(dataDir: string): string {
  return join(dataDir, 'reference', 'sunbird');
}

function tableOf(name: string): TableName {
  if (!(TABLES as readonly string[]).includes(name)) throw new ApiError(404, 'no_table', `no reference table '${name}': use one of ${TABLES.join(', ')}`);
  return name as TableName;
}

function rowsOf(body: unknown): unknown[] {
  if (!Buffer.isBuffer(body) || body.length === 0) throw new ApiError(400, 'empty_body', 'send the rows as a JSON array or NDJSON, each row an object with its id');
  try {
    return parseRows(body.toString('utf8'));
  } catch (error) {
    throw new ApiError(400, 'bad_json', `the rows are not valid JSON: ${(error as Error).message}`);
  }
}

export function registerReferenceRoutes(app: FastifyInstance, dataDir: string, redisUrl?: string): void {
  let tables: ReferenceTables = new FileReferenceTables(referenceDir(dataDir));
  if (redisUrl) {
    const redis = openRedis(redisUrl, 'keep the reference tables in this data dir');
    redis.catch(() => undefined); // reported when onReady awaits it, failing the start
    app.addHook('onReady', async () => { tables = new RedisReferenceTables(redisHashes(await redis)); });
    app.addHook('onClose', async () => { await closeRedis(await redis); });
  }
  app.put('/api/v1/sunbird/reference/:table', async (request) => {
    const table = tableOf((request.params as { table: string }).table);
    const rows = rowsOf(request.body);
    const problem = rowsProblem(rows);
    if (problem) throw new ApiError(400, 'bad_rows', problem);
    const size = await tables.put(table, rows as Array<Record<string, unknown>>);
    return { table, written: rows.length, rows: size };
  });
  app.get('/api/v1/sunbird/reference/:table/:id', async (request) => {
    const { table: name, id } = request.params as { table: string; id: string };
    const row = await tables.read(tableOf(name), id);
    if (!row) throw new ApiError(404, 'not_found', `no ${name} with id '${id}'`);
    return row;
  });
}
