// The `emit` step ends a stage of a pipeline: what the steps before it made is written now, as
// it is, and only part of it goes on. Several stages in one pipeline read and parse each record
// once, where a pipeline per stage would write it to a topic and parse it again from there.
//
//   - emit: { output: raw }   # unrouted records (and records routed to raw) → raw, and go on
//
// Records routed to another output are written there and go no further. The records that go on
// leave with their output unset, so later steps route them afresh. Each body is serialized here,
// once however many outputs share it, so a later step cannot change what was emitted.
import type { EmittedRecord, PipelineRecord, StepContext, StepKind, StepResult } from '../../step.ts';
import { serializer } from '../../outputs.ts';

export interface EmitOptions {
  output: string;
}

export const emitStep = {
  name: 'emit',
  description: 'Ends a stage: records are written to their outputs as they are now; unrouted records (and those routed to `output`) are written to `output` and go on to the next steps.',
  options: {
    type: 'object',
    additionalProperties: false,
    required: ['output'],
    properties: {
      output: { type: 'string', minLength: 1, description: 'Where unrouted records are written before they go on.' },
    },
  },
  create(options: EmitOptions, _context: StepContext) {
    return {
      process(records: PipelineRecord[]): StepResult {
        const textOf = serializer();
        const emitted: EmittedRecord[] = [];
        const onward: PipelineRecord[] = [];
        for (const record of records) {
          const value = textOf(record.body);
          if (record.output !== undefined && record.output !== options.output) {
            emitted.push({ record, value });
            continue;
          }
          emitted.push({ record: { ...record, output: options.output }, value });
          const { output: _output, ...rest } = record;
          onward.push(rest);
        }
        return { records: onward, rejected: [], emitted };
      },
    };
  },
} satisfies StepKind<EmitOptions>;
