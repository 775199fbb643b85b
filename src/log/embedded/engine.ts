// The embedded log as a registered engine: segment files in the data dir, no service to run.
import path from 'node:path';
import type { LogEngine } from '../../registry.ts';
import { INDEXER_GROUP, markedStreamTopics } from '../stream-topics.ts';
import type { EmbeddedLog } from './embedded-log.ts';

export const embeddedLog: LogEngine = {
  name: 'embedded',
  description: 'segment files in the data dir, fsynced before acknowledging; one process owns the dir',
  config: {
    section: 'log',
    properties: {
      "fsync": {
        "type": "boolean",
        "default": true,
        "description": "Embedded log: fsync before acknowledging. Turn off only for throwaway data."
      },
      "deleteIndexed": {
        "type": "boolean",
        "default": true,
        "description": "Embedded log: delete a segment once every consumer group reading its topic (the indexer, pipelines, readers with a group name) has committed past it (the store is the durable copy). Turn off, with retentionHours, to keep the log for replay."
      }
    },
  },
  async open(config) {
    const { openEmbeddedLog } = await import('./embedded-log.ts');
    return openEmbeddedLog(path.join(config.dataDir, 'log'), {
      fsync: config.log.fsync,
      defaultPartitions: config.log.partitions,
      releaseConsumed: config.log.deleteIndexed,
      // the active segment is never released: smaller segments leave less of the log behind
      segmentBytes: config.log.deleteIndexed ? 16 * 1024 * 1024 : undefined,
      // cheap (in-memory offsets and segment lists); frequent so released segments go soon after indexing
      retentionCheckIntervalMs: 2_000,
    });
  },
  // Tributary's own log: the topics marked with a stream (by ingest, or topics create --stream) are indexed
  streamLog: (_config, log) => ({ log, topics: markedStreamTopics(log as EmbeddedLog), indexerGroup: INDEXER_GROUP }),
};
