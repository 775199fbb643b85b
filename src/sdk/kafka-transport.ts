// The SDK straight to Kafka, for Tributary running on the Kafka log: each batch is produced to its
// stream's topic (the topic prefix Tributary was given, `tributary.` by default; '' for topics
// named as the streams, as seed 000's FunctionCallLogs) through the same Kafka client Tributary
// uses, idempotent and acknowledged by all replicas. The topic must exist (Tributary creates the
// topics of its streams and pipelines); a missing one is retried, a message over the broker's
// size limit is not.
import type { Log } from '../log/log.ts';
import { LogError } from '../log/log.ts';
import type { Attempt, Transport } from './producer.ts';

export interface KafkaTransportOptions {
  brokers: string[];
  /** Put before a stream's name to make its topic (default `tributary.`, as log.kafka.topicPrefix). */
  topicPrefix?: string;
  clientId?: string;
}

export class KafkaTransport implements Transport {
  private readonly options: KafkaTransportOptions;
  private log?: Promise<Log>;

  constructor(options: KafkaTransportOptions) {
    this.options = options;
  }

  async attempt(stream: string, records: Array<Record<string, unknown>>): Promise<Attempt> {
    try {
      const log = await this.connected();
      await log.produce(`${this.options.topicPrefix ?? 'tributary.'}${stream}`, records.map((record) => ({ value: Buffer.from(JSON.stringify(record)) })));
      return { ok: true };
    } catch (error) {
      const detail = `Kafka: ${(error as Error).message}`;
      return { ok: false, retry: !(error instanceof LogError && (error.code === 'TOO_LARGE' || error.code === 'INVALID_ARGUMENT')), detail };
    }
  }

  /** The client, connected on first use; a failed connect is tried again by the next attempt. */
  private connected(): Promise<Log> {
    const opening = this.log ??= import('../log/kafka/kafka-log.ts').then(({ openKafkaLog }) => openKafkaLog({ brokers: this.options.brokers, clientId: this.options.clientId ?? 'tributary-sdk' }));
    opening.catch(() => { if (this.log === opening) this.log = undefined; });
    return opening;
  }

  async close(): Promise<void> {
    const log = await this.log?.catch(() => undefined);
    await log?.close();
  }
}
