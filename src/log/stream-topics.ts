// Which topics of a log carry streams, and under which names. The embedded log is Tributary's
// own, so every topic but internal ones (leading underscore) is a stream of the same name. On a
// shared Kafka cluster Tributary must not index the topics of every other team: the streams it
// creates get a prefix ("tributary." by default), and topics written by other producers are
// indexed only when a kafka-topic source names them (the stream keeps the topic's name).
import type { Log } from './log.ts';

export interface StreamTopics {
  /** The topic a stream is written to. */
  topicFor(stream: string): string;
  /** The stream a topic carries. */
  streamOf(topic: string): string;
  /** Whether this log carries the stream (a log of named topics carries only those). */
  carries(stream: string): boolean;
  /** Every topic of the log that carries a stream, including ones created later. */
  readonly pattern: RegExp;
}

const STREAM_NAME = '[A-Za-z0-9][A-Za-z0-9._-]*';

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * prefix: put before the names of the streams Tributary creates; null: no Tributary-created
 * streams on this log (only the named topics). named: existing topics indexed under their own names.
 */
export function streamTopics(prefix: string | null, named: string[] = []): StreamTopics {
  const namedSet = new Set(named);
  const alternatives = named.map(escapeRegExp);
  if (prefix !== null) alternatives.push(`${escapeRegExp(prefix)}${STREAM_NAME}`);
  const pattern = alternatives.length > 0 ? new RegExp(`^(?:${alternatives.join('|')})$`) : /(?!)/;
  return {
    pattern,
    carries: (stream) => prefix !== null || namedSet.has(stream),
    topicFor: (stream) => (namedSet.has(stream) || prefix === null ? stream : prefix + stream),
    streamOf: (topic) => (namedSet.has(topic) || prefix === null || !topic.startsWith(prefix) ? topic : topic.slice(prefix.length)),
  };
}

/** A log and the streams it carries. */
export interface StreamLog {
  log: Log;
  topics: StreamTopics;
  /** The indexer's consumer group on this log. */
  indexerGroup: string;
}

export interface StreamRoute {
  log: Log;
  topic: string;
}

/** The log a stream lives on: the first that carries it. */
export function routeStream(logs: StreamLog[], stream: string): StreamRoute {
  const owner = logs.find((candidate) => candidate.topics.carries(stream)) ?? logs.at(-1)!;
  return { log: owner.log, topic: owner.topics.topicFor(stream) };
}
