// The log commands on a Log opened in this process (the Kafka engine: no server needed).
import { LogError } from '../log/log.ts';
import type { Log, ProduceResult, TopicConfig } from '../log/log.ts';
import type { ConsumeRequest, LogTarget, PrintBatch } from './log-target.ts';
import { TargetError } from './log-target.ts';
import { toProduceMessage } from '../log/ndjson-messages.ts';
import { readMessages } from '../log/read-messages.ts';
import { unknownTopic } from './target-hints.ts';

/** replicationFactor: of topics created; unset, the cluster's default. */
export async function openKafkaTarget(brokers: string[], options: { replicationFactor?: number } = {}): Promise<LogTarget> {
  const where = `Kafka at ${brokers.join(',')}`;
  const { openKafkaLog } = await import('../log/kafka/kafka-log.ts');
  try {
    const log = await openKafkaLog({ brokers, clientId: 'tributary-cli', produceRetryWindowMs: 5000, replicationFactor: options.replicationFactor });
    return new DirectLogTarget(log, where);
  } catch (error) {
    if (error instanceof LogError && error.code === 'UNAVAILABLE') {
      throw new TargetError('unreachable', `cannot reach ${where}: start a broker (bash scripts/kafka.sh start) or pass --kafka-brokers host:port / set TRIBUTARY_KAFKA_BROKERS`);
    }
    throw error;
  }
}

export class DirectLogTarget implements LogTarget {
  readonly description: string;
  readonly #log: Log;

  constructor(log: Log, description: string) {
    this.#log = log;
    this.description = description;
  }

  listTopics(): Promise<string[]> {
    return this.#call(() => this.#log.listTopics());
  }

  createTopic(name: string, config: TopicConfig): Promise<boolean> {
    return this.#call(() => this.#log.createTopic(name, config));
  }

  describeTopic(name: string) {
    return this.#call(() => this.#log.describeTopic(name), name);
  }

  deleteTopic(name: string): Promise<void> {
    return this.#call(async () => {
      await this.#log.describeTopic(name); // Kafka answers a missing topic with a vague error
      await this.#log.deleteTopic(name);
    }, name);
  }

  produce(topic: string, lines: string[], keyField?: string): Promise<ProduceResult[]> {
    const messages = lines.map((line, index) => toProduceMessage(line, index + 1, keyField));
    return this.#call(async () => {
      await this.#log.describeTopic(topic); // no auto-creation from a typo
      return this.#log.produce(topic, messages);
    }, topic);
  }

  consume(request: ConsumeRequest, print: PrintBatch, signal: AbortSignal): Promise<void> {
    return this.#call(async () => {
      await this.#log.describeTopic(request.topic);
      const reader = readMessages(this.#log, request, print);
      const stop = () => void reader.stop();
      signal.addEventListener('abort', stop, { once: true });
      if (signal.aborted) stop();
      try {
        await reader.done;
      } finally {
        signal.removeEventListener('abort', stop);
      }
    }, request.topic);
  }

  listGroups(): Promise<string[]> {
    return this.#call(() => this.#log.listGroups());
  }

  describeGroup(group: string) {
    return this.#call(() => this.#log.describeGroup(group));
  }

  close(): Promise<void> {
    return this.#log.close();
  }

  async #call<T>(operation: () => Promise<T>, topic?: string): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      if (!(error instanceof LogError)) throw error;
      if (error.code === 'UNKNOWN_TOPIC' && topic !== undefined) throw unknownTopic(topic, this.description);
      if (error.code === 'TOPIC_EXISTS') throw new TargetError('topic_exists', error.message);
      if (error.code === 'INVALID_ARGUMENT' || error.code === 'TOO_LARGE') throw new TargetError('invalid', error.message);
      throw new TargetError('log_error', `${this.description}: ${error.message}`);
    }
  }
}
