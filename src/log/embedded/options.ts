export interface EmbeddedLogger {
  warn(message: string): void;
  error(message: string, error?: unknown): void;
}

export interface EmbeddedLogOptions {
  /** Partitions of a topic auto-created by produce or a consumer subscription (default 1). */
  defaultPartitions?: number;
  /** fdatasync before produce resolves (default true). Off: durable against process crashes only. */
  fsync?: boolean;
  /** Roll to a new segment file past this size (default 64 MiB). */
  segmentBytes?: number;
  /** Extra time a partition waits to gather more produce calls into one write (default 0). */
  flushIntervalMs?: number;
  /** How often retention runs (default 60 s; 0 = only when enforceRetention() is called). */
  retentionCheckIntervalMs?: number;
  /**
   * Segments every one of these groups has committed past are deleted at the retention check
   * (never the active segment): a log that only feeds a store need not keep a second copy.
   */
  releaseAfterGroups?: string[];
  /** Wait before a batch whose handler threw is delivered again (default 500 ms). */
  retryBackoffMs?: number;
  /** Where handler failures and recovery notes go (default console). */
  logger?: EmbeddedLogger;
}

export interface PartitionWriteOptions {
  fsync: boolean;
  segmentBytes: number;
  flushIntervalMs: number;
  logger: EmbeddedLogger;
}

export const DEFAULT_SEGMENT_BYTES = 64 * 1024 * 1024;
