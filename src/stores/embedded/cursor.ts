// Search cursors: the sort key (ts, stream, id) of the last hit, opaque to clients.
import { StoreQueryError } from '../store.ts';
import { parsePositionId } from '../../record/id.ts';

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
    if (typeof ts === 'number' && typeof stream === 'string' && typeof id === 'string' && parsePositionId(id)) return { ts, stream, id };
  } catch {
    // fall through to the error below
  }
  throw new StoreQueryError('cursor is not valid: pass the cursor of a previous answer unchanged');
}

/** The id's order is the order of its log position (ingested_at, part, off). */
export const NEWEST_FIRST = 'ts DESC, stream DESC, ingested_at DESC, part DESC, off DESC';

/** Oldest first: NEWEST_FIRST reversed. */
export const OLDEST_FIRST = 'ts, stream, ingested_at, part, off';

/** Rows strictly after the cursor in NEWEST_FIRST order (older). */
export function afterCursorSql(key: CursorKey): { sql: string; params: unknown[] } {
  return beyondSql(key, '<');
}

/** Rows strictly before the cursor in NEWEST_FIRST order (newer). */
export function beforeCursorSql(key: CursorKey): { sql: string; params: unknown[] } {
  return beyondSql(key, '>');
}

function beyondSql(key: CursorKey, op: '<' | '>'): { sql: string; params: unknown[] } {
  const position = parsePositionId(key.id)!;
  return {
    sql: `(ts ${op} ? OR (ts = ? AND (stream ${op} ? OR (stream = ? AND
      (ingested_at ${op} ? OR (ingested_at = ? AND (part ${op} ? OR (part = ? AND off ${op} ?))))))))`,
    params: [BigInt(key.ts), BigInt(key.ts), key.stream, key.stream, BigInt(position.appendMs), BigInt(position.appendMs),
      position.partition, position.partition, BigInt(position.offset)],
  };
}
