// Syslog over TCP and UDP on one port. Messages are parsed into records and handed to the
// acceptor in batches (up to BATCH_MESSAGES, or after BATCH_WAIT_MS). Syslog has no
// acknowledgement, so flow control is what TCP gives: while the acceptor refuses (the indexer is
// behind, the log unavailable), every TCP connection is paused and the batch is offered again,
// nothing dropped. UDP cannot be paused: what arrives while a batch is refused waits in a bounded
// queue, and past it is dropped and counted (tributary_rejected_requests_total{code="syslog_udp_dropped"}).
import net from 'node:net';
import dgram from 'node:dgram';
import type { Acceptor } from '../accept.ts';
import type { Metrics } from '../../metrics.ts';
import { parseSyslog } from './parse.ts';
import { serializedRecord, type RecordLimits } from '../../record/limits.ts';
import { FrameError, SyslogFramer } from './framing.ts';

const BATCH_MESSAGES = 1000;
const BATCH_WAIT_MS = 20;
const RETRY_MS = 100;
/** Messages held while the acceptor refuses, past which UDP messages are dropped. */
const MAX_QUEUED = 100_000;

export interface SyslogListenerOptions {
  host: string;
  port: number;
  stream: string;
  maxMessageBytes: number;
  limits: RecordLimits;
}

export class SyslogListener {
  private readonly options: SyslogListenerOptions;
  private readonly acceptor: Acceptor;
  private readonly metrics: Metrics;
  private readonly tcp: net.Server;
  private readonly udp: dgram.Socket;
  private readonly sockets = new Set<net.Socket>();
  private queue: Buffer[] = [];
  private timer?: NodeJS.Timeout;
  private flushing?: Promise<void>;
  private refused = false;
  private closed = false;

  constructor(options: SyslogListenerOptions, acceptor: Acceptor, metrics: Metrics) {
    this.options = options;
    this.acceptor = acceptor;
    this.metrics = metrics;
    this.tcp = net.createServer((socket) => this.connection(socket));
    this.udp = dgram.createSocket(options.host.includes(':') ? 'udp6' : 'udp4', (datagram) => {
      if (this.queue.length >= MAX_QUEUED) {
        this.metrics.rejectedRequests.inc({ code: 'syslog_udp_dropped' });
        return;
      }
      this.add(datagram.toString('utf8'));
    });
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.tcp.once('error', reject);
      this.tcp.listen(this.options.port, this.options.host, () => resolve());
    });
    await new Promise<void>((resolve, reject) => {
      this.udp.once('error', reject);
      // the port TCP got (the system's pick for port 0) serves UDP too
      this.udp.bind((this.tcp.address() as net.AddressInfo).port, this.options.host, () => resolve());
    });
  }

  /** host:port the sockets are bound to (the port the system picked for port 0). */
  address(): string {
    const { address, port } = this.tcp.address() as net.AddressInfo;
    return `${address.includes(':') ? `[${address}]` : address}:${port}`;
  }

  async stop(): Promise<void> {
    this.closed = true;
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.tcp.close(() => resolve()));
    await new Promise<void>((resolve) => this.udp.close(() => resolve()));
    clearTimeout(this.timer);
    // what arrived before the stop is offered once more; a refusal now loses it (syslog has no ack)
    await this.flushing;
    if (this.queue.length > 0) await this.flush().catch(() => undefined);
  }

  private connection(socket: net.Socket): void {
    this.sockets.add(socket);
    if (this.refused) socket.pause();
    const framer = new SyslogFramer(this.options.maxMessageBytes);
    socket.on('data', (chunk: Buffer) => {
      try {
        for (const message of framer.push(chunk)) this.add(message);
      } catch (error) {
        if (!(error instanceof FrameError)) throw error;
        this.metrics.rejectedRequests.inc({ code: 'syslog_bad_frame' });
        socket.destroy();
      }
    });
    socket.on('end', () => { for (const message of framer.end()) this.add(message); });
    socket.on('error', () => undefined);
    socket.on('close', () => this.sockets.delete(socket));
  }

  private add(message: string): void {
    if (message.trim().length === 0) return;
    const record = this.withinLimits(parseSyslog(message, Date.now()));
    if (!record) return;
    this.queue.push(record);
    if (this.queue.length >= BATCH_MESSAGES) this.schedule(0);
    else this.schedule(BATCH_WAIT_MS);
  }

  /**
   * The record as stored text. Structured data past the record limits (thousands of params) is
   * left out, the reason kept in `sd_dropped`; a message still too large is counted and dropped
   * (syslog has no answer to send), never truncated.
   */
  private withinLimits(record: Record<string, unknown>): Buffer | undefined {
    let serialized = serializedRecord(record, this.options.limits);
    if ('problem' in serialized && record.sd !== undefined) {
      const { sd: _dropped, ...rest } = record;
      serialized = serializedRecord({ ...rest, sd_dropped: serialized.problem }, this.options.limits);
    }
    if ('bytes' in serialized) return serialized.bytes;
    this.metrics.rejectedRequests.inc({ code: 'syslog_record_limit' });
    return undefined;
  }

  private schedule(delayMs: number): void {
    if (this.flushing || this.closed) return;
    if (this.timer && delayMs > 0) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flushing = this.flush().finally(() => {
        this.flushing = undefined;
        if (this.queue.length > 0) this.schedule(this.refused ? RETRY_MS : 0);
      });
    }, delayMs);
  }

  private async flush(): Promise<void> {
    const batch = this.queue.slice(0, BATCH_MESSAGES);
    const result = await this.acceptor.accept(this.options.stream, batch).catch((error: unknown) => {
      console.error('syslog: accepting a batch failed', error);
      return { refused: true } as const;
    });
    if ('refused' in result) {
      if (!this.refused) for (const socket of this.sockets) socket.pause();
      this.refused = true;
      return;
    }
    this.queue = this.queue.slice(batch.length);
    if (this.refused && this.queue.length < BATCH_MESSAGES) {
      this.refused = false;
      for (const socket of this.sockets) socket.resume();
    }
  }
}
