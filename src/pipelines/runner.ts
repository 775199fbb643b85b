// The pipeline runner: a consumer-group job. It reads batches of its input topics, runs them
// through the steps, writes what comes out to the outputs and what a step rejected to the
// dead-letter topic, and only then, when no step holds records in memory, checkpoints the step
// states with the consumed offsets (one file) and commits the offsets to the group. Batches of
// all partitions and the timer that lets windows close and batches flush go through one queue,
// so steps never run concurrently; a batch's outputs are written while the next one runs through
// the steps, and a checkpoint waits for them. A restart resumes from the checkpoint: records after it are
// read again, and their outputs replace the earlier ones by id (never duplicated).
import type { Consumer, ConsumedMessage, Log, MessageBatch, PartitionOffset, TopicPartition } from '../log/log.ts';
import { partitionKey } from '../log/log.ts';
import { routeStream, type StreamLog } from '../log/stream-topics.ts';
import type { Store } from '../stores/store.ts';
import type { Metrics } from '../metrics.ts';
import { messageBody } from '../record/message-body.ts';
import { parseDuration } from '../query/duration.ts';
import type { EmittedRecord, PipelineRecord, RecordOrigin, Rejection, Step } from './step.ts';
import { DEFAULT_DEAD_LETTER_STREAM, type PipelineConfig } from './config.ts';
import { Outputs, type OutgoingRecord } from './outputs.ts';
import { checkpointFile, readCheckpoint, stepStateDir, writeCheckpoint, type Checkpoint } from './checkpoint.ts';
import { deadLetterBody, type DeadLetter } from './dead-letter-formats.ts';
import { createSteps, type NamedStep } from './build.ts';
import type { SharedKeys } from './steps/dedup/redis-keys.ts';
import { failPoint } from './fail-point.ts';

const TICK_MS = 200;
const MAX_INFLIGHT_WRITES = 4;

export interface RunnerDeps {
  streams: StreamLog[];
  store: Store;
  dataDir: string;
  /** Partitions of a stream's or topic's topic when it is created here. */
  partitionsOf: (stream: string) => number;
  metrics?: Metrics;
  now?: () => number;
  /** Dedup keys shared with other processes (Redis, --redis). */
  sharedKeys?: SharedKeys;
  /** Which of the group's workers in this process (the autoscaler runs 1 to N); each has its own checkpoint. */
  worker?: number;
}

export interface PipelineStats {
  name: string;
  group: string;
  inputTopics: string[];
  recordsIn: number;
  out: Record<string, number>;
  deadLetters: Record<string, number>;
  lateRecords: number;
  /** Records a dedup step dropped as already seen. */
  duplicates: number;
  /** Records a step dropped on purpose, counted (Sunbird's denormalizer: events too old). */
  dropped: number;
  /** Bytes of the last checkpoint. */
  stateBytes: number;
  /** Open windows, keys held: what each stateful step holds now. */
  state: Record<string, number>;
  lastCheckpointAt: number | null;
}

/** The input's log and topics: streams by their topics, topics by name, on the log streams live on. */
function inputOf(config: PipelineConfig, streams: StreamLog[]): { log: Log; topics: string[] } {
  const routes = (config.input.streams ?? []).map((stream) => routeStream(streams, stream));
  const main = streams.at(-1)!.log;
  const logs = new Set(routes.map((route) => route.log));
  if (logs.size > 1 || (logs.size === 1 && config.input.topics?.length && !logs.has(main))) {
    throw new Error('a pipeline reads from one log: its input streams live on different logs');
  }
  return { log: routes[0]?.log ?? main, topics: [...routes.map((route) => route.topic), ...(config.input.topics ?? [])] };
}

export class PipelineRunner {
  readonly name: string;
  readonly group: string;
  readonly config: PipelineConfig;
  readonly #deps: RunnerDeps;
  readonly #now: () => number;
  readonly #input: { log: Log; topics: string[] };
  readonly #outputs: Outputs;
  readonly #checkpointFile: string;
  readonly #stateDir: string;
  readonly #checkpointEveryMs: number;
  #steps: NamedStep[] = [];
  #consumer?: Consumer;
  #running?: Promise<void>;
  #timer?: NodeJS.Timeout;
  #queue: Promise<void> = Promise.resolve();
  /** Next offset per partition, consumed and handed to the steps. */
  readonly #consumed = new Map<string, PartitionOffset>();
  #restored?: Checkpoint;
  #dirty = false;
  #failed = false;
  readonly #inflight = new Set<Promise<void>>();
  #stopped = false;
  #paused = false;
  #stats: PipelineStats;

