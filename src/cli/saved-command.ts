// tributary saved list|create|delete — saved searches and their alerts on a running server
// (/api/v1/saved-searches), as the explorer saves them.
import type { Command } from 'commander';
import { requestJson, serverUrl, CliError } from './server-client.ts';
import { formatTable } from './table.ts';
import type { SavedSearch } from '../alerts/saved-searches.ts';

interface UrlFlags { url?: string }

async function run(what: string, work: () => Promise<void>): Promise<void> {
  try {
    await work();
  } catch (error) {
    if (!(error instanceof CliError)) throw error;
    console.error(`tributary saved ${what}: ${error.message}`);
    process.exitCode = 1;
  }
}

function alertText(search: SavedSearch): string {
  if (!search.alert) return '';
  const { comparison, threshold, window, every } = search.alert;
  const state = search.alertState?.firing ? 'FIRING' : search.alertState?.lastCheckedAt ? 'ok' : 'not checked yet';
  return `${comparison} ${threshold} in ${window} (every ${every}): ${state}`;
}

/** `>=3`, `> 10`, `<1` → comparison and threshold. */
function parseAlert(text: string): { comparison: string; threshold: number } {
  const match = /^\s*(>=|<=|>|<)\s*(\d+(?:\.\d+)?)\s*$/.exec(text);
  if (!match) throw new CliError(`--alert '${text}': write a comparison and a count, e.g. '>=3' or '<1'`);
  return { comparison: match[1]!, threshold: Number(match[2]) };
}

export function registerSaved(program: Command): void {
  const saved = program.command('saved').description('saved searches and their alerts, on a running server');
  const url = (command: Command) => command.option('--url <url>', 'the running Tributary (default http://127.0.0.1:3000; env TRIBUTARY_URL)');

  url(saved.command('list').description('the saved searches, with their alerts and whether they fire').option('--json', 'print JSON'))
    .action((flags: UrlFlags & { json?: boolean }) => run('list', async () => {
      const { searches } = await requestJson(`${serverUrl(flags.url)}/api/v1/saved-searches`) as { searches: SavedSearch[] };
      if (flags.json) return console.log(JSON.stringify(searches));
      if (searches.length === 0) return console.log("no saved searches: save one in the explorer, or with 'tributary saved create'");
      console.log(formatTable(['ID', 'NAME', 'QUERY', 'STREAMS', 'ALERT'], searches.map((search) => [search.id, search.name, search.search.q || '*', search.search.streams.join(',') || 'all', alertText(search)])));
    }));

  url(saved.command('create').description('save a search, optionally with an alert on its count')
    .requiredOption('--name <name>', 'what to call it')
    .option('--query <q>', 'the query, in the query language', '')
    .option('--stream <name...>', 'streams to search (default all)')
    .option('--alert <comparison>', "alert when the count over --window compares so, e.g. '>=3' or '<1'")
    .option('--window <duration>', 'the alert counts records of this last span', '5m')
    .option('--every <duration>', 'how often the alert is checked', '1m')
    .option('--webhook <url>', 'POST the alert to this URL when it fires and resolves'))
    .action((flags: UrlFlags & { name: string; query: string; stream?: string[]; alert?: string; window: string; every: string; webhook?: string }) => run('create', async () => {
      const alert = flags.alert ? { ...parseAlert(flags.alert), window: flags.window, every: flags.every, webhook: flags.webhook } : undefined;
      const created = await requestJson(`${serverUrl(flags.url)}/api/v1/saved-searches`, 'POST', { name: flags.name, search: { q: flags.query, streams: flags.stream ?? [] }, alert }) as SavedSearch;
      console.log(`saved '${created.name}' as ${created.id}${created.alert ? `, alerting ${alertText(created)}` : ''}`);
    }));

  url(saved.command('delete').description('delete a saved search and its alert').argument('<id>', 'its id, as list shows'))
    .action((id: string, flags: UrlFlags) => run('delete', async () => {
      await requestJson(`${serverUrl(flags.url)}/api/v1/saved-searches/${encodeURIComponent(id)}`, 'DELETE');
      console.log(`deleted ${id}`);
    }));
}
