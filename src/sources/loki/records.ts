// Loki push entries onto the record model: the line is the message, the entry's time the
// timestamp (ISO, ms), the stream's labels and the entry's structured metadata top-level fields
// (`app:web`; a `level` label is the record's level). A label or metadata key named `message` or
// `timestamp` is kept as `label_message` / `label_timestamp` so it cannot replace them.
import { nanosToIso } from '../../record/time.ts';

export class LokiRequestError extends Error {}

const RESERVED = new Set(['message', 'timestamp']);
const LABEL = /\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"\s*(,|\})/y;

/** `{app="web", env="prod"}` (Prometheus label syntax, as Loki's protobuf carries it). */
export function parseLabels(text: string): Record<string, string> {
  const labels: Record<string, string> = {};
  const trimmed = text.trim();
  if (trimmed === '{}') return labels;
  if (!trimmed.startsWith('{')) throw new LokiRequestError(`labels ${JSON.stringify(text.slice(0, 100))} are not {name="value", …}`);
  LABEL.lastIndex = 1;
  for (;;) {
    const start = LABEL.lastIndex;
    const match = LABEL.exec(trimmed);
    if (!match || match.index !== start) throw new LokiRequestError(`labels ${JSON.stringify(text.slice(0, 100))} are not {name="value", …}`);
    labels[match[1]!] = JSON.parse(`"${match[2]!}"`) as string;
    if (match[3] === '}') {
      if (LABEL.lastIndex !== trimmed.length) throw new LokiRequestError(`labels ${JSON.stringify(text.slice(0, 100))} have text after the closing brace`);
      return labels;
    }
  }
}

function fieldName(key: string): string {
  return RESERVED.has(key) ? `label_${key}` : key;
}

/** An entry's time (Unix nanoseconds) as ISO, ms; a time outside the years 0000–9999 refuses the push. */
export function isoOfNanos(nanos: bigint): string {
  const iso = nanosToIso(nanos);
  if (iso === null) throw new LokiRequestError(`the time ${nanos} ns is out of range`);
  return iso;
}

export function entryRecord(labels: Record<string, string>, time: string, line: string, metadata: Record<string, string>): Record<string, unknown> {
  const record: Record<string, unknown> = { timestamp: time, message: line };
  for (const [key, value] of Object.entries(labels)) record[fieldName(key)] = value;
  for (const [key, value] of Object.entries(metadata)) record[fieldName(key)] = value;
  return record;
}
