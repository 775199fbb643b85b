import path from 'node:path';
import type { Config } from '../config/config.ts';
import type { Log } from './log.ts';

/** Opens the configured log engine; engines load lazily so the embedded default never loads a Kafka client. */
export async function openLog(config: Config): Promise<Log> {
  if (config.log.engine === 'kafka') {
    const { openKafkaLog } = await import('./kafka/kafka-log.ts');
    return openKafkaLog({ brokers: config.log.kafka.brokers ?? [], clientId: config.log.kafka.clientId });
  }
  const { openEmbeddedLog } = await import('./embedded/embedded-log.ts');
  return openEmbeddedLog(path.join(config.dataDir, 'log'), { fsync: config.log.fsync, defaultPartitions: config.log.partitions });
}
