// tributary consume TOPIC — like kafka-console-consumer.sh: prints messages as they arrive, one
// line each, the value as is (like seed 001's printer.py). With --group, what was printed is
// committed, so the next run resumes after it; Ctrl-C stops cleanly and commits.
import type { Command } from 'commander';
import type { ConsumedMessage } from '../log/log.ts';
import { addTargetOptions, positiveInteger, withTarget } from './log-target-options.ts';
import type { TargetFlags } from './log-target-options.ts';

interface ConsumeFlags extends TargetFlags {
  fromBeginning?: boolean;
  group?: string;
  max?: string;
  printKey?: boolean;
  printOffset?: boolean;
}

export function registerConsume(program: Command): void {
  addTargetOptions(program.command('consume').description('print the messages of a topic as they arrive, one a line')
    .argument('<topic>', 'topic to read')
    .option('--from-beginning', 'start at the oldest message (with --group: only where the group has not committed yet)')
    .option('-g, --group <name>', 'read as this consumer group: resume from its committed offsets and commit what is printed')
    .option('--max <n>', 'exit after printing this many messages')
    .option('--print-key', 'print the key (null when none) and a tab before the value')
    .option('--print-offset', 'print Partition:P<tab>Offset:O<tab> before each message'))
    .action((topic: string, flags: ConsumeFlags) => withTarget('consume', flags, async (target) => {
      const max = flags.max === undefined ? undefined : positiveInteger(flags.max, '--max');
      const stop = new AbortController();
      const interrupt = () => {
        if (stop.signal.aborted) process.exit(130); // a second Ctrl-C: leave now, uncommitted
        stop.abort();
      };
      process.on('SIGINT', interrupt);
      process.on('SIGTERM', interrupt);
      // a closed stdout (| head) ends the run; the batch being printed is not committed
      process.stdout.on('error', () => stop.abort());
      let printed = 0;
      try {
        await target.consume({ topic, group: flags.group, fromBeginning: flags.fromBeginning, max }, async (messages) => {
          await write(messages.map((message) => formatMessage(message, flags)).join(''));
          printed += messages.length;
        }, stop.signal);
      } finally {
        process.off('SIGINT', interrupt);
        process.off('SIGTERM', interrupt);
        console.error(`Processed a total of ${printed} message${printed === 1 ? '' : 's'}`);
      }
    }));
}

export function formatMessage(message: ConsumedMessage, flags: { printKey?: boolean; printOffset?: boolean }): string {
  const position = flags.printOffset ? `Partition:${message.partition}\tOffset:${message.offset}\t` : '';
  const key = flags.printKey ? `${message.key === null ? 'null' : message.key.toString('utf8')}\t` : '';
  return `${position}${key}${message.value.toString('utf8')}\n`;
}

function write(text: string): Promise<void> {
  return new Promise((resolve, reject) => process.stdout.write(text, (error) => (error ? reject(error) : resolve())));
}
