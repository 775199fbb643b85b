// Shared helpers for the store-write prototypes: cached test data, timing, sizes.
import { existsSync, mkdirSync, readFileSync, writeFileSync, statSync } from 'node:fs';
import { generateRecordParts, renderNdjsonLine } from '../generator.ts';

export const SEED = 42;
export const DATA_DIR = '/tmp/trib-proto';

export function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : dflt;
}

/** N NDJSON lines (no newline). order 'ts' = sorted by event time (live ingest order), 'gen' = generator order (random ts). */
export function loadLines(n: number, order: string): string[] {
  mkdirSync(DATA_DIR, { recursive: true });
  const file = `${DATA_DIR}/data-${n}-${order}.ndjson`;
  if (!existsSync(file)) {
    const parts = Array.from({ length: n }, (_, i) => generateRecordParts(SEED, i));
    if (order === 'ts') parts.sort((a, b) => a.tsMs - b.tsMs);
    writeFileSync(file, parts.map(renderNdjsonLine).join(''));
  }
  const text = readFileSync(file, 'latin1');
  const lines = text.split('\n');
  lines.pop();
  return lines;
}

export function fileBytes(file: string): { db: number; wal: number } {
  const s = (f: string) => (existsSync(f) ? statSync(f).size : 0);
  return { db: s(file), wal: s(file + '.wal') };
}

export function cpuSec(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

export function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
}

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
/** Same as src/record/id.ts positionId (copied so scripts don't depend on src internals). */
export function positionId(appendMs: number, partition: number, offset: number): string {
  const b32 = (n: number, w: number) => { let o = ''; let r = Math.floor(n); for (let i = 0; i < w; i++) { o = ALPHABET[r % 32] + o; r = Math.floor(r / 32); } return o; };
  return b32(appendMs, 10) + b32(partition, 3) + b32(offset, 11);
}
