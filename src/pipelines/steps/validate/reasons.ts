// Rejection reasons for people: the failing path and rule in plain words.
import type { ErrorObject } from 'ajv';

/** How many of ajv's errors a reason names; the rest are counted. */
export const MAX_ERRORS = 3;

/** A string as Python's repr writes it, for seed 001's "Missing required fields: ['device_type']". */
function pythonRepr(text: string): string {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  const escaped = text.replaceAll('\\', '\\\\').replaceAll(quote, `\\${quote}`);
  return `${quote}${escaped}${quote}`;
}

/** Seed 001's dead-letter error text, exactly. */
export function missingFieldsReason(fields: readonly string[]): string {
  return `Missing required fields: [${fields.map(pythonRepr).join(', ')}]`;
}

function describeError(error: ErrorObject): string {
  const where = error.instancePath === '' ? 'record' : error.instancePath;
  const params = error.params as Record<string, unknown>;
  let detail = '';
  if (error.keyword === 'additionalProperties') detail = `: '${String(params.additionalProperty)}'`;
  else if (error.keyword === 'enum') detail = `: ${JSON.stringify(params.allowedValues)}`;
  return `${where} ${error.message ?? `fails ${error.keyword}`}${detail}`;
}

/** "/edata/type must be string; record must have required property 'mid' (and 2 more)". */
export function schemaReason(errors: readonly ErrorObject[] | null | undefined, prefix = ''): string {
  const list = errors ?? [];
  if (list.length === 0) return `${prefix}does not match the schema`;
  const named = list.slice(0, MAX_ERRORS).map(describeError).join('; ');
  const more = list.length > MAX_ERRORS ? ` (and ${list.length - MAX_ERRORS} more)` : '';
  return `${prefix}${named}${more}`;
}
