// Turns NDJSON lines into log messages: the value is the line as is, the key optionally taken
// from a field of the JSON object. Shared by `tributary produce` and POST /api/v1/topics/:name/messages.
import type { ProduceMessage } from './log.ts';
import { splitFieldPath, valueAt } from '../record/field-path.ts';

export class MessageLineError extends Error {
  readonly line: number;
  constructor(line: number, message: string) {
    super(`line ${line}: ${message}`);
    this.name = 'MessageLineError';
    this.line = line;
  }
}

/** Lines of a body without their line ends; blank lines are dropped (numbers stay those of the input). */
export function splitLines(text: string): Array<{ line: number; text: string }> {
  const lines: Array<{ line: number; text: string }> = [];
  text.split('\n').forEach((raw, index) => {
    const content = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (content.trim() !== '') lines.push({ line: index + 1, text: content });
  });
  return lines;
}

/** The key of a message: the value at a dotted field path, as a string; null when the field is absent. */
export function keyFromField(line: string, lineNumber: number, keyField: string): string | null {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (error) {
    throw new MessageLineError(lineNumber, `not JSON (${(error as Error).message}), so --key-field ${keyField} cannot be read`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new MessageLineError(lineNumber, `not a JSON object, so --key-field ${keyField} cannot be read`);
  }
  value = valueAt(value, splitFieldPath(keyField) ?? [keyField]);
  if (value === undefined || value === null) return null;
  return typeof value === 'string' ? value : JSON.stringify(value);
}

export function toProduceMessage(line: string, lineNumber: number, keyField?: string): ProduceMessage {
  const key = keyField ? keyFromField(line, lineNumber, keyField) : null;
  return { key, value: Buffer.from(line) };
}
