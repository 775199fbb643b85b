// Search cursors on the embedded store: the SQL of the sort orders and of "after this key".
import type { CursorKey } from '../cursor-key.ts';

export { type CursorKey, encodeCursor, decodeCursor } from '../cursor-key.ts';

export function rowKey(row: Record<string, unknown>): CursorKey {
  return {
    ts: Number(row.ts), stream: String(row.stream), ingestedAt: Number(row.ingested_at), part: Number(row.part),
    off: Number(row.off), src: Number(row.src), rid: row.rid === null || row.rid === undefined ? null : String(row.rid),
  };
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
