// Pipelines as the config file declares them (`pipelines:` in tributary.yaml), and the JSON Schema
// of that section, composed from the registered step kinds: a step is an object with exactly one
// key, the kind's name, whose value its options schema checks, so a bad option fails at start
// naming its key (pipelines.NAME.steps.2.window.size).
import type { StepKind } from './step.ts';
import type { AutoscaleConfig } from './autoscale/pipeline-workers.ts';

export const DEAD_LETTER_FORMATS = ['tributary', 'user-login', 'sunbird'] as const;
export type DeadLetterFormat = (typeof DEAD_LETTER_FORMATS)[number];

/** Where one output's records go: a topic of the log (a stream, indexed like any other) or straight into a store stream. */
export type OutputConfig = { topic: string } | { store: string };

export interface PipelineConfig {
  enabled?: boolean;
  description?: string;
  input: { streams?: string[]; topics?: string[] };
  /** The consumer group; default `pipeline-NAME`. */
  group?: string;
  steps: Array<Record<string, unknown>>;
  /** By name; a record goes to the one `route` named, else to `default`. */
  outputs: Record<string, OutputConfig>;
  deadLetters?: { topic?: string; format?: DeadLetterFormat };
  read?: { maxRecords?: number; maxWait?: string; linger?: string };
  /** How often state and offsets are checkpointed (when no step holds records in memory). */
  checkpointEvery?: string;
  /** Run 1 to N workers of the group by its backlog (autoscale/pipeline-workers.ts). */
  autoscale?: AutoscaleConfig;
}

export const DEFAULT_DEAD_LETTER_STREAM = '_dead_letters';

const DURATION = { type: 'string', pattern: '^(?:\\d+(?:\\.\\d+)?(?:ms|s|m|h|d|w))+$' } as const;
const TOPIC = { type: 'string', pattern: '^[A-Za-z0-9_][A-Za-z0-9._-]{0,199}$' } as const;

export function pipelinesSchema(steps: readonly StepKind[]): Record<string, unknown> {
  const step = {
    type: 'object',
    minProperties: 1,
    maxProperties: 1,
    properties: Object.fromEntries(steps.map((kind) => [kind.name, { ...kind.options, description: kind.description }])),
    additionalProperties: false,
    description: `One step: an object with one key, the step's kind (${steps.map((kind) => kind.name).join(', ')}), holding its options.`,
  };
  const output = {
    type: 'object',
    oneOf: [
      { properties: { topic: { ...TOPIC, description: 'A topic of the log, indexed as the stream of that name.' } }, required: ['topic'], additionalProperties: false },
      { properties: { store: { ...TOPIC, description: 'A stream of the store, written directly (no log topic).' } }, required: ['store'], additionalProperties: false },
    ],
  };
  const pipeline = {
    type: 'object',
    additionalProperties: false,
    required: ['input', 'steps', 'outputs'],
    properties: {
      enabled: { type: 'boolean', default: true },
      description: { type: 'string' },
      input: {
        type: 'object',
        additionalProperties: false,
        minProperties: 1,
        properties: {
          streams: { type: 'array', items: TOPIC, description: 'Streams read (their topics on the log, as ingest writes them).' },
          topics: { type: 'array', items: TOPIC, description: 'Topics of the log read by name.' },
        },
      },
      group: { ...TOPIC, description: 'The consumer group (default pipeline-NAME).' },
      steps: { type: 'array', items: step },
      outputs: {
        type: 'object',
        minProperties: 1,
        additionalProperties: output,
        description: 'Outputs by name; records go to `default` unless a route step names another.',
      },
      deadLetters: {
        type: 'object',
        additionalProperties: false,
        properties: {
          topic: { ...TOPIC, default: DEFAULT_DEAD_LETTER_STREAM, description: 'Rejected records go to this topic (a stream).' },
          format: { enum: [...DEAD_LETTER_FORMATS], default: 'tributary', description: 'tributary: original, reason, pipeline, step, origin, time; user-login: seed 001\'s {topic_name, message, error, processed_at_utc}; sunbird: seed 003\'s event with flags.pp_validation_processed false and metadata.validation_error.' },
        },
        default: {},
      },
      read: {
        type: 'object',
        additionalProperties: false,
        properties: {
          maxRecords: { type: 'integer', minimum: 1, maximum: 100000, default: 2000 },
          maxWait: { ...DURATION, default: '100ms' },
          linger: { ...DURATION, description: 'When a read finds fewer than maxRecords, wait this long for more: fewer, larger batches (fewer writes and fsyncs per record), this much later.' },
        },
        default: {},
      },
      checkpointEvery: { ...DURATION, default: '1s' },
      autoscale: {
        type: 'object',
        additionalProperties: false,
        required: ['thresholds'],
        description: 'Run 1 to N workers (group members) in this process, one more for each threshold the backlog (records not read yet) is over; never more than the input has partitions.',
        properties: {
          thresholds: { type: 'array', items: { type: 'integer', minimum: 1 }, minItems: 1, maxItems: 63, description: 'Backlog sizes, e.g. [50000, 100000]: over the first 2 workers, over the second 3.' },
          maxWorkers: { type: 'integer', minimum: 1, maximum: 64, description: 'At most this many workers (default: one more than there are thresholds).' },
          cooldown: { ...DURATION, default: '60s', description: 'A worker stops only after the backlog stayed low this long, and this long after the last change.' },
          interval: { ...DURATION, default: '5s', description: 'How often the backlog is measured.' },
        },
      },
    },
  };
  return {
    type: 'object',
    default: {},
    propertyNames: { pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$' },
    additionalProperties: pipeline,
    description: 'Pipelines by name: input topics → steps → outputs, each a consumer group (docs/pipelines.md).',
  };
}
