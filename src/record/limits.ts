// Limits a record must respect; a record over one is refused with the reason, never truncated.

export interface RecordLimits {
  maxRecordBytes: number;
  maxDepth: number;
  maxFields: number;
}

export const DEFAULT_LIMITS: RecordLimits = { maxRecordBytes: 1024 * 1024, maxDepth: 64, maxFields: 2000 };

/** Returns the reason the value breaks a limit, or null. Iterative so hostile nesting cannot overflow the stack. */
export function checkShape(value: unknown, limits: RecordLimits): string | null {
  let fields = 0;
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (node === null || typeof node !== 'object') continue;
    if (depth > limits.maxDepth) return `nesting deeper than ${limits.maxDepth} levels`;
    const children = Array.isArray(node) ? node : Object.values(node);
    if (!Array.isArray(node)) {
      fields += children.length;
      if (fields > limits.maxFields) return `more than ${limits.maxFields} fields`;
    }
    for (const child of children) {
      if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
    }
  }
  return null;
}

/** A record a source built (not bytes a client sent) as stored text, or why it breaks a limit. */
export function serializedRecord(record: Record<string, unknown>, limits: RecordLimits): { bytes: Buffer } | { problem: string } {
  const problem = checkShape(record, limits);
  if (problem) return { problem };
  const bytes = Buffer.from(JSON.stringify(record));
  return bytes.length > limits.maxRecordBytes ? { problem: `larger than ${limits.maxRecordBytes} bytes` } : { bytes };
}
