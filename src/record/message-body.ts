import { isPlainObject } from './normalize.ts';

/** A message value that is not a JSON object (a plain text line from another producer) is kept as its message. */
export function messageBody(value: Buffer): { body: Record<string, unknown>; json: string } {
  const text = value.toString('utf8');
  try {
    const parsed: unknown = JSON.parse(text);
    if (isPlainObject(parsed)) return { body: parsed, json: text };
  } catch {
    // not JSON: fall through
  }
  const body = { message: text };
  return { body, json: JSON.stringify(body) };
}
