// Ingest admission: past a bounded backlog (records in the log the indexer has not stored yet),
// records wait until the indexer catches up, so search stays fresh and the log does not grow
// without bound under overload. Records still waiting after maxWaitMs are refused (HTTP: 429
// with Retry-After), so senders back off instead of piling up.
import { totalLag } from '../log/log.ts';
import { describeStreamGroup, type StreamLog } from '../log/stream-topics.ts';

export interface BacklogGateOptions {
  /** Records waiting to be indexed past which requests wait; 0 turns the gate off. */
  maxBacklog: number;
  /** How long a request waits for room before it is refused. */
  maxWaitMs: number;
  /** How often the backlog is measured again while requests wait. */
  pollMs?: number;
}

export type Admission = { admitted: true } | { admitted: false; backlog: number };

const DEFAULT_POLL_MS = 20;

export class BacklogGate {
  private readonly measure: () => Promise<number>;
  private readonly options: Required<BacklogGateOptions>;
  private measuring: Promise<number> | null = null;

  constructor(measure: () => Promise<number>, options: BacklogGateOptions) {
    this.measure = measure;
    this.options = { pollMs: DEFAULT_POLL_MS, ...options };
  }

  async admit(): Promise<Admission> {
    if (this.options.maxBacklog <= 0) return { admitted: true };
    const deadline = Date.now() + this.options.maxWaitMs;
    for (;;) {
      const backlog = await this.current();
      if (backlog <= this.options.maxBacklog) return { admitted: true };
      if (Date.now() >= deadline) return { admitted: false, backlog };
      await new Promise((resolve) => setTimeout(resolve, this.options.pollMs));
    }
  }

  /** The backlog now; concurrent requests share one measurement. A failed one admits rather than blocks ingest. */
  private current(): Promise<number> {
    this.measuring ??= this.measure().catch(() => 0).finally(() => {
      this.measuring = null;
    });
    return this.measuring;
  }
}

/**
 * Records of `topics` the group has not processed. A topic the group has not picked up yet (just
 * created, not yet assigned) counts from its start: it is backlog too.
 */
export async function indexingBacklog(streams: StreamLog, topics: Iterable<string>): Promise<number> {
  const { log } = streams;
  const description = await describeStreamGroup(streams);
  let backlog = totalLag(description);
  const seen = new Set(description.partitions.map((partition) => partition.topic));
  for (const topic of topics) {
    if (seen.has(topic)) continue;
    const unassigned = await log.describeTopic(topic);
    backlog += unassigned.partitions.reduce((sum, partition) => sum + partition.endOffset - partition.startOffset, 0);
  }
  return backlog;
}
