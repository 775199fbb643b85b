// tributary dlq replay PIPELINE — after a fix, sends the pipeline's dead letters that arrived since
// the last replay through it again (POST /api/v1/pipelines/:name/replay).
import type { Command } from 'commander';
import { authHeaders, serverUrl, CliError } from './server-client.ts';
import { fetchPipeline } from './pipelines-command.ts';

interface ReplayAnswer {
  replayed: number;
  since: string | null;
  until: string | null;
}

async function postJson(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  let response: Response;
  try {
    response = await fetch(url, { method: 'POST', headers: authHeaders() });
  } catch {
    throw new CliError(`cannot reach Tributary at ${new URL(url).origin}: start it with 'npx tributary start', or pass --url / set TRIBUTARY_URL`);
  }
  const text = await response.text();
  try {
    return { status: response.status, body: JSON.parse(text) as Record<string, unknown> };
  } catch {
    throw new CliError(`unexpected answer from ${url} (HTTP ${response.status}): ${text.slice(0, 200)}`);
  }
}

export function registerDlq(program: Command): void {
  const dlq = program.command('dlq').description('work with dead letters');
  dlq.command('replay')
    .description('send the dead letters of a pipeline through it again (those since the last replay), e.g. after fixing its config')
    .argument('<pipeline>', 'pipeline name')
    .option('--url <url>', 'the running Tributary to talk to (default http://127.0.0.1:3000; env TRIBUTARY_URL)')
    .option('--server <url>', 'same as --url')
    .option('--json', 'print the answer as JSON')
    .action(async (name: string, flags: { url?: string; server?: string; json?: boolean }) => {
      const base = serverUrl(flags.url ?? flags.server);
      try {
        const { status, body } = await postJson(`${base}/api/v1/pipelines/${encodeURIComponent(name)}/replay`);
        if (status === 404) await fetchPipeline(base, name);
        if (status >= 400) throw new CliError((body.error as { message?: string } | undefined)?.message ?? `HTTP ${status}`);
        const answer = body as unknown as ReplayAnswer;
        if (flags.json) console.log(JSON.stringify(answer));
        else console.log(`replayed ${answer.replayed} dead letter${answer.replayed === 1 ? '' : 's'} of pipeline ${name}${answer.since ? ` (arrived after ${answer.since})` : ''}`);
      } catch (error) {
        if (!(error instanceof CliError)) throw error;
        console.error(`tributary dlq replay: ${error.message}`);
        process.exitCode = 1;
      }
    });
}
