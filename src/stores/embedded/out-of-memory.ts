/** DuckDB's error when its buffer pool (store.memoryLimit) cannot hold what a statement needs. */
export function isOutOfMemory(error: unknown): boolean {
  return /^Out of Memory Error/.test((error as Error | undefined)?.message ?? '');
}
