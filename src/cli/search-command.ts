import type { Command } from 'commander';
import { serverUrl, getJson, CliError } from './server-client.ts';

interface SearchFlags {
  since?: string;
  from?: string;
  to?: string;
  stream?: string;
  limit: string;
  url?: string;
  json?: boolean;
}

interface SearchAnswer {
  total: number;
  hits: Array<{ id: string; stream: string; ts: string; record: Record<string, unknown> }>;
  cursor: string | null;
  tookMs: number;
}

const SHOWN_APART = new Set(['level', 'message', 'timestamp', '@timestamp', 'ts', 'msg', 'log_message']);

export function formatHit(hit: SearchAnswer['hits'][number]): string {
  const record = hit.record;
  const level = String(record.level ?? record.severity ?? '-').toUpperCase().padEnd(5);
  const message = String(record.message ?? record.msg ?? record.log_message ?? '');
  const rest = Object.fromEntries(Object.entries(record).filter(([key]) => !SHOWN_APART.has(key)));
  const extra = Object.keys(rest).length > 0 ? `  ${JSON.stringify(rest)}` : '';
  return `${hit.ts} ${level} ${message}${extra}`;
}

export function registerSearch(program: Command): void {
  program
    .command('search')
    .description('search a running Tributary, newest first')
    .argument('[query]', 'query, e.g. \'level:error "Failed to connect"\' (see docs/query-language.md)', '')
    .option('--since <duration>', 'only records newer than this, e.g. 15m, 1h, 7d')
    .option('--from <time>', 'start time: ISO 8601 or relative (now-1h)')
    .option('--to <time>', 'end time: ISO 8601 or relative')
    .option('--stream <names>', 'comma-separated streams (default: all)')
    .option('-n, --limit <n>', 'most records to print', '100')
    .option('--url <url>', 'server address (default http://127.0.0.1:3000; env TRIBUTARY_URL)')
    .option('--json', 'print each hit as one JSON line')
    .action(async (query: string, flags: SearchFlags) => {
      const params = new URLSearchParams({ q: query, limit: flags.limit });
      const from = flags.from ?? (flags.since ? `now-${flags.since}` : undefined);
      if (from) params.set('from', from);
      if (flags.to) params.set('to', flags.to);
      if (flags.stream) params.set('stream', flags.stream);
      try {
        const answer = (await getJson(`${serverUrl(flags.url)}/api/v1/search?${params}`)) as SearchAnswer;
        for (const hit of answer.hits) console.log(flags.json ? JSON.stringify(hit) : formatHit(hit));
        console.error(`${answer.hits.length} of ${answer.total} matching records shown (${answer.tookMs} ms)`);
      } catch (error) {
        if (!(error instanceof CliError)) throw error;
        console.error(`tributary search: ${error.message}`);
        const position = (error as CliError & { position?: number }).position;
        if (position !== undefined) console.error(`  ${query}\n  ${' '.repeat(position)}^`);
        process.exit(1);
      }
    });
}
