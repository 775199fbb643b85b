// The validate step: JSON Schema validation (ajv), one schema for every record or one chosen per
// record by a field (Sunbird: by eid), or a list of required fields (seed 001). A record that
// fails is rejected with the reason; the runner sends it to the dead-letter topic.
import type { PipelineRecord, Rejection, Step, StepKind } from '../../step.ts';
import { splitFieldPath, valueAt } from '../../../record/field-path.ts';
import { SchemaCompiler, type Check, type RefDirs } from './schemas.ts';
import { missingFieldsReason, schemaReason } from './reasons.ts';

type SchemaSource = Record<string, unknown> | string;

export interface ValidateOptions {
  /** One inline schema for every record. */
  schema?: Record<string, unknown>;
  /** One schema file (JSON) for every record; a relative path is from the working directory. */
  file?: string;
  /** A dotted path whose value picks the schema in `schemas` (Sunbird: eid). */
  by?: string;
  /** Schema (inline or file path) per value of `by`. */
  schemas?: Record<string, SchemaSource>;
  /** With `by`: a record whose value has no schema is rejected (default) or passed. */
  otherwise?: 'reject' | 'pass';
  /** Shorthand: fields (dotted paths) that must be present and not null. */
  required?: string[];
  /** Where `$ref`s to other files resolve: URI prefix → directory (relative: from the working directory). */
  refs?: RefDirs;
}

const schemaOrFile = { oneOf: [{ type: 'object' }, { type: 'string', minLength: 1 }] };

const optionsSchema = {
  type: 'object',
  properties: {
    schema: { type: 'object', description: 'One JSON Schema for every record.' },
    file: { type: 'string', minLength: 1, description: 'A JSON Schema file for every record.' },
    by: { type: 'string', minLength: 1, description: 'Field (dotted path) whose value chooses the schema, e.g. eid.' },
    schemas: {
      type: 'object',
      minProperties: 1,
      additionalProperties: schemaOrFile,
      description: 'Schema (inline or a file path) per value of `by`.',
    },
    otherwise: { enum: ['reject', 'pass'], default: 'reject', description: 'A record with no schema for its `by` value.' },
    refs: {
      type: 'object',
      additionalProperties: { type: 'string', minLength: 1 },
      description: 'Where $refs to other schema files resolve: URI prefix → directory, e.g. {"resource:/schemas/telemetry/3.0/": "schemas/"}.',
    },
    required: {
      type: 'array',
      minItems: 1,
      items: { type: 'string', minLength: 1 },
      description: 'Shorthand: fields that must be present (rejected as "Missing required fields: [...]").',
    },
  },
  additionalProperties: false,
  dependencies: { by: ['schemas'], schemas: ['by'] },
  oneOf: [{ required: ['schema'] }, { required: ['file'] }, { required: ['by'] }, { required: ['required'] }],
} as const;

function fieldPath(field: string, key: string): string[] {
  const segments = splitFieldPath(field);
  if (!segments) throw new Error(`validate: ${key} '${field}' is not a field path (an empty segment)`);
  return segments;
}

/** Checks one record; undefined when it passes, else the reason. */
type Validator = (body: Record<string, unknown>) => string | undefined;

function requiredValidator(fields: readonly string[]): Validator {
  const paths = fields.map((field) => fieldPath(field, 'required field'));
  return (body) => {
    const missing = fields.filter((_, i) => valueAt(body, paths[i]!) == null);
    return missing.length === 0 ? undefined : missingFieldsReason(missing);
  };
}

function schemaValidator(check: Check): Validator {
  return (body) => (check(body) ? undefined : schemaReason(check.errors));
}

function describeValue(value: unknown): string {
  return typeof value === 'string' ? `'${value}'` : JSON.stringify(value) ?? String(value);
}

async function byFieldValidator(by: string, sources: Record<string, SchemaSource>, otherwise: 'reject' | 'pass', compiler: SchemaCompiler): Promise<Validator> {
  const path = fieldPath(by, 'by');
  const checks = new Map<string, Validator>();
  for (const [value, source] of Object.entries(sources)) {
    checks.set(value, schemaValidator(await compiler.compile(source, `schema for ${by} '${value}'`)));
  }
  return (body) => {
    const value = valueAt(body, path);
    const validator = typeof value === 'string' ? checks.get(value) : undefined;
    if (validator) return validator(body);
    if (otherwise === 'pass') return undefined;
    return value === undefined ? `no ${by}: cannot choose a schema` : `no schema for ${by} ${describeValue(value)}`;
  };
}

async function makeValidator(options: ValidateOptions): Promise<Validator> {
  const modes = (['schema', 'file', 'by', 'required'] as const).filter((key) => options[key] !== undefined);
  if (modes.length !== 1) {
    throw new Error(`validate: give exactly one of schema, file, by (with schemas) or required${modes.length ? `, not ${modes.join(' and ')}` : ''}`);
  }
  const compiler = new SchemaCompiler(options.refs);
  if (options.required) return requiredValidator(options.required);
  if (options.schema) return schemaValidator(await compiler.compile(options.schema, 'schema'));
  if (options.file) return schemaValidator(await compiler.compile(options.file, 'schema'));
  if (!options.schemas) throw new Error('validate: by needs schemas (a schema per value)');
  return byFieldValidator(options.by!, options.schemas, options.otherwise ?? 'reject', compiler);
}

export const validateStep: StepKind<ValidateOptions> = {
  name: 'validate',
  description: 'Rejects records that fail a JSON Schema (one, or chosen per record by a field) or lack required fields.',
  options: optionsSchema,
  async create(options): Promise<Step> {
    const validator = await makeValidator(options);
    return {
      process(records: PipelineRecord[]) {
        const passed: PipelineRecord[] = [];
        const rejected: Rejection[] = [];
        for (const record of records) {
          const reason = validator(record.body);
          if (reason === undefined) passed.push(record);
          else rejected.push({ record, reason });
        }
        return { records: passed, rejected };
      },
    };
  },
};