  constructor(name: string, config: PipelineConfig, deps: RunnerDeps) {
    this.name = name;
    this.config = config;
    this.group = config.group ?? `pipeline-${name}`;
    this.#deps = deps;
    this.#now = deps.now ?? Date.now;
    this.#input = inputOf(config, deps.streams);
    this.#outputs = new Outputs(config.outputs, { pipeline: name, group: this.group, streams: deps.streams, store: deps.store, partitionsOf: deps.partitionsOf });
    if (!this.#outputs.has('default') && !config.steps.some((step) => 'route' in step)) {
      throw new Error(`pipelines.${name}.outputs: needs an output named default (or a route step naming outputs)`);
    }
    config.steps.forEach((step, i) => {
      const emitTo = (step.emit as { output?: string } | undefined)?.output;
      if (emitTo !== undefined && !this.#outputs.has(emitTo)) throw new Error(`pipelines.${name}.steps.${i}.emit.output: no output named '${emitTo}' (outputs: ${this.#outputs.names().join(', ')})`);
    });
    this.#checkpointFile = checkpointFile(deps.dataDir, name, deps.worker);
    this.#stateDir = stepStateDir(deps.dataDir, name, deps.worker);
    this.#checkpointEveryMs = parseDuration(config.checkpointEvery ?? '1s');
    this.#stats = { name, group: this.group, inputTopics: this.#input.topics, recordsIn: 0, out: {}, deadLetters: {}, lateRecords: 0, duplicates: 0, dropped: 0, stateBytes: 0, state: {}, lastCheckpointAt: null };
  }

  readonly #streamOf = (topic: string): string => this.#deps.streams.find((streamLog) => streamLog.log === this.#input.log)?.topics.streamOf(topic) ?? topic;

  get inputLog(): Log {
    return this.#input.log;
  }

  /** Creates the steps (restored from the checkpoint) and starts consuming. */
  async start(): Promise<void> {
    this.#restored = await readCheckpoint(this.#checkpointFile);
    this.#steps = await createSteps(this.name, this.config.steps, { now: this.#now, restored: this.#restored?.steps, sharedKeys: this.#deps.sharedKeys, stateDir: this.#stateDir });
    await this.#outputs.loadStored();
    for (const stream of this.config.input.streams ?? []) {
      const route = routeStream(this.#deps.streams, stream);
      await route.log.createTopic(route.topic, { partitions: this.#deps.partitionsOf(stream), ...route.mark });
    }
    for (const topic of this.config.input.topics ?? []) await this.#input.log.createTopic(topic, { partitions: this.#deps.partitionsOf(topic) });
    if (!this.#paused) this.#startConsumer();
    this.#timer = setInterval(() => { void this.#enqueue(() => this.#tick()).catch(() => undefined); }, TICK_MS);
    this.#timer.unref();
  }

  #startConsumer(): void {
    const { maxRecords = 2000, maxWait = '100ms', linger } = this.config.read ?? {};
    const consumer = this.#input.log.createConsumer({
      group: this.group,
      topics: this.#input.topics,
      commit: 'manual',
      fromBeginning: true,
      maxBatchMessages: maxRecords,
      maxWaitMs: parseDuration(maxWait),
      lingerMs: linger === undefined ? 0 : parseDuration(linger),
      onAssign: (partitions) => this.#resumePoints(partitions),
      onRevoke: () => this.#enqueue(() => this.#flush(true)),
    });
    this.#consumer = consumer;
    this.#running = consumer.run((batch) => this.#enqueue(() => this.#process(batch)))
      .catch((error: unknown) => console.error(`pipeline ${this.name}: stopped reading`, error));
  }

  /**
   * After a failed write the steps' memory is ahead of what is durable: they are created again
   * from the last checkpoint and the consumer starts again from its offsets.
   */
  async #restart(): Promise<void> {
    if (this.#stopped) return;
    await this.#consumer?.stop();
    await this.#running;
    await Promise.allSettled([...this.#inflight]);
    if (this.#stopped) return;
    for (const { step } of this.#steps) await step.close?.();
    this.#steps = await createSteps(this.name, this.config.steps, { now: this.#now, restored: this.#restored?.steps, sharedKeys: this.#deps.sharedKeys, stateDir: this.#stateDir });
    this.#consumed.clear();
    this.#dirty = false;
    this.#failed = false;
    if (!this.#paused) this.#startConsumer();
  }

  #fail(error: unknown): void {
    if (this.#failed) return;
    this.#failed = true;
    console.error(`pipeline ${this.name}: a write failed, restarting from the last checkpoint in 1 s:`, (error as Error).message);
    setTimeout(() => {
      this.#restart().catch((restartError: unknown) => {
        console.error(`pipeline ${this.name}: could not restart`, restartError);
        this.#failed = false;
        this.#fail(restartError);
      });
    }, 1000).unref();
  }

  /** Next offset per partition read and through the steps, of the partitions this worker read. */
  consumedPositions(): ReadonlyMap<string, number> {
    return new Map([...this.#consumed].map(([key, { offset }]) => [key, offset]));
  }

  get paused(): boolean {
    return this.#paused;
  }

  /** Leaves the group until resume(), what the steps hold written and committed first. */
  async pause(): Promise<void> {
    if (this.#paused || this.#stopped) return;
    this.#paused = true;
    await this.#consumer?.stop();
    await this.#running;
    this.#consumer = undefined;
  }

  resume(): void {
    if (!this.#paused || this.#stopped) return;
    this.#paused = false;
    if (!this.#failed) this.#startConsumer();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#timer);
    await this.#consumer?.stop();
    await this.#running;
    await this.#queue.catch(() => undefined);
    await Promise.allSettled([...this.#inflight]);
    for (const { step } of this.#steps) await step.close?.();
  }

  stats(): PipelineStats {
    const state: Record<string, number> = {};
    for (const { name, step } of this.#steps) {
      const held = step as Step & { openGroups?: number; keys?: number; lateRecords?: number };
      if (held.openGroups !== undefined) state[`${name}.openWindows`] = held.openGroups;
      if (held.keys !== undefined) state[`${name}.keys`] = held.keys;
    }
    const total = (counter: 'lateRecords' | 'duplicates' | 'dropped') => this.#steps.reduce((sum, { step }) => sum + ((step as Partial<Record<typeof counter, number>>)[counter] ?? 0), 0);
    return { ...this.#stats, out: { ...this.#stats.out }, deadLetters: { ...this.#stats.deadLetters }, state, lateRecords: total('lateRecords'), duplicates: total('duplicates'), dropped: total('dropped') };
  }

  #enqueue(task: () => Promise<void>): Promise<void> {
    const next = this.#queue.then(task);
    this.#queue = next.catch(() => undefined);
    return next;
  }

  async #resumePoints(partitions: TopicPartition[]): Promise<Map<string, number>> {
    for (const { step } of this.#steps) step.assigned?.(partitions);
    await this.#outputs.loadStored();
    const resume = new Map<string, number>();
    for (const { topic, partition } of partitions) {
      const key = partitionKey(topic, partition);
      const saved = this.#restored?.offsets[key];
      if (saved !== undefined) resume.set(key, saved);
    }
    if (resume.size === 0) return resume;
    const committed = new Map((await this.#input.log.describeGroup(this.group)).partitions.map((p) => [partitionKey(p.topic, p.partition), p.committed]));
    for (const { topic, partition } of partitions) {
      const key = partitionKey(topic, partition);
      const saved = resume.get(key);
      const done = committed.get(key) ?? null;
      if (saved === undefined) continue;
      // a partition that was another worker's since this checkpoint: what that worker committed is done
      if (done !== null && done >= saved) {
        resume.set(key, done);
      } else {
        // a crash between the checkpoint and the group commit: the next checkpoint commits it
        this.#consumed.set(key, { topic, partition, offset: saved });
        this.#dirty = true;
      }
    }
    return resume;
  }

  async #process(batch: MessageBatch): Promise<void> {
    if (this.#failed) return;
    const records = batch.messages.map(toPipelineRecord);
    this.#stats.recordsIn += records.length;
    this.#deps.metrics?.pipelineRecordsIn.inc({ pipeline: this.name }, records.length);
    try {
      await this.#runFrom(0, records);
      const last = batch.messages.at(-1)!;
      this.#consumed.set(partitionKey(batch.topic, batch.partition), { topic: batch.topic, partition: batch.partition, offset: last.offset + 1 });
      this.#dirty = true;
      await this.#checkpointIfDue(false);
    } catch (error) {
      this.#fail(error);
    }
  }

  async #tick(): Promise<void> {
    if (this.#failed) return;
    for (let i = 0; i < this.#steps.length; i++) {
      const released = await this.#steps[i]!.step.tick?.();
      if (released && (released.records.length > 0 || released.rejected.length > 0)) {
        await this.#runFrom(i + 1, released.records, this.#rejections(i, released.rejected)).catch((error: unknown) => this.#fail(error));
        if (this.#failed) return;
      }
    }
    await this.#checkpointIfDue(false);
  }

  /** Releases what steps hold (a stop or a rebalance), writes it and checkpoints. */
  async #flush(force: boolean): Promise<void> {
    if (this.#failed) return;
    for (let i = 0; i < this.#steps.length; i++) {
      const released = await this.#steps[i]!.step.drain?.();
      if (released && (released.records.length > 0 || released.rejected.length > 0)) await this.#runFrom(i + 1, released.records, this.#rejections(i, released.rejected));
    }
    await this.#checkpointIfDue(force);
  }

  #rejections(stepIndex: number, rejected: Rejection[]): DeadLetter[] {
    const at = this.#now();
    return rejected.map(({ record, reason }) => ({ record, reason, pipeline: this.name, step: this.#steps[stepIndex]!.name, at }));
  }

  /** Runs records through the steps from `first` on, then writes outputs and dead letters. */
  async #runFrom(first: number, input: PipelineRecord[], letters: DeadLetter[] = []): Promise<void> {
    let records = input;
    const emitted: EmittedRecord[] = [];
    for (let i = first; i < this.#steps.length && records.length > 0; i++) {
      const result = await this.#steps[i]!.step.process(records);
      if (result.rejected.length > 0) {
        for (let j = i + 1; j < this.#steps.length; j++) this.#steps[j]!.step.rejected?.(result.rejected);
        letters.push(...this.#rejections(i, result.rejected));
      }
      if (result.emitted) emitted.push(...result.emitted);
      records = result.records;
    }
    await this.#write([...emitted, ...records.map((record) => ({ record }))], letters);
  }

  async #write(outgoing: Array<{ record: PipelineRecord; value?: Buffer }>, letters: DeadLetter[]): Promise<void> {
    const byOutput = new Map<string, OutgoingRecord[]>();
    const numbered = new Map<string, Map<RecordOrigin, number>>();
    for (const { record, value } of outgoing) {
      const output = record.output ?? 'default';
      if (!this.#outputs.has(output)) {
        letters.push({ record, reason: `no output named '${output}' in pipeline ${this.name} (outputs: ${this.#outputs.names().join(', ')})`, pipeline: this.name, step: 'output', at: this.#now() });
        continue;
      }
      let list = byOutput.get(output);
      if (!list) {
        list = [];
        byOutput.set(output, list);
        numbered.set(output, new Map());
      }
      list.push({ record, value, id: this.#idOf(record, output, numbered.get(output)!) });
    }
    const { topic = DEFAULT_DEAD_LETTER_STREAM, format = 'tributary' } = this.config.deadLetters ?? {};
    const deadLetters = letters.map((letter) => ({
      record: { ...letter.record, body: deadLetterBody(letter, format, this.#streamOf) },
      id: `${this.name}/dl/${letter.record.id ?? originKey(letter.record)}`,
    }));
    const written = this.#outputs.write(byOutput, [{ topic, records: deadLetters }]).then(() => {
      for (const [output, list] of byOutput) {
        this.#stats.out[output] = (this.#stats.out[output] ?? 0) + list.length;
        this.#deps.metrics?.pipelineRecordsOut.inc({ pipeline: this.name, output }, list.length);
      }
      for (const letter of letters) {
        this.#stats.deadLetters[letter.step] = (this.#stats.deadLetters[letter.step] ?? 0) + 1;
        this.#deps.metrics?.pipelineDeadLetters.inc({ pipeline: this.name, step: letter.step });
      }
    });
    this.#inflight.add(written);
    written.then(() => this.#inflight.delete(written), (error: unknown) => {
      this.#inflight.delete(written);
      this.#fail(error);
    });
    // the next batch's steps run while this one is written; a few writes at once keep the store's lanes busy
    if (this.#inflight.size >= MAX_INFLIGHT_WRITES) await Promise.race(this.#inflight);
  }

  /** Waits for the writes in flight; rejects when one failed. */
  async #settle(): Promise<void> {
    await Promise.all(this.#inflight);
  }

  /**
   * A record with an id of its own (a window's, an extracted event's): the pipeline and that id.
   * Others on a topic: their origin (several from one origin numbered in the order written). Others
   * into the store: none, the store keys them by origin position.
   */
  #idOf(record: PipelineRecord, output: string, earlier: Map<RecordOrigin, number>): string | undefined {
    if (record.id !== undefined) return `${this.name}/${record.id}`;
    const n = earlier.get(record.origin) ?? 0;
    earlier.set(record.origin, n + 1);
    const storeOutput = 'store' in this.config.outputs[output]!;
    if (storeOutput && n === 0) return undefined;
    return `${this.name}/${originKey(record)}${n > 0 ? `/${n}` : ''}`;
  }

  async #checkpointIfDue(force: boolean): Promise<void> {
    if (force) await this.#settle();
    if (!this.#dirty) return;
    if (this.#steps.some(({ step }) => step.holding?.())) return;
    const last = this.#stats.lastCheckpointAt;
    if (!force && last !== null && this.#now() - last < this.#checkpointEveryMs) return;
    // the offsets count as done only once what the steps made of them is durable; a write that
    // failed has left the set settle() waits for, so the flag says it
    await this.#settle();
    if (this.#failed) return;
    failPoint(`pipeline ${this.name}: written`);
    const offsets = Object.fromEntries([...this.#consumed].map(([key, { offset }]) => [key, offset]));
    const steps = await Promise.all(this.#steps.map(async ({ step }) => (await step.snapshot?.()) ?? null));
    const checkpoint: Checkpoint = { offsets: { ...this.#restored?.offsets, ...offsets }, steps, at: this.#now() };
    const beside = this.#steps.reduce((sum, { step }) => sum + ((step as { stateBytes?: number }).stateBytes ?? 0), 0);
    this.#stats.stateBytes = (await writeCheckpoint(this.#checkpointFile, checkpoint)) + beside;
    this.#restored = checkpoint;
    this.#dirty = false;
    this.#stats.lastCheckpointAt = checkpoint.at;
    this.#deps.metrics?.pipelineStateBytes.set({ pipeline: this.name }, this.#stats.stateBytes);
    failPoint(`pipeline ${this.name}: checkpointed`);
    await this.#consumer?.commit([...this.#consumed.values()]);
  }
}

/** A JSON object's text, or a line of text (not parsed as JSON: a failed parse is costly at 100k lines/s). */
function bodyOf(value: Buffer): Record<string, unknown> {
  let first = 0;
  while (first < value.length && (value[first] === 0x20 || value[first] === 0x09)) first++;
  return value[first] === 0x7b ? messageBody(value).body : { message: value.toString('utf8') };
}

function toPipelineRecord(message: ConsumedMessage): PipelineRecord {
  return {
    body: bodyOf(message.value),
    origin: { topic: message.topic, partition: message.partition, offset: message.offset, ingestedAt: message.timestamp, bytes: message.value.length },
  };
}

function originKey(record: PipelineRecord): string {
  const { topic, partition, offset } = record.origin;
  return `${topic}/${partition}/${offset}`;
}
