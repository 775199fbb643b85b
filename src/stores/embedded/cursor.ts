// Search cursors: the sort key (ts, stream, id) of the last hit, opaque to clients.
import { StoreQueryError } from '../store.ts';

export interface CursorKey {
  ts: number;
  stream: string;
  id: string;
}

export function encodeCursor(key: CursorKey): string {
  return Buffer.from(JSON.stringify([key.ts, key.stream, key.id])).toString('base64url');
}

export function decodeCursor(cursor: string): CursorKey {
  try {
    const [ts, stream, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
    if (typeof ts === 'number' && typeof stream === 'string' && typeof id === 'string') return { ts, stream, id };
  } catch {
    // fall through to the error below
  }
  throw new StoreQueryError('cursor is not valid: pass the cursor of a previous answer unchanged');
}

/** Rows strictly after the cursor in newest-first order. */
export function afterCursorSql(key: CursorKey): { sql: string; params: unknown[] } {
  return {
    sql: '(ts < ? OR (ts = ? AND (stream < ? OR (stream = ? AND id < ?))))',
    params: [BigInt(key.ts), BigInt(key.ts), key.stream, key.stream, key.id],
  };
}
