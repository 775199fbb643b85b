export const MESSAGE_FIELDS = ['message', 'log_message', 'msg', 'log', 'text'] as const;

export function recordMessage(body: Record<string, unknown>): string | null {
  for (const field of MESSAGE_FIELDS) {
    const value = body[field];
    if (typeof value === 'string') return value;
  }
  return null;
}
