// The pipeline step interface (ARCHITECTURE.md, "pipelines/"): a step turns a batch of records
// into records for the next step, and rejects what it cannot take with a reason (the runner sends
// those to the pipeline's dead-letter topic with the step's name and the record's origin). Steps
// are registered by kind, each with the JSON Schema of its options (src/registry.ts composes the
// configuration schema from them), and created once per pipeline from validated options.

/** Where a record came from: kept with every output so it can be traced to its input. */
export interface RecordOrigin {
  topic: string;
  partition: number;
  offset: number;
  /** The log's append time, ms. */
  ingestedAt: number;
}

export interface PipelineRecord {
  /** The record as a JSON object (a text line before `parse` is `{ "message": line }`). */
  body: Record<string, unknown>;
  origin: RecordOrigin;
  /** Set by `route`: the name of the output the record goes to; unset, the pipeline's default. */
  output?: string;
}

export interface Rejection {
  record: PipelineRecord;
  /** What is wrong, for a person: "Missing required fields: ['device_type']". */
  reason: string;
}

export interface StepResult {
  records: PipelineRecord[];
  rejected: Rejection[];
}

export interface StepContext {
  /** Processing time, ms: the runner's clock, controllable in tests. */
  now(): number;
  /** A directory of the data dir for the step's own state (dedup keys), created on first use. */
  stateDir: string;
}

export interface Step {
  /** Records in batch order; a step keeps the order of what it passes on. */
  process(records: PipelineRecord[]): Promise<StepResult> | StepResult;
  /** Makes the step's state durable (called before the runner commits offsets). */
  checkpoint?(): Promise<void>;
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
