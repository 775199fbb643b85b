// What the log commands operate on, whichever engine is behind it: the running server's log over
// HTTP (embedded engine: the server owns the data dir), or a Kafka cluster opened directly.
import type { ConsumedMessage, GroupDescription, ProduceResult, TopicConfig, TopicDescription } from '../log/log.ts';

export interface ConsumeRequest {
  topic: string;
  group?: string;
  fromBeginning?: boolean;
  max?: number;
}

/** Called with each batch in offset order; the batch is committed once it resolves. */
export type PrintBatch = (messages: ConsumedMessage[]) => Promise<void>;

export interface LogTarget {
  /** Where the commands talk to, for messages: "Tributary at http://…" or "Kafka at host:9092". */
  readonly description: string;
  listTopics(): Promise<string[]>;
  /** Resolves false when the topic already existed. */
  createTopic(name: string, config: TopicConfig): Promise<boolean>;
  describeTopic(name: string): Promise<TopicDescription>;
  deleteTopic(name: string): Promise<void>;
  /** Produces NDJSON lines (value: the line as is), keyed by a field when keyField is set. */
  produce(topic: string, lines: string[], keyField?: string): Promise<ProduceResult[]>;
  /** Reads until max messages were printed or the signal aborts; commits what was printed. */
  consume(request: ConsumeRequest, print: PrintBatch, signal: AbortSignal): Promise<void>;
  listGroups(): Promise<string[]>;
  describeGroup(group: string): Promise<GroupDescription>;
  close(): Promise<void>;
}

/** A failure the user can act on; the message says what to do next. */
export class TargetError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = 'TargetError';
    this.code = code;
  }
}
