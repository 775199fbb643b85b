// GET /api/v1/pipelines and /api/v1/pipelines/:name: what each pipeline read, wrote per output,
// dead-lettered and holds, with its consumer group's lag; the indexer is listed as the pipeline
// that makes streams searchable.
import type { FastifyInstance } from 'fastify';
import type { Log } from '../log/log.ts';
import type { StreamLog } from '../log/stream-topics.ts';
import type { PipelineRunner } from '../pipelines/runner.ts';
import { ApiError } from './errors.ts';

export interface PipelineRouteDeps {
  log: Log;
  streams: StreamLog[];
  pipelines: () => readonly PipelineRunner[];
}

async function lagOf(log: Log, group: string): Promise<number | null> {
  try {
    const description = await log.describeGroup(group);
    return description.partitions.reduce((sum, partition) => sum + partition.lag, 0);
  } catch {
    return null;
  }
}

async function describe(runner: PipelineRunner, log: Log): Promise<Record<string, unknown>> {
  const { config } = runner;
  return {
    ...runner.stats(),
    description: config.description ?? null,
    steps: config.steps.map((step) => Object.keys(step)[0]),
    outputs: config.outputs,
    deadLetterTopic: config.deadLetters?.topic ?? '_dead_letters',
    lag: await lagOf(log, runner.group),
  };
}

export function registerPipelineRoutes(app: FastifyInstance, deps: PipelineRouteDeps): void {
  app.get('/api/v1/pipelines', async () => {
    const pipelines = await Promise.all(deps.pipelines().map((runner) => describe(runner, runner.inputLog)));
    const indexers = await Promise.all(deps.streams.map(async ({ log, indexerGroup }) => ({
      name: indexerGroup, group: indexerGroup, steps: [], outputs: { default: { store: '(the stream of each topic)' } }, lag: await lagOf(log, indexerGroup),
    })));
    return { pipelines, indexers };
  });
  app.get<{ Params: { name: string } }>('/api/v1/pipelines/:name', async (request) => {
    const runner = deps.pipelines().find((candidate) => candidate.name === request.params.name);
    if (!runner) throw new ApiError(404, 'unknown_pipeline', `no pipeline named '${request.params.name}' runs here: GET /api/v1/pipelines lists them`);
    return describe(runner, runner.inputLog);
  });
}
