// A producer for backend services: records are buffered per stream and sent in batches, when a
// batch is full or after `lingerMs`, to Tributary's HTTP ingest (NDJSON, gzip) or straight to the
// stream's Kafka topic (kafka-transport.ts). A batch the server holds back (429, 503), or that
// cannot be delivered for now, is retried with exponential backoff and full jitter, honouring
// Retry-After. Memory is bounded: past `maxBufferedRecords` a record is not
// taken. Nothing is dropped silently: every record not delivered is reported to `onDropped` with
// the reason, and counted in stats().
import { gzip } from 'node:zlib';
import { promisify } from 'node:util';
import { KafkaTransport, type KafkaTransportOptions } from './kafka-transport.ts';

const gzipAsync = promisify(gzip);

/** One try at delivering a batch. */
export type Attempt = { ok: true } | { ok: false; retry: boolean; detail: string; retryAfterMs?: number };

export interface Transport {
  attempt(stream: string, records: Array<Record<string, unknown>>): Promise<Attempt>;
  close(): Promise<void>;
}

export type DropReason = 'buffer_full' | 'rejected' | 'retries_exhausted' | 'closed';

export interface ProducerOptions {
  /** Tributary's base URL, e.g. http://localhost:3000 (or `kafka`). */
  url?: string;
  /** Produce straight to the streams' Kafka topics instead of HTTP (Tributary on the Kafka log). */
  kafka?: KafkaTransportOptions;
  /** Records per request (default 500). */
  batchSize?: number;
  /** How long a record may wait for its batch to fill, ms (default 200). */
  lingerMs?: number;
  /** Records held in memory, waiting or being retried, past which send() refuses (default 10,000). */
  maxBufferedRecords?: number;
  /** Attempts per batch before it is reported dropped (default 8). */
  maxAttempts?: number;
  /** First retry delay, ms, doubled per attempt up to maxBackoffMs (defaults 100 and 10,000). */
  baseBackoffMs?: number;
  maxBackoffMs?: number;
  /** gzip request bodies (default true). */
  compress?: boolean;
  /** Extra request headers (an API key). */
  headers?: Record<string, string>;
  /** Told about every record that will not be delivered, with why. */
  onDropped?: (records: ReadonlyArray<Record<string, unknown>>, reason: DropReason, detail: string) => void;
}

export interface ProducerStats {
  sent: number;
  dropped: number;
  buffered: number;
  retries: number;
}

