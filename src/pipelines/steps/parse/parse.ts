// Step `parse`: a text line into a JSON object.
// - `{format: json}`: a text line (a body that is only `{message: "..."}`, as the runner hands a
//   line that was not a JSON object) must be a JSON object, which becomes the body; any other
//   body already is an object from JSON ingest and passes unchanged.
// - `{format: pattern, pattern, field?}`: the text at `field` (default `message`) is split by a
//   pattern (pattern.ts) into named, typed fields; the text field is removed and the fields are set
//   (a field named like it, `%{rest:message}`, keeps a part of it). To keep the whole line, copy it
//   first with `enrich`.
// A line that does not parse is rejected with the reason.
import type { PipelineRecord, Rejection, Step, StepKind } from '../../step.ts';
import { removeAt, setAt, splitFieldPath, valueAt, writableCopy } from '../../../record/field-path.ts';
import { checkShape, DEFAULT_LIMITS } from '../../../record/limits.ts';
import { isPlainObject } from '../../../record/normalize.ts';
import { compilePattern, FIELD_TYPES, type LinePattern } from './pattern.ts';

export type ParseOptions = { format: 'json' } | { format: 'pattern'; pattern: string; field?: string };

const MAX_REASON = 300;

function jsonStep(): Step {
  return {
    process(records) {
      const out: PipelineRecord[] = [];
      const rejected: Rejection[] = [];
      for (const record of records) {
        const line = textLine(record.body);
        if (line === undefined) {
          out.push(record);
          continue;
        }
        const parsed = parseJsonObject(line);
        if (typeof parsed === 'string') rejected.push({ record, reason: parsed });
        else out.push({ ...record, body: parsed });
      }
      return { records: out, rejected };
    },
  };
}

function textLine(body: Record<string, unknown>): string | undefined {
  return onlyKey(body, 'message') && typeof body.message === 'string' ? body.message : undefined;
}

function onlyKey(body: Record<string, unknown>, only: string): boolean {
  let keys = 0;
  for (const key in body) if (++keys > 1 || key !== only) return false;
  return keys === 1;
}

/** The object, or the reason it is not one. */
function parseJsonObject(line: string): Record<string, unknown> | string {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (error) {
    return `message is not valid JSON: ${(error as Error).message}`.slice(0, MAX_REASON);
  }
  if (!isPlainObject(value)) return `message is JSON ${value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`}, not an object`;
  // The limits ingest applies to a JSON record; the step has no config of its own for them.
  const broken = checkShape(value, DEFAULT_LIMITS);
  return broken === null ? value : `message JSON has ${broken}`;
}

function patternStep(pattern: LinePattern, field: string): Step {
  const source = splitFieldPath(field);
  if (!source) throw new Error(`parse: field '${field}' is not a field path`);
  const written = [source, ...pattern.fields];
  return {
    process(records) {
      const out: PipelineRecord[] = [];
      const rejected: Rejection[] = [];
      for (const record of records) {
        const line = valueAt(record.body, source);
        if (typeof line !== 'string') {
          const what = line === undefined ? 'is missing' : `is ${line === null ? 'null' : typeof line}, not text`;
          rejected.push({ record, reason: `field '${field}' ${what}` });
          continue;
        }
        const matched = pattern.match(line);
        if ('reason' in matched) {
          rejected.push({ record, reason: matched.reason.slice(0, MAX_REASON) });
          continue;
        }
        // the usual case, a bare line: a fresh body of the fields alone
        const bare = source.length === 1 && onlyKey(record.body, source[0]!);
        const body = bare ? {} : writableCopy(record.body, written);
        if (!bare) removeAt(body, source);
        const conflict = pattern.fields.findIndex((path, i) => !setAt(body, path, matched.values[i]));
        if (conflict >= 0) {
          rejected.push({ record, reason: `cannot set field '${pattern.fields[conflict]!.join('.')}': a field on its way is not an object` });
          continue;
        }
        out.push({ ...record, body });
      }
      return { records: out, rejected };
    },
  };
}

export const parseStep: StepKind<ParseOptions> = {
  name: 'parse',
  description: 'Parses a text line: as a JSON object, or into named, typed fields by a pattern',
  options: {
    type: 'object',
    required: ['format'],
    additionalProperties: false,
    properties: {
      format: { enum: ['json', 'pattern'], description: 'json: the line is a JSON object; pattern: fields by `pattern`' },
      pattern: {
        type: 'string',
        minLength: 1,
        description: `Literal text and fields %{type:name}; types: ${Object.keys(FIELD_TYPES).join(', ')}`,
      },
      field: { type: 'string', minLength: 1, description: 'The field holding the text line (default message)' },
    },
    if: { properties: { format: { const: 'pattern' } } },
    then: { required: ['pattern'] },
    else: { not: { anyOf: [{ required: ['pattern'] }, { required: ['field'] }] } },
  },
  create(options) {
    if (options.format === 'json') return jsonStep();
    return patternStep(compilePattern(options.pattern), options.field ?? 'message');
  },
};
