// Existing Kafka topics other producers write, each indexed as the stream of the same name. On
// the Kafka log they are read in place by the main indexer (kafka/engine.ts); beside the embedded
// log, straight from the cluster by an indexer group of their own: a Kafka topic is already a
// durable, replayable log, and copying it into the embedded one would double the disk and add a
// second commit point.
import type { Source } from '../../registry.ts';
import { streamTopics } from '../../log/stream-topics.ts';
import { openConfiguredKafka } from '../../log/kafka/engine.ts';

export const KAFKA_SOURCE_GROUP = 'tributary-kafka-source';

export const kafkaTopicSource: Source = {
  name: 'kafka-topic',
  description: 'existing Kafka topics indexed as streams of their names',
  config: {
    section: 'sources',
    properties: {
      "kafkaTopics": {
        "type": "array",
        "uniqueItems": true,
        "default": [],
        "items": {
          "type": "string",
          "pattern": "^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$"
        },
        "description": "Existing Kafka topics to index, each as the stream of the same name (flag --kafka-topic, repeatable; env TRIBUTARY_KAFKA_TOPICS, comma-separated). Needs log.kafka.brokers, also with the embedded log."
      }
    },
  },
  async streamLogs(config) {
    const topics = config.sources.kafkaTopics;
    if (topics.length === 0 || config.log.engine === 'kafka') return [];
    return [{ log: await openConfiguredKafka(config), topics: streamTopics(null, topics), indexerGroup: KAFKA_SOURCE_GROUP }];
  },
};
