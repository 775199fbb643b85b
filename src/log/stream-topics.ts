// Which topics of a log carry streams, and under which names. On the embedded log a topic says so
// itself (TopicConfig.stream, set when ingest creates it, or by `tributary topics create
// --stream`): a pipeline's intermediate topic is not indexed unless marked. On a shared Kafka
// cluster Tributary must not index the topics of every other team: the streams it creates get a
// prefix ("tributary." by default), and topics written by other producers are indexed only when a
// kafka-topic source names them (the stream keeps the topic's name).
import type { GroupDescription, Log, TopicConfig, TopicFilter } from './log.ts';
import { STREAM_NAME_SOURCE } from '../record/stream-name.ts';

/** The consumer group that indexes the streams of the main log. */
export const INDEXER_GROUP = 'tributary-indexer';

export interface StreamTopics {
  /** The topic a stream is written to. */
  topicFor(stream: string): string;
  /** The stream a topic carries. */
  streamOf(topic: string): string;
  /** Whether this log carries the stream (a log of named topics carries only those). */
  carries(stream: string): boolean;
  /** The indexer's subscription: every topic of the log that carries a stream, including ones created later. */
  readonly subscription: RegExp | TopicFilter;
  /** What creating a stream's topic adds to its config so that it is indexed (the embedded log's mark). */
  streamMark(stream: string): Pick<TopicConfig, 'stream'>;
}


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
  // `_` first: Tributary's own streams (dead letters), written by its pipelines, never by ingest
  if (prefix !== null) alternatives.push(`${escapeRegExp(prefix)}_?${STREAM_NAME_SOURCE}`);
  const pattern = alternatives.length > 0 ? new RegExp(`^(?:${alternatives.join('|')})$`) : /(?!)/;
  return {
    subscription: pattern,
    streamMark: () => ({}),
    carries: (stream) => prefix !== null || namedSet.has(stream),
    topicFor: (stream) => (namedSet.has(stream) || prefix === null ? stream : prefix + stream),
    streamOf: (topic) => (namedSet.has(topic) || prefix === null || !topic.startsWith(prefix) ? topic : topic.slice(prefix.length)),
  };
}

/** The embedded log's streams: the topics marked with the stream they are indexed as, each written under the stream's name. */
export function markedStreamTopics(marks: { streamOfTopic(topic: string): string | undefined }): StreamTopics {
  return {
    subscription: (topic) => marks.streamOfTopic(topic) !== undefined,
    streamMark: (stream) => ({ stream }),
    carries: () => true,
    topicFor: (stream) => stream,
    streamOf: (topic) => marks.streamOfTopic(topic) ?? topic,
  };
}

/** A log and the streams it carries. */
export interface StreamLog {
  log: Log;
  topics: StreamTopics;
  /** The indexer's consumer group on this log. */
  indexerGroup: string;
}

/** Whether the indexer's subscription takes this topic. */
export function subscribes(topics: StreamTopics, topic: string): boolean {
  return topics.subscription instanceof RegExp ? topics.subscription.test(topic) : topics.subscription(topic);
}

/**
 * The indexer group's partitions on this log's stream topics only. On a shared Kafka cluster
 * another deployment (another topic prefix) may use the same group name: its topics' lag is not
 * this deployment's backlog.
 */
export async function describeStreamGroup({ log, topics, indexerGroup }: StreamLog): Promise<GroupDescription> {
  const description = await log.describeGroup(indexerGroup);
  return { ...description, partitions: description.partitions.filter((partition) => subscribes(topics, partition.topic)) };
}

export interface StreamRoute {
  log: Log;
  topic: string;
  /** Added to the topic's config when it is created, so that it is indexed. */
  mark: Pick<TopicConfig, 'stream'>;
}

/** The stream log a stream lives on: the first that carries it. */
function streamOwner(logs: StreamLog[], stream: string): StreamLog {
  return logs.find((candidate) => candidate.topics.carries(stream)) ?? logs.at(-1)!;
}

/** The log a stream lives on: the first that carries it. */
export function routeStream(logs: StreamLog[], stream: string): StreamRoute {
  const owner = streamOwner(logs, stream);
  return { log: owner.log, topic: owner.topics.topicFor(stream), mark: owner.topics.streamMark(stream) };
}

/**
 * Streams indexed only once searched (streams.NAME.index: on-search): their topics are created
 * without the mark that makes the indexer read them, so a pipeline's intermediate topic costs
 * no indexing until someone asks for it. Only a log whose topics carry marks (the embedded one)
 * can leave a stream out; on Kafka every stream topic is indexed.
 */
export function indexedOnSearch(logs: StreamLog[], onSearch: (stream: string) => boolean): StreamLog[] {
  return logs.map((streamLog) => ({
    ...streamLog,
    topics: { ...streamLog.topics, streamMark: (stream) => (onSearch(stream) ? {} : streamLog.topics.streamMark(stream)) },
  }));
}

/**
 * Starts indexing the named streams whose topics exist unindexed (the first search of an
 * on-search stream): the topic gets its mark, and the indexer reads it from its oldest retained
 * record. `logs`: as opened, before indexedOnSearch. Returns the streams whose indexing started now.
 */
export async function indexStreams(logs: StreamLog[], streams: string[], partitionsOf: (stream: string) => number): Promise<string[]> {
  const started: string[] = [];
  for (const stream of streams) {
    const { log, topics } = streamOwner(logs, stream);
    const topic = topics.topicFor(stream);
    const mark = topics.streamMark(stream);
    if (mark.stream === undefined || subscribes(topics, topic)) continue;
    if (!(await log.listTopics()).includes(topic)) continue;
    await log.createTopic(topic, { partitions: partitionsOf(stream), ...mark });
    started.push(stream);
  }
  return started;
}

/**
 * On-search streams whose topics hold records and are not indexed yet (`logs`: as opened, before
 * indexedOnSearch); an empty one is not listed, as a stream with no records is not.
 */
export async function unindexedStreams(logs: StreamLog[], onSearch: (stream: string) => boolean): Promise<string[]> {
  const names: string[] = [];
  for (const { log, topics } of logs) {
    for (const topic of await log.listTopics()) {
      const stream = topics.streamOf(topic);
      if (!onSearch(stream) || topics.streamMark(stream).stream === undefined || subscribes(topics, topic)) continue;
      // a topic deleted since it was listed is not listed either
      const described = await log.describeTopic(topic).catch(() => null);
      if (described?.partitions.some((partition) => partition.endOffset > partition.startOffset)) names.push(stream);
    }
  }
  return names;
}
