// A winston transport on the SDK's producer: new TributaryTransport({ url, stream }). Each log
// entry (winston's info object: level, message and the metadata) is sent as a record; records
// the producer will not deliver are emitted as 'warn' events on the transport with the reason.
import Transport from 'winston-transport';
import { Producer, type ProducerOptions } from './producer.ts';

export interface WinstonTransportOptions extends Omit<ProducerOptions, 'onDropped'>, Transport.TransportStreamOptions {
  /** The stream records go to (default logs). */
  stream?: string;
}

export class TributaryTransport extends Transport {
  readonly producer: Producer;
  private readonly stream: string;

  constructor(options: WinstonTransportOptions) {
    super(options);
    this.stream = options.stream ?? 'logs';
    this.producer = new Producer({ ...options, onDropped: (records, reason, detail) => this.emit('warn', { records, reason, detail }) });
  }

  override log(info: Record<string, unknown>, callback: () => void): void {
    // winston's own symbols (level, message, splat) are not the record
    this.producer.send(this.stream, { ...info });
    callback();
  }

  override close(): void {
    void this.producer.close().then(() => this.emit('closed'));
  }

  flush(): Promise<void> {
    return this.producer.flush();
  }
}
