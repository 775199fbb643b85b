// Writes generated NDJSON lines to a file in large chunks.

import { closeSync, openSync, writeSync } from 'node:fs';
import { renderChunk } from '../generator.ts';

const CHUNK = 20_000;

export function writeLines(path: string, records: number, lineOf: (index: number) => string): void {
  const fd = openSync(path, 'w');
  try {
    for (let start = 0; start < records; start += CHUNK) {
      const chunk = renderChunk(start, Math.min(CHUNK, records - start), lineOf);
      let written = 0;
      while (written < chunk.length) written += writeSync(fd, chunk, written);
    }
  } finally {
    closeSync(fd);
  }
}
