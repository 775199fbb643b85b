// The options every log command shares (--url, --log, --kafka-brokers), the choice of engine
// they make, and one way to report failures: `tributary <command>: <what to do next>`, exit 1.
import type { Command } from 'commander';
import { serverUrl } from './server-client.ts';
import type { LogTarget } from './log-target.ts';
import { TargetError } from './log-target.ts';
import { HttpLogTarget } from './http-log-target.ts';
import { MessageLineError } from '../log/ndjson-messages.ts';

export interface TargetFlags {
  url?: string;
  log?: string;
  kafkaBrokers?: string;
  /** Only `topics create` has it. */
  replicationFactor?: string;
}

export function addTargetOptions(command: Command): Command {
  return command
    .option('--url <url>', 'the running Tributary to talk to (default http://127.0.0.1:3000; env TRIBUTARY_URL)')
    .option('--log <engine>', "embedded: through the running server (default); kafka: straight to the brokers, no server needed (env TRIBUTARY_LOG)")
    .option('--kafka-brokers <list>', 'Kafka brokers host:port,... for --log kafka (env TRIBUTARY_KAFKA_BROKERS)');
}

/** --log wins; an explicit --url means the server; then TRIBUTARY_LOG; the default is the server. */
export async function openTarget(flags: TargetFlags): Promise<LogTarget> {
  const engine = flags.log ?? (flags.url ? 'embedded' : process.env.TRIBUTARY_LOG) ?? 'embedded';
  if (engine === 'kafka') {
    const brokers = (flags.kafkaBrokers ?? process.env.TRIBUTARY_KAFKA_BROKERS ?? '').split(',').map((s) => s.trim()).filter(Boolean);
    if (brokers.length === 0) throw new TargetError('usage', '--log kafka needs brokers: pass --kafka-brokers host:9092 or set TRIBUTARY_KAFKA_BROKERS');
    const replicationFactor = flags.replicationFactor === undefined ? undefined : positiveInteger(flags.replicationFactor, '--replication-factor');
    const { openKafkaTarget } = await import('./direct-log-target.ts');
    return openKafkaTarget(brokers, { replicationFactor });
  }
  if (engine !== 'embedded') throw new TargetError('usage', `--log ${engine} is not an engine: use embedded (through the server) or kafka`);
  if (flags.replicationFactor !== undefined) throw new TargetError('usage', '--replication-factor is for --log kafka: the embedded log keeps one copy of each topic');
  return new HttpLogTarget(serverUrl(flags.url));
}

/** Opens the target, runs the action, closes it; a failure is printed with its hint and exits 1. */
export async function withTarget(commandName: string, flags: TargetFlags, action: (target: LogTarget) => Promise<void>): Promise<void> {
  let target: LogTarget | undefined;
  try {
    target = await openTarget(flags);
    await action(target);
  } catch (error) {
    if (!(error instanceof TargetError || error instanceof MessageLineError)) throw error;
    console.error(`tributary ${commandName}: ${error.message}`);
    process.exitCode = 1;
  } finally {
    await target?.close().catch(() => {});
  }
  // a client library's leftover timer must not keep a finished command alive
  setTimeout(() => process.exit(), 2000).unref();
}

export function positiveInteger(value: string, name: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1) throw new TargetError('usage', `${name} must be a positive integer, got ${JSON.stringify(value)}`);
  return number;
}
