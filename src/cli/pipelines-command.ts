// tributary pipelines list|describe|pause|resume — what each pipeline of a running server read,
// wrote, dead-lettered and holds, its workers and their scaling (GET /api/v1/pipelines), like
// `groups` for consumer groups; pause and resume take its workers out of the group and back.
import type { Command } from 'commander';
import { serverUrl, getJson, requestJson, CliError } from './server-client.ts';
import type { Scaling } from '../pipelines/autoscale/pipeline-workers.ts';
import { formatTable } from './table.ts';

interface ServerFlags {
  url?: string;
  server?: string;
  json?: boolean;
}

export interface PipelineView {
  name: string;
  group: string;
  description?: string | null;
  inputTopics?: string[];
  recordsIn?: number;
  out?: Record<string, number>;
  deadLetters?: Record<string, number>;
  lateRecords?: number;
  duplicates?: number;
  dropped?: number;
  stateBytes?: number;
  state?: Record<string, number>;
  lastCheckpointAt?: number | null;
  steps: string[];
  outputs: Record<string, { topic?: string; store?: string }>;
  deadLetterTopic?: string;
  lag: number | null;
  paused?: boolean;
  autoscale?: Scaling | null;
}

/** The autoscaler's workers, thresholds and latest changes, for `pipelines describe` and `groups describe`. */
export function formatScaling(scaling: Scaling, latest = 5): string[] {
  const events = scaling.events.slice(-latest).map((event) => `  ${new Date(event.at).toISOString()}  ${event.from} → ${event.to} workers: ${event.reason}`);
  return [
    `Workers: ${scaling.workers} of at most ${scaling.maxWorkers} (one more over each backlog of ${scaling.thresholds.join(', ')})  Backlog: ${scaling.backlog ?? '-'}`,
    ...(events.length > 0 ? ['Scaling events (latest last):', ...events] : ['Scaling events: none yet']),
  ];
}

const sum = (counts: Record<string, number> = {}): number => Object.values(counts).reduce((total, n) => total + n, 0);
const orDash = (value: number | null | undefined): string | number => value ?? '-';

function withServerOptions(command: Command): Command {
  return command
    .option('--url <url>', 'the running Tributary to talk to (default http://127.0.0.1:3000; env TRIBUTARY_URL)')
    .option('--server <url>', 'same as --url')
    .option('--json', 'print the answer as JSON');
}

async function run(name: string, action: () => Promise<void>): Promise<void> {
  try {
    await action();
  } catch (error) {
    if (!(error instanceof CliError)) throw error;
    console.error(`tributary ${name}: ${error.message}`);
    process.exitCode = 1;
  }
}

export function formatPipelines(pipelines: PipelineView[]): string {
  const rows = pipelines.map((p) => [p.name, p.group, orDash(p.recordsIn), p.out ? sum(p.out) : '-',
    p.deadLetters ? sum(p.deadLetters) : '-', orDash(p.lateRecords), orDash(p.lag), orDash(p.stateBytes)]);
  return formatTable(['NAME', 'GROUP', 'IN', 'OUT', 'DEAD LETTERS', 'LATE', 'LAG', 'STATE BYTES'], rows);
}

export function formatPipeline(p: PipelineView): string {
  const outputs = Object.entries(p.outputs).map(([name, output]) => `${name} → ${output.topic ? `topic ${output.topic}` : `store ${output.store}`}`);
  const state = Object.entries(p.state ?? {}).map(([key, value]) => `${key}=${value}`);
  const counters = [
    ...Object.entries(p.out ?? {}).map(([output, n]) => ['output', output, n]),
    ...Object.entries(p.deadLetters ?? {}).map(([step, n]) => ['dead letters', step, n]),
  ] as Array<Array<string | number>>;
  return [
    `Pipeline: ${p.name}  Group: ${p.group}`,
    ...(p.description ? [`Description: ${p.description}`] : []),
    `Input topics: ${(p.inputTopics ?? []).join(', ') || '-'}`,
    `Steps: ${p.steps.join(' → ') || '-'}`,
    `Outputs: ${outputs.join(', ')}`,
    `Dead letters: topic ${p.deadLetterTopic ?? '_dead_letters'}`,
    `Records in: ${orDash(p.recordsIn)}  Late: ${orDash(p.lateRecords)}  Duplicates: ${orDash(p.duplicates)}  Dropped: ${orDash(p.dropped)}  Lag: ${orDash(p.lag)}`,
    `State: ${state.join(', ') || 'none'}  (${orDash(p.stateBytes)} bytes checkpointed)`,
    `Last checkpoint: ${p.lastCheckpointAt ? new Date(p.lastCheckpointAt).toISOString() : 'never'}`,
    ...(p.paused ? ['Paused: yes (tributary pipelines resume ' + p.name + ')'] : []),
    ...(p.autoscale ? formatScaling(p.autoscale) : []),
    ...(counters.length > 0 ? ['', formatTable(['COUNTER', 'NAME', 'RECORDS'], counters)] : []),
  ].join('\n');
}

/** The pipeline, or an error listing the ones the server runs. */
export async function fetchPipeline(base: string, name: string): Promise<PipelineView> {
  const { pipelines } = (await getJson(`${base}/api/v1/pipelines`)) as { pipelines: PipelineView[] };
  if (!pipelines.some((p) => p.name === name)) {
    const known = pipelines.map((p) => p.name).join(', ') || 'none (pipelines run in a process with the process role)';
    throw new CliError(`no pipeline named '${name}' runs at ${base}; its pipelines: ${known}`);
  }
  return (await getJson(`${base}/api/v1/pipelines/${encodeURIComponent(name)}`)) as PipelineView;
}

export function registerPipelines(program: Command): void {
  const pipelines = program.command('pipelines').description('list the pipelines of a running server, or show one in detail');

  withServerOptions(pipelines.command('list').description('one line per pipeline: records in and out, dead letters, late records, lag, state'))
    .action((flags: ServerFlags) => run('pipelines list', async () => {
      const answer = (await getJson(`${serverUrl(flags.url ?? flags.server)}/api/v1/pipelines`)) as { pipelines: PipelineView[] };
      console.log(flags.json ? JSON.stringify(answer) : formatPipelines(answer.pipelines));
    }));

  withServerOptions(pipelines.command('describe').description('inputs, steps, outputs, counters per output and step, state, lag, last checkpoint')
    .argument('<name>', 'pipeline name'))
    .action((name: string, flags: ServerFlags) => run('pipelines describe', async () => {
      const pipeline = await fetchPipeline(serverUrl(flags.url ?? flags.server), name);
      console.log(flags.json ? JSON.stringify(pipeline) : formatPipeline(pipeline));
    }));

  for (const action of ['pause', 'resume'] as const) {
    const what = action === 'pause' ? 'take the pipeline\'s workers out of its group (what they hold is written first) until resume' : 'let a paused pipeline read again';
    withServerOptions(pipelines.command(action).description(what).argument('<name>', 'pipeline name'))
      .action((name: string, flags: ServerFlags) => run(`pipelines ${action}`, async () => {
        const base = serverUrl(flags.url ?? flags.server);
        await fetchPipeline(base, name);
        const pipeline = (await requestJson(`${base}/api/v1/pipelines/${encodeURIComponent(name)}/${action}`, 'POST')) as PipelineView;
        console.log(flags.json ? JSON.stringify(pipeline) : `${name}: ${pipeline.paused ? 'paused' : 'reading'}; backlog grows while paused (lag ${orDash(pipeline.lag)})`);
      }));
  }
}
