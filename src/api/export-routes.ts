// The whole match of a search, not one page, streamed as NDJSON or CSV: page after page through
// the search cursor, written as the client reads (a slow reader slows the reads, memory stays flat).
import type { FastifyInstance } from 'fastify';
import type { ServerResponse } from 'node:http';
import type { Store, Hit } from '../stores/store.ts';
import { parseFilter, param, type Params } from './query-params.ts';
import { ApiError } from './errors.ts';
import { splitFieldPath, valueAt } from '../record/field-path.ts';

const PAGE = 5_000;
const FORMATS = ['ndjson', 'csv'] as const;
type Format = (typeof FORMATS)[number];
const DEFAULT_COLUMNS = ['timestamp', 'stream', 'level', 'message'];
const MAX_COLUMNS = 100;

/** One CSV cell (RFC 4180); a cell a spreadsheet would run as a formula is prefixed with `'`. */
export function csvCell(value: unknown): string {
  if (value === undefined || value === null) return '';
  let text = typeof value === 'object' ? JSON.stringify(value) : String(value);
  if (/^[=+\-@\t\r]/.test(text) && !/^-?\d/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

function csvRow(hit: Hit, columns: string[][]): string {
  const record = JSON.parse(hit.bodyJson) as unknown;
  return columns.map((path) => {
    if (path.length === 1 && path[0] === 'timestamp') return csvCell(new Date(hit.ts).toISOString());
    if (path.length === 1 && path[0] === 'stream') return csvCell(hit.stream);
    return csvCell(valueAt(record, path));
  }).join(',');
}

function parseColumns(text: string | undefined): string[] {
  if (text === undefined || text.trim() === '') return DEFAULT_COLUMNS;
  const columns = text.split(',').map((column) => column.trim()).filter(Boolean);
  if (columns.length > MAX_COLUMNS) throw new ApiError(400, 'bad_fields', `fields: at most ${MAX_COLUMNS} columns`);
  for (const column of columns) {
    if (!splitFieldPath(column)) throw new ApiError(400, 'bad_fields', `fields: '${column}' is not a field path`);
  }
  return columns;
}

function write(response: ServerResponse, text: string): Promise<void> {
  return response.write(text) ? Promise.resolve() : new Promise((resolve) => {
    const done = () => { response.off('drain', done); response.off('close', done); resolve(); };
    response.once('drain', done);
    response.once('close', done);
  });
}

export function registerExportRoutes(app: FastifyInstance, deps: { store: Store }): void {
  app.get('/api/v1/export', async (request, reply) => {
    const params = request.query as Params;
    const format = (param(params, 'format') ?? 'ndjson') as Format;
    if (!FORMATS.includes(format)) throw new ApiError(400, 'bad_format', `format must be ndjson or csv, got '${format}'`);
    const columns = format === 'csv' ? parseColumns(param(params, 'fields')) : [];
    const filter = parseFilter(params, reply);
    // the first page before the headers: a bad query still gets its 400
    let page = await deps.store.search({ ...filter, limit: PAGE, total: false, cursor: null });
    const stamp = new Date().toISOString().replaceAll(':', '-').slice(0, 19);
    reply.hijack();
    const response = reply.raw;
    response.writeHead(200, {
      'content-type': format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson',
      'content-disposition': `attachment; filename="tributary-${stamp}.${format}"`,
      'cache-control': 'no-store',
    });
    const paths = columns.map((column) => splitFieldPath(column)!);
    if (format === 'csv') await write(response, `${columns.map(csvCell).join(',')}\r\n`);
    try {
      for (;;) {
        const lines = format === 'csv'
          ? page.hits.map((hit) => `${csvRow(hit, paths)}\r\n`)
          : page.hits.map((hit) => `${hit.bodyJson}\n`);
        if (lines.length > 0) await write(response, lines.join(''));
        if (response.destroyed || !page.cursor || page.hits.length < PAGE) break;
        page = await deps.store.search({ ...filter, limit: PAGE, total: false, cursor: page.cursor });
      }
    } catch (error) {
      // the status has gone: say it in the body, where a reader of the file will see it
      if (!response.destroyed) response.write(format === 'csv' ? `# export stopped: ${(error as Error).message}\r\n` : `${JSON.stringify({ error: { code: 'export_stopped', message: (error as Error).message } })}\n`);
    }
    response.end();
  });
}
