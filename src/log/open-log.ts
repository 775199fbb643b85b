import path from 'node:path';
import type { Config } from '../config/config.ts';
import type { Log } from './log.ts';
import { streamTopics, type StreamLog } from './stream-topics.ts';

export const INDEXER_GROUP = 'tributary-indexer';
/** With the embedded log, kafka-topic sources are indexed straight from the cluster under their own group. */
export const KAFKA_SOURCE_GROUP = 'tributary-kafka-source';

/** Opens the configured log engine; engines load lazily so the embedded default never loads a Kafka client. */
export async function openLog(config: Config): Promise<Log> {
  if (config.log.engine === 'kafka') return openConfiguredKafka(config);
  const { openEmbeddedLog } = await import('./embedded/embedded-log.ts');
  return openEmbeddedLog(path.join(config.dataDir, 'log'), {
    fsync: config.log.fsync,
    defaultPartitions: config.log.partitions,
    releaseAfterGroups: config.log.deleteIndexed ? [INDEXER_GROUP] : [],
    // the active segment is never released: smaller segments leave less of the log behind
    segmentBytes: config.log.deleteIndexed ? 16 * 1024 * 1024 : undefined,
    // cheap (in-memory offsets and segment lists); frequent so released segments go soon after indexing
    retentionCheckIntervalMs: 2_000,
  });
}

async function openConfiguredKafka(config: Config): Promise<Log> {
  const { openKafkaLog } = await import('./kafka/kafka-log.ts');
  return openKafkaLog({ brokers: config.log.kafka.brokers ?? [], clientId: config.log.kafka.clientId });
}

/**
 * The logs streams live on, most specific first. On Kafka: one log, with Tributary's streams
 * under the topic prefix and the kafka-topic sources under their own names. Embedded: the
 * embedded log for Tributary's streams, and when kafka-topic sources are configured, the Kafka
 * cluster for those (a Kafka topic is already a durable, replayable log: copying it into the
 * embedded one would only double the disk and add a second commit point).
 */
export async function openStreamLogs(config: Config, main: Log): Promise<StreamLog[]> {
  const sources = config.sources.kafkaTopics;
  if (config.log.engine === 'kafka') {
    return [{ log: main, topics: streamTopics(config.log.kafka.topicPrefix, sources), indexerGroup: INDEXER_GROUP }];
  }
  const embedded: StreamLog = { log: main, topics: streamTopics(''), indexerGroup: INDEXER_GROUP };
  if (sources.length === 0) return [embedded];
  const kafka = await openConfiguredKafka(config);
  return [{ log: kafka, topics: streamTopics(null, sources), indexerGroup: KAFKA_SOURCE_GROUP }, embedded];
}
