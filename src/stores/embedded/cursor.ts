// Search cursors: the sort key of the last hit, opaque to clients.
import { StoreQueryError } from '../store.ts';

/** A row's place in NEWEST_FIRST order; `rid` last, as records of one message share the rest. */
export interface CursorKey {
  ts: number;
  stream: string;
  ingestedAt: number;
  part: number;
  off: number;
  src: number;
  rid: string | null;
}

export function rowKey(row: Record<string, unknown>): CursorKey {
  return {
    ts: Number(row.ts), stream: String(row.stream), ingestedAt: Number(row.ingested_at), part: Number(row.part),
    off: Number(row.off), src: Number(row.src), rid: row.rid === null || row.rid === undefined ? null : String(row.rid),
  };
}

export function encodeCursor(key: CursorKey): string {
  return Buffer.from(JSON.stringify([key.ts, key.stream, key.ingestedAt, key.part, key.off, key.src, key.rid])).toString('base64url');
}

export function decodeCursor(cursor: string): CursorKey {
  try {
    const [ts, stream, ingestedAt, part, off, src, rid] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
    const numbers = [ts, ingestedAt, part, off, src];
    if (numbers.every(Number.isSafeInteger) && typeof stream === 'string' && (rid === null || typeof rid === 'string')) {
      return { ts, stream, ingestedAt, part, off, src, rid } as CursorKey;
    }
  } catch {
    // fall through to the error below
  }
  throw new StoreQueryError('cursor is not valid: pass the cursor of a previous answer unchanged');
}

/** The id's order is the order of its log position (ingested_at, part, off), then its topic and own id. */
export const NEWEST_FIRST = 'ts DESC, stream DESC, ingested_at DESC, part DESC, off DESC, src DESC, rid DESC NULLS LAST';

/** Oldest first: NEWEST_FIRST reversed. */
export const OLDEST_FIRST = 'ts, stream, ingested_at, part, off, src, rid NULLS FIRST';

/** Rows strictly after the cursor in NEWEST_FIRST order (older). */
export function afterCursorSql(key: CursorKey): { sql: string; params: unknown[] } {
  return beyondSql(key, '<');
}

/** Rows strictly before the cursor in NEWEST_FIRST order (newer). */
export function beforeCursorSql(key: CursorKey): { sql: string; params: unknown[] } {
  return beyondSql(key, '>');
}

/**
 * A row tuple compared with the key's. NULL (no own id) sorts before any id, as coalesce(rid, '')
 * does: ids are never empty.
 */
function beyondSql(key: CursorKey, op: '<' | '>'): { sql: string; params: unknown[] } {
  // the leading ts bound stays visible to the planner
  return tupleBeyond([['ts', BigInt(key.ts)], ['stream', key.stream], ['ingested_at', BigInt(key.ingestedAt)],
    ['part', key.part], ['off', BigInt(key.off)], ['src', key.src], ["coalesce(rid, '')", key.rid ?? '']], op);
}

/** Arrival order: a tail's order (by log position, then topic and own id). */
export const ARRIVAL_ORDER = 'ingested_at, stream, part, off, src, rid NULLS FIRST';

/** Rows strictly after the cursor in ARRIVAL_ORDER. */
export function afterArrivalSql(key: CursorKey): { sql: string; params: unknown[] } {
  return tupleBeyond([['ingested_at', BigInt(key.ingestedAt)], ['stream', key.stream], ['part', key.part], ['off', BigInt(key.off)],
    ['src', key.src], ["coalesce(rid, '')", key.rid ?? '']], '>');
}

/** The row tuple of these columns compared with the values: (a < ? OR (a = ? AND (b < ? OR (b = ? AND …)))). */
function tupleBeyond(columns: Array<[string, unknown]>, op: '<' | '>'): { sql: string; params: unknown[] } {
  let sql = '';
  const params: unknown[] = [];
  columns.forEach(([column, value], i) => {
    const last = i === columns.length - 1;
    sql += last ? `${column} ${op} ?` : `(${column} ${op} ? OR (${column} = ? AND `;
    params.push(...(last ? [value] : [value, value]));
  });
  return { sql: `(${sql}${'))'.repeat(columns.length - 1)})`, params };
}
