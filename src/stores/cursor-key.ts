// Search cursors: the sort key of the last hit, opaque to clients, the same on every store engine.
import { StoreQueryError } from './store.ts';

/** A row's place in newest-first order (ts, stream, ingestedAt, part, off, src, rid); `rid` last, as records of one message share the rest. */
export interface CursorKey {
  ts: number;
  stream: string;
  ingestedAt: number;
  part: number;
  off: number;
  src: number;
  rid: string | null;
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

