import type { Level } from './record.ts';

export const LEVEL_FIELDS = ['level', 'log_type', 'severity', 'severity_text', 'loglevel', 'lvl'] as const;

export const LEVEL_NAMES: Record<string, Level> = {
  trace: 'trace', verbose: 'trace',
  debug: 'debug', dbg: 'debug',
  info: 'info', information: 'info', informational: 'info', notice: 'info', log: 'info',
  warn: 'warn', warning: 'warn',
  error: 'error', err: 'error', fail: 'error', failure: 'error',
  fatal: 'fatal', critical: 'fatal', crit: 'fatal', alert: 'fatal', emerg: 'fatal', emergency: 'fatal', panic: 'fatal',
};

/** pino/bunyan numeric levels. */
function numericLevel(n: number): Level | null {
  if (n >= 60) return 'fatal';
  if (n >= 50) return 'error';
  if (n >= 40) return 'warn';
  if (n >= 30) return 'info';
  if (n >= 20) return 'debug';
  if (n >= 10) return 'trace';
  return null;
}

export function normalizeLevel(value: unknown): Level | null {
  if (typeof value === 'number') return numericLevel(value);
  if (typeof value !== 'string') return null;
  const text = value.trim();
  // "50" means what 50 means, in records and in queries alike
  if (/^\d+$/.test(text)) return numericLevel(Number(text));
  return LEVEL_NAMES[text.toLowerCase()] ?? null;
}

export function recordLevel(body: Record<string, unknown>): Level | null {
  for (const field of LEVEL_FIELDS) {
    const value = body[field];
    if (value === undefined) continue;
    const level = normalizeLevel(value);
    if (level) return level;
  }
  return null;
}
