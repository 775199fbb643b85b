// Compiling the validate step's JSON Schemas: each once, at create(), so a bad schema stops the
// pipeline at start naming the schema and the problem, never a record at run time.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv, type ErrorObject } from 'ajv';
import addFormats from 'ajv-formats';

export type Check = ((data: unknown) => boolean) & { errors?: ErrorObject[] | null };

// ajv-formats checks `format` (uuid, ipv4, date-time…: seed 001 uses the first two); with strict
// off, a format it does not know is ignored, so a schema written for another validator still loads.

/** `$ref` URI prefix → directory of schema files: Sunbird's "resource:/schemas/telemetry/3.0/" → "schemas/". */
export type RefDirs = Record<string, string>;

function refLoader(refs: RefDirs): (uri: string) => Promise<Record<string, unknown>> {
  return async (uri) => {
    const prefix = Object.keys(refs).filter((candidate) => uri.startsWith(candidate)).sort((a, b) => b.length - a.length)[0];
    if (prefix === undefined) {
      const known = Object.keys(refs);
      throw new Error(`$ref ${uri} is not under any refs prefix${known.length ? ` (${known.join(', ')})` : ': map its prefix to a directory with refs'}`);
    }
    return readSchemaFile(path.join(refs[prefix]!, uri.slice(prefix.length))) as Record<string, unknown>;
  };
}

/**
 * A fresh Ajv per schema: schemas loaded from different files may reuse an `$id`, which one
 * instance refuses. strict is off so schemas written for other validators (vendor keywords)
 * load; allErrors so a rejection can name several failures.
 */
export async function compileSchema(schema: unknown, what: string, refs: RefDirs = {}): Promise<Check> {
  if (schema === null || typeof schema !== 'object' || Array.isArray(schema)) {
    throw new Error(`validate: ${what} must be a JSON Schema object`);
  }
  const ajv = new Ajv({ allErrors: true, strict: false, logger: false, loadSchema: refLoader(refs) });
  addFormats.default(ajv);
  // Draft-04 schemas (Sunbird's) carry `id`, which Ajv 8 refuses outright; as a plain annotation
  // it only loses draft-04's base-URI change, which matters to relative `$ref`s alone.
  ajv.removeKeyword('id');
  try {
    return await ajv.compileAsync(schema);
  } catch (error) {
    throw new Error(`validate: ${what} is not a valid JSON Schema: ${(error as Error).message}`);
  }
}

/** Reads a schema file (JSON), naming the file and the problem when it cannot. */
export function readSchemaFile(file: string): unknown {
  const resolved = path.resolve(file);
  let text: string;
  try {
    text = readFileSync(resolved, 'utf8');
  } catch (error) {
    throw new Error(`validate: cannot read schema file ${resolved}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new Error(`validate: schema file ${resolved} is not JSON: ${(error as Error).message}`);
  }
}

/** Compiles inline schemas and files; a file named twice is read and compiled once. */
export class SchemaCompiler {
  readonly #files = new Map<string, Promise<Check>>();
  readonly #refs: RefDirs;

  constructor(refs: RefDirs = {}) {
    this.#refs = refs;
  }

  compile(source: Record<string, unknown> | string, what: string): Promise<Check> {
    if (typeof source !== 'string') return compileSchema(source, what, this.#refs);
    const resolved = path.resolve(source);
    let check = this.#files.get(resolved);
    if (!check) {
      check = compileSchema(readSchemaFile(resolved), `${what} (file ${resolved})`, this.#refs);
      this.#files.set(resolved, check);
    }
    return check;
  }
}
