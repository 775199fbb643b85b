// The record model: what a store keeps and a query sees (ARCHITECTURE.md, "The record").

export type Level = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';

export interface LogRecord {
  /** Unique within its stream; time-sortable. */
  id: string;
  stream: string;
  /** Event time, ms since the epoch. */
  ts: number;
  ingestedAt: number;
  level: Level | null;
  message: string | null;
  /** The original JSON object, as received. */
  body: Record<string, unknown>;
}
