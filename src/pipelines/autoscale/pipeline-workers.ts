// A pipeline as this process runs it: one worker (a member of the pipeline's consumer group: a
// PipelineRunner, or the indexer's IndexingRunner), or, with `autoscale` in its config, 1 to N of
// them, as many as the group's backlog calls for (lag-policy.ts). The backlog is what no worker has read yet: each
// partition's end offset minus the furthest of the group's commit and the workers' positions,
// so records a batch step holds for its 15 minutes count as read, not as waiting.
import { partitionKey, totalLag } from '../../log/log.ts';
import type { Metrics } from '../../metrics.ts';
import { parseDuration } from '../../query/duration.ts';
import type { PipelineConfig } from '../config.ts';
import { PipelineRunner, type PipelineStats, type RunnerDeps } from '../runner.ts';
import type { PipelineWorker } from '../worker.ts';
import { LagPolicy, type ScalingEvent } from './lag-policy.ts';

const EVENTS_KEPT = 50;

export interface AutoscaleConfig {
  /** Backlog sizes over which one more worker runs: [50000, 100000] → 1, 2 or 3 workers. */
  thresholds: number[];
  /** At most this many workers (default thresholds + 1); never more than the input's partitions. */
  maxWorkers?: number;
  /** How long the backlog must stay low before a worker stops. */
  cooldown: string;
  /** How often the backlog is measured. */
  interval: string;
}

export interface Scaling {
  workers: number;
  maxWorkers: number;
  thresholds: number[];
  backlog: number | null;
  events: ScalingEvent[];
}

export class PipelineWorkers {
  readonly name: string;
  readonly config: PipelineConfig;
  readonly #metrics?: Metrics;
  readonly #now: () => number;
  readonly #autoscale?: AutoscaleConfig;
  readonly #policy?: LagPolicy;
  readonly #createWorker: (worker: number) => PipelineWorker;
  readonly #workers: PipelineWorker[] = [];
  /** What stopped workers counted, so the pipeline's totals never go back. */
  readonly #retired: PipelineStats[] = [];
  readonly #events: ScalingEvent[] = [];
  #backlog: number | null = null;
  #partitions = Infinity;
  #elsewhere = 0;
  #timer?: NodeJS.Timeout;
  #work: Promise<void> = Promise.resolve();
  #paused = false;
  #stopped = false;

