// tributary topics list|create|describe|delete — like kafka-topics.sh, on either engine.
import type { Command } from 'commander';
import type { TopicDescription } from '../log/log.ts';
import { addTargetOptions, positiveInteger, withTarget } from './log-target-options.ts';
import type { TargetFlags } from './log-target-options.ts';
import { TargetError } from './log-target.ts';
import { formatTable } from './table.ts';

interface CreateFlags extends TargetFlags {
  partitions: string;
  retentionMs?: string;
  retentionBytes?: string;
  stream?: string;
}

export function registerTopics(program: Command): void {
  const topics = program.command('topics').description("list, create, describe or delete the log's topics");

  addTargetOptions(topics.command('list').description('print the topic names, one a line').option('--json', 'print a JSON array'))
    .action((flags: TargetFlags & { json?: boolean }) => withTarget('topics list', flags, async (target) => {
      const names = await target.listTopics();
      if (flags.json) console.log(JSON.stringify(names));
      else if (names.length > 0) console.log(names.join('\n'));
    }));

  addTargetOptions(topics.command('create').description('create a topic')
    .argument('<name>', 'topic name: letters, digits, . _ -')
    .option('-p, --partitions <n>', 'number of partitions', '1')
    .option('--retention-ms <ms>', 'delete data older than this (default: keep forever)')
    .option('--retention-bytes <bytes>', 'per partition, delete the oldest data beyond this size')
    .option('--stream <name>', 'embedded log: index its messages as this stream, searchable like ingested ones (default: not indexed; on Kafka the topic prefix decides)')
    .option('--replication-factor <n>', "--log kafka: copies of each partition (default: the cluster's default.replication.factor)"))
    .action((name: string, flags: CreateFlags) => withTarget('topics create', flags, async (target) => {
      const config = {
        partitions: positiveInteger(flags.partitions, '--partitions'),
        retentionMs: flags.retentionMs === undefined ? undefined : positiveInteger(flags.retentionMs, '--retention-ms'),
        retentionBytes: flags.retentionBytes === undefined ? undefined : positiveInteger(flags.retentionBytes, '--retention-bytes'),
        stream: flags.stream,
      };
      if (!(await target.createTopic(name, config))) {
        throw new TargetError('topic_exists', `topic "${name}" already exists: 'tributary topics describe ${name}' shows it`);
      }
      console.log(`created topic ${name} with ${config.partitions} partition${config.partitions === 1 ? '' : 's'}`);
    }));

  addTargetOptions(topics.command('describe').description('partitions, offsets and retention of a topic')
    .argument('<name>', 'topic name')
    .option('--json', 'print the description as JSON'))
    .action((name: string, flags: TargetFlags & { json?: boolean }) => withTarget('topics describe', flags, async (target) => {
      const description = await target.describeTopic(name);
      console.log(flags.json ? JSON.stringify(description) : formatTopic(description));
    }));

  addTargetOptions(topics.command('delete').description('delete a topic and its messages')
    .argument('<name>', 'topic name'))
    .action((name: string, flags: TargetFlags) => withTarget('topics delete', flags, async (target) => {
      await target.deleteTopic(name);
      console.log(`deleted topic ${name}`);
    }));
}

export function formatTopic(description: TopicDescription): string {
  const { name, partitions, config } = description;
  const messages = partitions.reduce((sum, p) => sum + (p.endOffset - p.startOffset), 0);
  const retention = [
    config.retentionMs === undefined ? null : `${config.retentionMs} ms`,
    config.retentionBytes === undefined ? null : `${config.retentionBytes} bytes per partition`,
  ].filter(Boolean).join(', ') || 'keep forever';
  const table = formatTable(['PARTITION', 'START', 'END', 'MESSAGES'], partitions.map((p) => [p.partition, p.startOffset, p.endOffset, p.endOffset - p.startOffset]));
  const indexed = config.stream === undefined ? '' : `  Stream: ${config.stream}`;
  return `Topic: ${name}  Partitions: ${partitions.length}  Messages: ${messages}  Retention: ${retention}${indexed}\n${table}`;
}
