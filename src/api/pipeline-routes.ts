// GET /api/v1/pipelines and /api/v1/pipelines/:name: what each pipeline read, wrote per output,
// dead-lettered and holds, with its consumer group's lag; the indexer is listed first, the
// pipeline that makes streams searchable. POST /api/v1/pipelines/:name/replay (`tributary dlq replay`)
// sends the pipeline's dead letters that arrived since the last replay through it again: their
// originals are produced to its first input (Sunbird's in batch envelopes), and the newest
// replayed letter's ingest time is kept as the replay mark (data dir,
// pipelines/NAME/replayed.json) so each letter is replayed once.
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Store } from '../stores/store.ts';
import type { Acceptor } from '../sources/accept.ts';
import type { PipelineWorkers } from '../pipelines/autoscale/pipeline-workers.ts';
import { DEFAULT_DEAD_LETTER_STREAM } from '../pipelines/config.ts';
import { originalOf, replayBodies } from '../pipelines/dead-letter-formats.ts';
import { writeFileAtomic } from '../log/embedded/atomic-file.ts';
import { ApiError } from './errors.ts';

export interface PipelineRouteDeps {
  pipelines: () => readonly PipelineWorkers[];
  /** For replay: the store dead letters are searched in, where originals go back in, where the mark is kept. */
  store?: Store;
  acceptor?: Acceptor;
  dataDir?: string;
}

interface ReplayDeps {
  store: Store;
  acceptor: Acceptor;
  dataDir: string;
}

const REFUSAL_STATUS = { backlog: 429, too_large: 413, unavailable: 503 } as const;
const PAGE = 5000;
const CHUNK = 1000;

async function describe(runner: PipelineWorkers): Promise<Record<string, unknown>> {
  const { config } = runner;
  return {
    ...runner.stats(),
    description: config.description ?? null,
    steps: config.steps.map((step) => Object.keys(step)[0]),
    outputs: config.outputs,
    deadLetterTopic: config.deadLetters?.topic ?? '_dead_letters',
    lag: await runner.lag().catch(() => null),
    paused: runner.paused,
    autoscale: runner.scaling(),
  };
}

/** The originals of the pipeline's letters in its dead-letter stream ingested at or after `since`, oldest first, with the newest letter's ingest time. */
async function lettersSince(store: Store, runner: PipelineWorkers, since: number): Promise<{ originals: Array<Record<string, unknown>>; newest: number | null }> {
  const { topic: stream = DEFAULT_DEAD_LETTER_STREAM, format = 'tributary' } = runner.config.deadLetters ?? {};
  // user-login letters name the stream (or the topic) their record came from
  const inputs = new Set([...runner.stats().inputTopics, ...(runner.config.input.streams ?? [])]);
  const originals: Array<Record<string, unknown>> = [];
  let newest: number | null = null;
  let after: string | null = null;
  for (;;) {
    const page = await store.tail({ query: null, streams: [stream], sinceIngestedAt: since, limit: PAGE, after });
    for (const hit of page.hits) {
      const original = originalOf(JSON.parse(hit.bodyJson) as Record<string, unknown>, format, runner.name, inputs);
      if (!original) continue;
      originals.push(original);
      newest = Math.max(newest ?? 0, hit.ingestedAt);
    }
    if (page.hits.length < PAGE) return { originals, newest };
    after = page.cursor;
  }
}

/** A letter's original as the message it was: a text line as the line, an object as JSON. */
function messageOf(original: Record<string, unknown>): Buffer {
  const keys = Object.keys(original);
  if (keys.length === 1 && typeof original.message === 'string') return Buffer.from(original.message);
  return Buffer.from(JSON.stringify(original));
}

const markFile = (dataDir: string, pipeline: string) => path.join(dataDir, 'pipelines', pipeline, 'replayed.json');

async function readMark(file: string): Promise<number | null> {
  try {
    const { until } = JSON.parse(await readFile(file, 'utf8')) as { until?: number };
    return typeof until === 'number' ? until : null;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

async function replay(runner: PipelineWorkers, deps: ReplayDeps): Promise<{ replayed: number; since: string | null; until: string | null }> {
  const file = markFile(deps.dataDir, runner.name);
  const mark = await readMark(file);
  const letters = await lettersSince(deps.store, runner, mark === null ? 0 : mark + 1);
  const messages = replayBodies(letters.originals, runner.config.deadLetters?.format ?? 'tributary').map(messageOf);
  const stream = runner.config.input.streams?.[0];
  const topic = runner.config.input.topics?.[0];
  for (let i = 0; i < messages.length; i += CHUNK) {
    const chunk = messages.slice(i, i + CHUNK);
    const result = stream !== undefined ? await deps.acceptor.accept(stream, chunk) : await deps.acceptor.acceptToTopic(topic!, chunk);
    if ('refused' in result) {
      throw new ApiError(REFUSAL_STATUS[result.refused.kind], result.refused.code, `${i} of ${messages.length} messages of dead letters were replayed, then: ${result.refused.message} (the mark was not moved: a second replay sends them all again)`);
    }
  }
  const until = letters.newest ?? mark;
  if (until !== mark) {
    await mkdir(path.dirname(file), { recursive: true });
    await writeFileAtomic(file, JSON.stringify({ until, at: Date.now(), replayed: letters.originals.length }));
  }
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  return { replayed: letters.originals.length, since: iso(mark), until: iso(until) };
}

export function registerPipelineRoutes(app: FastifyInstance, deps: PipelineRouteDeps): void {
  const replays = new Map<string, Promise<unknown>>();
  app.get('/api/v1/pipelines', async () => {
    return { pipelines: await Promise.all(deps.pipelines().map((runner) => describe(runner))) };
  });
  app.get<{ Params: { name: string } }>('/api/v1/pipelines/:name', async (request) => {
    const runner = deps.pipelines().find((candidate) => candidate.name === request.params.name);
    if (!runner) throw new ApiError(404, 'unknown_pipeline', `no pipeline named '${request.params.name}' runs here: GET /api/v1/pipelines lists them`);
    return describe(runner);
  });
  for (const action of ['pause', 'resume'] as const) {
    app.post<{ Params: { name: string } }>(`/api/v1/pipelines/:name/${action}`, async (request) => {
      const runner = deps.pipelines().find((candidate) => candidate.name === request.params.name);
      if (!runner) throw new ApiError(404, 'unknown_pipeline', `no pipeline named '${request.params.name}' runs here: GET /api/v1/pipelines lists them`);
      await runner[action]();
      return describe(runner);
    });
  }
  app.post<{ Params: { name: string } }>('/api/v1/pipelines/:name/replay', async (request) => {
    const runner = deps.pipelines().find((candidate) => candidate.name === request.params.name);
    if (!runner) throw new ApiError(404, 'unknown_pipeline', `no pipeline named '${request.params.name}' runs here: GET /api/v1/pipelines lists them`);
    if (!runner.config.input.streams?.length && !runner.config.input.topics?.length) {
      throw new ApiError(400, 'not_replayable', `pipeline ${runner.name} reads no named stream or topic to send its dead letters back to (the indexer's are records the store refused, each naming its stream and reason): search them with stream:_dead_letters and send them again once the cause is fixed`);
    }
    const { store, acceptor, dataDir } = deps;
    if (!store || !acceptor || !dataDir) throw new ApiError(503, 'replay_unavailable', 'dead letters are replayed by a process with the ingest role that also runs the pipeline');
    // one replay of a pipeline at a time, so no letter is sent twice
    const previous = replays.get(runner.name) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(() => replay(runner, { store, acceptor, dataDir }));
    replays.set(runner.name, next);
    return next;
  });
}