  /** Workers are step runners unless `createWorker` makes another kind (the indexer's). */
  constructor(name: string, config: PipelineConfig, deps: RunnerDeps, createWorker?: (worker: number) => PipelineWorker) {
    this.name = name;
    this.config = config;
    this.#metrics = deps.metrics;
    this.#now = deps.now ?? Date.now;
    this.#autoscale = config.autoscale;
    if (this.#autoscale) this.#policy = new LagPolicy(this.#autoscale.thresholds, parseDuration(this.#autoscale.cooldown));
    this.#createWorker = createWorker ?? ((worker) => new PipelineRunner(name, config, { ...deps, worker }));
    this.#workers.push(this.#createWorker(1));
  }

  get group(): string {
    return this.#workers[0]!.group;
  }

  get inputLog() {
    return this.#workers[0]!.inputLog;
  }

  get paused(): boolean {
    return this.#paused;
  }

  /** Starts the first worker, and as many more as the backlog waiting now calls for. */
  async start(): Promise<void> {
    await this.#workers[0]!.start();
    this.#metrics?.pipelineWorkers.set({ pipeline: this.name }, 1);
    if (!this.#autoscale) return;
    await this.#check();
    this.#timer = setInterval(() => { void this.#serially(() => this.#check()); }, parseDuration(this.#autoscale.interval));
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#timer);
    await this.#work;
    await Promise.all(this.#workers.map((worker) => worker.stop()));
  }

  /** Every worker leaves the group (what they hold written first) until resume(); the backlog grows meanwhile. */
  pause(): Promise<void> {
    return this.#serially(async () => {
      this.#paused = true;
      await Promise.all(this.#workers.map((worker) => worker.pause()));
    });
  }

  resume(): Promise<void> {
    return this.#serially(async () => {
      this.#paused = false;
      for (const worker of this.#workers) worker.resume();
    });
  }

  stats(): PipelineStats {
    return sumStats(this.#workers.map((worker) => worker.stats()), this.#retired);
  }

  /** Records of the input not read yet by the group. */
  async lag(): Promise<number> {
    const worker = this.#workers[0]!;
    if (worker.lag) return worker.lag();
    return totalLag(await this.inputLog.describeGroup(this.group));
  }

  scaling(): Scaling | null {
    if (!this.#autoscale) return null;
    return { workers: this.#workers.length, maxWorkers: this.#maxWorkers(this.#partitions), thresholds: this.#autoscale.thresholds, backlog: this.#backlog, events: [...this.#events] };
  }

  #serially(task: () => Promise<void>): Promise<void> {
    const next = this.#work.then(() => (this.#stopped ? undefined : task()));
    this.#work = next.catch((error: unknown) => console.error(`pipeline ${this.name}: autoscaler:`, (error as Error).message));
    return next;
  }

  /** Members of other processes (several processors on Kafka) take partitions too. */
  #maxWorkers(partitions: number): number {
    const configured = this.#autoscale!.maxWorkers ?? this.#autoscale!.thresholds.length + 1;
    return Math.max(1, Math.min(configured, partitions - this.#elsewhere));
  }

  async #check(): Promise<void> {
    const { backlog, partitions, members } = await this.#measure();
    this.#backlog = backlog;
    this.#partitions = partitions;
    this.#elsewhere = Math.max(0, members - (this.#paused ? 0 : this.#workers.length));
    this.#metrics?.pipelineBacklog.set({ pipeline: this.name }, backlog);
    const event = this.#policy!.decide(backlog, this.#workers.length, this.#maxWorkers(partitions), this.#now());
    if (!event || this.#stopped) return;
    // the event first: whoever sees the workers change also sees why
    this.#events.push(event);
    if (this.#events.length > EVENTS_KEPT) this.#events.shift();
    this.#metrics?.pipelineScalingEvents.inc({ pipeline: this.name, direction: event.to > event.from ? 'up' : 'down' });
    console.log(`pipeline ${this.name}: ${event.from} → ${event.to} workers (${event.reason})`);
    await this.#scaleTo(event.to);
    this.#metrics?.pipelineWorkers.set({ pipeline: this.name }, this.#workers.length);
  }

  async #scaleTo(count: number): Promise<void> {
    while (this.#workers.length < count) {
      const worker = this.#createWorker(this.#workers.length + 1);
      if (this.#paused) await worker.pause();
      await worker.start();
      this.#workers.push(worker);
    }
    while (this.#workers.length > count) {
      const worker = this.#workers.pop()!;
      await worker.stop();
      this.#retired.push(worker.stats());
    }
  }

  /** Records of the input no worker has read yet, the input's partition count and the group's members. */
  async #measure(): Promise<{ backlog: number; partitions: number; members: number }> {
    const log = this.inputLog;
    const group = await log.describeGroup(this.group);
    const read = new Map<string, number>();
    for (const { topic, partition, committed } of group.partitions) if (committed !== null) read.set(partitionKey(topic, partition), committed);
    for (const worker of this.#workers) {
      for (const [key, offset] of worker.consumedPositions()) read.set(key, Math.max(offset, read.get(key) ?? 0));
    }
    let backlog = 0;
    let partitions = 0;
    for (const topic of this.#workers[0]!.stats().inputTopics) {
      const description = await log.describeTopic(topic).catch(() => undefined);
      for (const { partition, startOffset, endOffset } of description?.partitions ?? []) {
        partitions++;
        backlog += Math.max(0, endOffset - Math.max(startOffset, read.get(partitionKey(topic, partition)) ?? 0));
      }
    }
    return { backlog, partitions, members: group.members };
  }
}

/** The running workers' stats added up, with what the stopped ones counted (not what they held). */
function sumStats(running: PipelineStats[], retired: PipelineStats[]): PipelineStats {
  const [first, ...rest] = running;
  const total: PipelineStats = { ...first!, out: { ...first!.out }, deadLetters: { ...first!.deadLetters }, state: { ...first!.state } };
  for (const stats of [...rest, ...retired]) {
    total.recordsIn += stats.recordsIn;
    total.lateRecords += stats.lateRecords;
    total.duplicates += stats.duplicates;
    total.dropped += stats.dropped;
    for (const [key, n] of Object.entries(stats.out)) total.out[key] = (total.out[key] ?? 0) + n;
    for (const [key, n] of Object.entries(stats.deadLetters)) total.deadLetters[key] = (total.deadLetters[key] ?? 0) + n;
  }
  for (const stats of rest) {
    total.stateBytes += stats.stateBytes;
    for (const [key, n] of Object.entries(stats.state)) total.state[key] = (total.state[key] ?? 0) + n;
    if (stats.lastCheckpointAt !== null) total.lastCheckpointAt = Math.max(total.lastCheckpointAt ?? 0, stats.lastCheckpointAt);
  }
  return total;
}
