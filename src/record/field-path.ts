// Dotted field paths (metadata.parentResourceId): one reading for queries, routing keys, pipeline
// steps and stores. A path walks nested objects; a key that itself holds a dot is not split.

/** "metadata.parentResourceId" → ["metadata", "parentResourceId"]; undefined if a segment is empty. */
export function splitFieldPath(field: string): string[] | undefined {
  const segments = field.split('.');
  return segments.every((segment) => segment !== '') ? segments : undefined;
}

/** The value at the path of a parsed record, undefined where a segment is missing or not an object. */
export function valueAt(record: unknown, path: readonly string[]): unknown {
  let value = record;
  for (const segment of path) {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
    value = (value as Record<string, unknown>)[segment];
  }
  return value;
}
