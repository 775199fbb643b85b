// The batch step: holds records until maxRecords have gathered or maxWait has passed since the
// first of them, whichever comes first (seed 004: 1000 lines or 1 s; seed 000: 15 minutes or N
// records), so the outputs after it are written in few large writes. Held records are in memory
// only: the runner commits no offset past them until they are released (holding()).
import type { PipelineRecord, Step, StepContext, StepKind, StepResult } from '../../step.ts';
import { parseDuration } from '../../../query/duration.ts';

export interface BatchOptions {
  maxRecords?: number;
  maxWait?: string;
}

const optionsSchema = {
  type: 'object',
  properties: {
    maxRecords: { type: 'integer', minimum: 1, default: 1000, description: 'Release once this many records are held.' },
    maxWait: { type: 'string', pattern: '^(?:\\d+(?:\\.\\d+)?(?:ms|s|m|h|d|w))+$', default: '1s', description: 'Release once the oldest held record waited this long, e.g. 1s, 15m.' },
  },
  additionalProperties: false,
} as const;

export const batchStep = {
  name: 'batch',
  description: 'Holds records until max records or max wait, whichever comes first.',
  options: optionsSchema,
  create(options: BatchOptions, context: StepContext): Step {
    const maxRecords = options.maxRecords ?? 1000;
    const maxWaitMs = parseDuration(options.maxWait ?? '1s');
    let held: PipelineRecord[] = [];
    let since = 0;

    const release = (all: boolean): StepResult => {
      const full = all ? held.length : held.length - (held.length % maxRecords);
      const records = held.slice(0, full);
      held = held.slice(full);
      if (held.length > 0 && full > 0) since = context.now();
      return { records, rejected: [] };
    };

    return {
      process(records) {
        if (held.length === 0 && records.length > 0) since = context.now();
        held = held.length === 0 ? records : held.concat(records);
        return release(false);
      },
      tick: () => release(held.length > 0 && context.now() - since >= maxWaitMs),
      drain: () => release(true),
      holding: () => held.length > 0,
    };
  },
} satisfies StepKind<BatchOptions>;