interface Pending {
  stream: string;
  records: Array<Record<string, unknown>>;
  timer?: NodeJS.Timeout;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class Producer {
  private readonly options: Required<Omit<ProducerOptions, 'onDropped' | 'headers' | 'url' | 'kafka'>> & Pick<ProducerOptions, 'onDropped' | 'headers'>;
  private readonly transport: Transport;
  private readonly pending = new Map<string, Pending>();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly counts: ProducerStats = { sent: 0, dropped: 0, buffered: 0, retries: 0 };
  private closed = false;

  constructor(options: ProducerOptions) {
    this.options = { batchSize: 500, lingerMs: 200, maxBufferedRecords: 10_000, maxAttempts: 8, baseBackoffMs: 100, maxBackoffMs: 10_000, compress: true, ...options };
    if ((options.url === undefined) === (options.kafka === undefined)) throw new Error('tributary/sdk: give url (HTTP) or kafka (brokers), one of them');
    this.transport = options.kafka ? new KafkaTransport(options.kafka) : new HttpTransport(options.url!, this.options.compress, options.headers);
  }

  /** Queues a record for the stream; false (and onDropped) when the buffer is full or the producer closed. */
  send(stream: string, record: Record<string, unknown>): boolean {
    if (this.closed) return this.drop([record], 'closed', 'the producer is closed');
    if (this.counts.buffered >= this.options.maxBufferedRecords) {
      return this.drop([record], 'buffer_full', `${this.counts.buffered} records are waiting to be sent (maxBufferedRecords ${this.options.maxBufferedRecords})`);
    }
    let pending = this.pending.get(stream);
    if (!pending) this.pending.set(stream, (pending = { stream, records: [] }));
    pending.records.push(record);
    this.counts.buffered++;
    if (pending.records.length >= this.options.batchSize) this.dispatch(stream);
    else pending.timer ??= setTimeout(() => this.dispatch(stream), this.options.lingerMs);
    return true;
  }

  /** Sends everything buffered and waits for every batch to be delivered or reported dropped. */
  async flush(): Promise<void> {
    for (const stream of [...this.pending.keys()]) this.dispatch(stream);
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  /** Flushes, then refuses further records. */
  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
    await this.transport.close();
  }

  stats(): ProducerStats {
    return { ...this.counts };
  }

  private drop(records: Array<Record<string, unknown>>, reason: DropReason, detail: string): false {
    this.counts.dropped += records.length;
    this.options.onDropped?.(records, reason, detail);
    return false;
  }

  private dispatch(stream: string): void {
    const pending = this.pending.get(stream);
    if (!pending || pending.records.length === 0) return;
    clearTimeout(pending.timer);
    this.pending.delete(stream);
    const delivery = this.deliver(stream, pending.records).finally(() => {
      this.counts.buffered -= pending.records.length;
      this.inFlight.delete(delivery);
    });
    this.inFlight.add(delivery);
  }

  private async deliver(stream: string, records: Array<Record<string, unknown>>): Promise<void> {
    let detail = '';
    for (let attempt = 1; attempt <= this.options.maxAttempts; attempt++) {
      const result = await this.transport.attempt(stream, records);
      if (result.ok) {
        this.counts.sent += records.length;
        return;
      }
      detail = result.detail;
      if (!result.retry) {
        this.drop(records, 'rejected', detail);
        return;
      }
      if (attempt === this.options.maxAttempts) break;
      this.counts.retries++;
      const ceiling = Math.min(this.options.maxBackoffMs, this.options.baseBackoffMs * 2 ** (attempt - 1));
      // full jitter, never sooner than the server asked
      await sleep(Math.max(result.retryAfterMs ?? 0, Math.random() * ceiling));
    }
    this.drop(records, 'retries_exhausted', `${this.options.maxAttempts} attempts: ${detail}`);
  }
}

/** Tributary's HTTP ingest: one NDJSON request per batch; 429 and 503 and no answer are "later". */
class HttpTransport implements Transport {
  private readonly base: string;
  private readonly compress: boolean;
  private readonly headers: Record<string, string>;

  constructor(url: string, compress: boolean, headers: Record<string, string> = {}) {
    this.base = url.replace(/\/$/, '');
    this.compress = compress;
    this.headers = { 'content-type': 'application/x-ndjson', ...(compress ? { 'content-encoding': 'gzip' } : {}), ...headers };
  }

  async attempt(stream: string, records: Array<Record<string, unknown>>): Promise<Attempt> {
    const ndjson = Buffer.from(records.map((record) => JSON.stringify(record)).join('\n'));
    const body = this.compress ? await gzipAsync(ndjson) : ndjson;
    try {
      const response = await fetch(`${this.base}/api/v1/logs?stream=${encodeURIComponent(stream)}`, { method: 'POST', headers: this.headers, body });
      const text = await response.text();
      if (response.ok) return { ok: true };
      const detail = `HTTP ${response.status}: ${text.slice(0, 300)}`;
      // anything but "later" will not change by sending the same batch again
      if (response.status !== 429 && response.status !== 503) return { ok: false, retry: false, detail };
      const retryAfter = Number(response.headers.get('retry-after'));
      return { ok: false, retry: true, detail, ...(Number.isFinite(retryAfter) && retryAfter > 0 ? { retryAfterMs: retryAfter * 1000 } : {}) };
    } catch (error) {
      const cause = (error as { cause?: Error }).cause;
      return { ok: false, retry: true, detail: `${(error as Error).message}${cause ? ` (${cause.message})` : ''}` };
    }
  }

  async close(): Promise<void> {}

}
