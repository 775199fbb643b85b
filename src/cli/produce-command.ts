// tributary produce TOPIC — like kafka-console-producer.sh: NDJSON on stdin, one message per line
// (the value is the line as is), sent in batches as lines arrive; each batch is durable before the next.
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import type { ProduceResult } from '../log/log.ts';
import { addTargetOptions, withTarget } from './log-target-options.ts';
import type { TargetFlags } from './log-target-options.ts';
import type { LogTarget } from './log-target.ts';
import { keyFromField, MessageLineError } from '../log/ndjson-messages.ts';

interface ProduceFlags extends TargetFlags {
  keyField?: string;
}

const BATCH_LINES = 500;
const BATCH_BYTES = 512 * 1024;
/** A batch goes out once no line arrived for this long (typed or trickling input). */
const IDLE_FLUSH_MS = 50;

export function registerProduce(program: Command): void {
  addTargetOptions(program.command('produce').description('send NDJSON from stdin to a topic, one message per line')
    .argument('<topic>', 'topic to write to (it must exist: tributary topics create)')
    .option('-k, --key-field <name>', 'take the message key from this JSON field (dotted path allowed); keyed messages land on partition murmur2(key)'))
    .action((topic: string, flags: ProduceFlags) => withTarget('produce', flags, async (target) => {
      await target.describeTopic(topic); // an unknown topic fails before any input is read
      if (process.stdin.isTTY) console.error(`type one message per line; Ctrl-D sends the last ones and exits`);
      const perPartition = await produceLines(target, topic, flags.keyField);
      const total = [...perPartition.values()].reduce((a, b) => a + b, 0);
      const spread = [...perPartition].sort(([a], [b]) => a - b).map(([p, n]) => `${p}: ${n}`).join(', ');
      console.error(`produced ${total} message${total === 1 ? '' : 's'} to ${topic}${total > 0 ? ` (by partition ${spread})` : ''}`);
    }));
}

/** Sends stdin's lines in order; resolves with the message count per partition. */
async function produceLines(target: LogTarget, topic: string, keyField?: string): Promise<Map<number, number>> {
  const perPartition = new Map<number, number>();
  const count = (results: ProduceResult[]) => {
    for (const { partition } of results) perPartition.set(partition, (perPartition.get(partition) ?? 0) + 1);
  };
  let batch: string[] = [];
  let batchBytes = 0;
  let sending: Promise<void> = Promise.resolve();
  let failure: unknown = null;
  let idleTimer: NodeJS.Timeout | undefined;
  const flush = () => {
    clearTimeout(idleTimer);
    if (batch.length === 0) return;
    const lines = batch;
    batch = [];
    batchBytes = 0;
    sending = sending.then(async () => {
      if (failure === null) count(await target.produce(topic, lines, keyField));
    }).catch((error: unknown) => { failure ??= error; });
  };
  let lineNumber = 0;
  for await (const raw of createInterface({ input: process.stdin, crlfDelay: Infinity })) {
    lineNumber += 1;
    if (raw.trim() === '') continue;
    if (keyField) {
      try {
        keyFromField(raw, lineNumber, keyField);
      } catch (error) {
        // the lines before it are sent, nothing from it on
        flush();
        await sending;
        const sent = [...perPartition.values()].reduce((a, b) => a + b, 0);
        throw failure ?? new MessageLineError(lineNumber, `${(error as Error).message.replace(/^line \d+: /, '')}; stopped there, ${sent} message${sent === 1 ? '' : 's'} before it were produced`);
      }
    }
    batch.push(raw);
    batchBytes += raw.length + 1;
    if (batch.length >= BATCH_LINES || batchBytes >= BATCH_BYTES) flush();
    else {
      clearTimeout(idleTimer);
      idleTimer = setTimeout(flush, IDLE_FLUSH_MS);
    }
    if (failure !== null) break;
  }
  flush();
  await sending;
  if (failure !== null) throw failure;
  return perPartition;
}
