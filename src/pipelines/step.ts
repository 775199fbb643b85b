// The pipeline step interface (ARCHITECTURE.md, "pipelines/"): a step turns a batch of records
// into records for the next step, and rejects what it cannot take with a reason (the runner sends
// those to the pipeline's dead-letter topic with the step's name and the record's origin). Steps
// are registered by kind, each with the JSON Schema of its options (src/registry.ts composes the
// configuration schema from them), and created once per pipeline from validated options.
import type { SharedKeys } from './steps/dedup/redis-keys.ts';

/** Where a record came from: kept with every output so it can be traced to its input. */
export interface RecordOrigin {
  topic: string;
  partition: number;
  offset: number;
  /** The log's append time, ms. */
  ingestedAt: number;
  /** The size of the message as read, bytes (unset on records made without one). */
  bytes?: number;
}

export interface PipelineRecord {
  /** The record as a JSON object (a text line before `parse` is `{ "message": line }`). */
  body: Record<string, unknown>;
  origin: RecordOrigin;
  /** Set by `route`: the name of the output the record goes to; unset, the pipeline's default. */
  output?: string;
  /**
   * An id of its own (a window and its key), unique within the pipeline: the record replaces the
   * one with this id when it is emitted again after a restart. Unset: the id comes from the origin.
   */
  id?: string;
}

export interface Rejection {
  record: PipelineRecord;
  /** What is wrong, for a person: "Missing required fields: ['device_type']". */
  reason: string;
}

export interface StepResult {
  records: PipelineRecord[];
  rejected: Rejection[];
  /** Written to their outputs with the pipeline's other outputs, not passed on (the emit step's). */
  emitted?: EmittedRecord[];
}

/** A record written as it was when emitted: `value` is its body's text, taken then. */
export interface EmittedRecord {
  record: PipelineRecord;
  value: Buffer;
}

export interface StepContext {
  /** Processing time, ms: the runner's clock, controllable in tests. */
  now(): number;
  /** What snapshot() returned at the checkpoint the pipeline resumes from; undefined on a first start. */
  restored?: unknown;
  /** The pipeline's name: state kept outside the process is kept under it. */
  pipeline?: string;
  /** Keys shared between processes (Redis, with --redis): dedup keeps its keys there instead of in its snapshot. */
  sharedKeys?: SharedKeys;
  /** A directory of the step's own beside the pipeline's checkpoint, for state too big to write whole each time (dedup's key journal); unset in `pipeline test`. */
  stateDir?: string;
}

export interface Step {
  /** Records in batch order; a step keeps the order of what it passes on. */
  process(records: PipelineRecord[]): Promise<StepResult> | StepResult;
  /**
   * Called on the runner's timer: what the step releases without new input (a window closing on
   * its watermark or when the input went idle, a batch at its max wait). Records go through the
   * steps after this one.
   */
  tick?(): Promise<StepResult> | StepResult;
  /**
   * The input partitions this member was given (at start and after a rebalance): a window holds
   * its watermark back for each until it has records or goes idle, so a partition read later
   * than another never finds its windows closed.
   */
  assigned?(partitions: Array<{ topic: string; partition: number }>): void;
  /** Sees what the steps before it rejected (a window counting errors per window). */
  rejected?(rejections: Rejection[]): void;
  /** Releases everything held in memory that is not in the snapshot (a batch when the pipeline stops). */
  drain?(): Promise<StepResult> | StepResult;
  /**
   * Whether records are held in memory that no snapshot keeps (a batch waiting to fill): the
   * runner checkpoints and commits only when no step holds any, so none is lost in a crash.
   */
  holding?(): boolean;
  /**
   * The step's state as JSON, written atomically with the consumed offsets in one checkpoint
   * (window accumulators, dedup keys), handed back through StepContext.restored after a restart.
   * What it names in its stateDir must be durable when the promise resolves.
   */
  snapshot?(): unknown;
  close?(): Promise<void>;
}

/** A kind of step, as pipelines name it in config (`- parse: {format: json}`). */
export interface StepKind<Options = unknown> {
  name: string;
  description: string;
  /** JSON Schema of the options: a pipeline with bad options fails at start naming the key. */
  options: Record<string, unknown>;
  /** Options arrive validated against `options` (with its defaults filled in). */
  create(options: Options, context: StepContext): Step | Promise<Step>;
}

export const passed = (records: PipelineRecord[]): StepResult => ({ records, rejected: [] });
