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
   * Delete, at the retention check, the segments every group reading their topic has committed
   * past (never the active segment): a log that only feeds a store need not keep a second copy.
   * A group reads a topic once it committed on it or while a member is subscribed to it; one
   * that has not committed on a partition holds all of it. Console reads without a group name
   * (EPHEMERAL_GROUP_PREFIX) hold nothing. Default false: only age and size retention delete.
   */
  releaseConsumed?: boolean;
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
