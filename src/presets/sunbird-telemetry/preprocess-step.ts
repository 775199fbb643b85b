// The pipeline preprocessor's corrections (seed 003, PIPELINE_NOTES.md step 2), on events the
// validate step passed: flags.pp_validation_processed and type "events"; a federated actor id
// loses its `f:…:` prefix; a DialCode or QR object's id is upper-cased; a blank channel gets the
// default one; syncts and @timestamp fill each other in. LOG events go to the log output (they
// are not deduplicated).
import type { PipelineRecord, StepContext, StepKind, StepResult } from '../../pipelines/step.ts';
import { isPlainObject as isObject } from '../../record/normalize.ts';

export interface PreprocessOptions {
  /** The channel of an event whose context.channel is blank (the original's default.channel). */
  defaultChannel: string;
}


/** A copy of the event with the seed's corrections; the input is left as it was. */
export function corrected(event: Record<string, unknown>, defaultChannel: string): Record<string, unknown> {
  const out: Record<string, unknown> = { ...event, flags: { ...(isObject(event.flags) ? event.flags : {}), pp_validation_processed: true }, type: 'events' };
  if (isObject(event.actor) && typeof event.actor.id === 'string' && event.actor.id.startsWith('f:')) {
    out.actor = { ...event.actor, id: event.actor.id.slice(event.actor.id.lastIndexOf(':') + 1) };
  }
  if (isObject(event.object) && typeof event.object.id === 'string' && typeof event.object.type === 'string' && ['dialcode', 'qr'].includes(event.object.type.toLowerCase())) {
    out.object = { ...event.object, id: event.object.id.toUpperCase() };
  }
  if (isObject(event.context) && (typeof event.context.channel !== 'string' || event.context.channel.trim() === '')) {
    out.context = { ...event.context, channel: defaultChannel };
  }
  const stamp = typeof event['@timestamp'] === 'string' ? Date.parse(event['@timestamp']) : Number.NaN;
  if (typeof event.syncts !== 'number' && Number.isFinite(stamp)) out.syncts = stamp;
  if (typeof event['@timestamp'] !== 'string' && typeof event.syncts === 'number') out['@timestamp'] = new Date(event.syncts).toISOString();
  return out;
}

export const sunbirdPreprocessStep = {
  name: 'sunbird-preprocess',
  description: 'Sunbird pipeline preprocessor: flags and the seed\'s data corrections on validated events; LOG → output log.',
  options: {
    type: 'object',
    additionalProperties: false,
    properties: {
      defaultChannel: { type: 'string', minLength: 1, default: 'b00bc992ef25f1a9a8d63291e20efc8d', description: 'The channel of an event with a blank context.channel.' },
    },
  },
  create(options: PreprocessOptions, _context: StepContext) {
    return {
      process(records: PipelineRecord[]): StepResult {
        return {
          records: records.map((record) => {
            const body = corrected(record.body, options.defaultChannel);
            return body.eid === 'LOG' ? { ...record, body, output: 'log' } : { ...record, body };
          }),
          rejected: [],
        };
      },
    };
  },
} satisfies StepKind<PreprocessOptions>;
