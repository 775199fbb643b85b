// Apache Kafka as a registered log engine, through @platformatic/kafka (loaded only when chosen).
import type { LogEngine } from '../../registry.ts';
import type { Config } from '../../config/config.ts';
import type { Log } from '../log.ts';
import { INDEXER_GROUP, streamTopics } from '../stream-topics.ts';

/** A client of the configured cluster (also for kafka-topic sources beside the embedded log). */
export async function openConfiguredKafka(config: Config): Promise<Log> {
  const { openKafkaLog } = await import('./kafka-log.ts');
  const { brokers, clientId, replicationFactor } = config.log.kafka;
  return openKafkaLog({ brokers: brokers ?? [], clientId, replicationFactor });
}

export const kafkaLog: LogEngine = {
  name: 'kafka',
  description: 'an Apache Kafka cluster (acks=all, idempotent producer); several processes share it',
  config: {
    section: 'log',
    properties: {
      "kafka": {
        "type": "object",
        "additionalProperties": false,
        "properties": {
          "brokers": {
            "type": "array",
            "minItems": 1,
            "items": {
              "type": "string",
              "pattern": "^[^:\\s]+:\\d+$"
            },
            "description": "host:port list (env TRIBUTARY_KAFKA_BROKERS, comma-separated; flag --kafka-brokers)."
          },
          "clientId": {
            "type": "string",
            "minLength": 1,
            "default": "tributary"
          },
          "topicPrefix": {
            "type": "string",
            "pattern": "^[A-Za-z0-9._-]{0,100}$",
            "default": "tributary.",
            "description": "Put before the topic names of streams Tributary creates on Kafka, so a shared cluster's other topics are never indexed. Empty: streams use their own names (and every topic not starting with '_' is indexed)."
          },
          "replicationFactor": {
            "type": "integer",
            "minimum": 1,
            "maximum": 32767,
            "description": "Replication factor of the topics Tributary creates on Kafka. Unset: the cluster's own default (the brokers' default.replication.factor), so records survive what the cluster is set up to survive. A factor higher than the cluster's broker count makes topic creation fail naming it (env TRIBUTARY_KAFKA_REPLICATION_FACTOR)."
          }
        }
      }
    },
  },
  open: openConfiguredKafka,
  // Tributary's streams under the topic prefix, and the topics kafka-topic sources name, read in place
  streamLog: (config, log) => ({ log, topics: streamTopics(config.log.kafka.topicPrefix, config.sources.kafkaTopics), indexerGroup: INDEXER_GROUP }),
};
