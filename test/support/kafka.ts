// Whether the real engines the Kafka tests need are here. Under CI=true a missing broker or kcat
// is a failure (thrown at load, so the file fails); elsewhere the tests skip with the reason.
import { spawnSync } from 'node:child_process';
import { openKafkaLog } from '../../src/log/kafka/kafka-log.ts';

export const BROKERS = (process.env.KAFKA_BROKERS ?? process.env.TRIBUTARY_KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const CI = process.env.CI === 'true';

async function brokerProblem(): Promise<string | null> {
  try {
    const log = await openKafkaLog({ brokers: BROKERS, clientId: 'tributary-probe', requestTimeoutMs: 5000 });
    await log.close();
    return null;
  } catch (error) {
    return (error as Error).message;
  }
}

/** false when the broker answers, else the skip reason; throws under CI=true. */
export async function skipWithoutBroker(): Promise<string | false> {
  const problem = await brokerProblem();
  if (problem === null) return false;
  const reason = `no Kafka broker at ${BROKERS.join(',')} (${problem}): start one with 'npm run kafka:start'`;
  if (CI) throw new Error(`${reason} — CI=true must run the Kafka tests`);
  return reason;
}

/** false when kcat is installed, else the skip reason; throws under CI=true. */
export function skipWithoutKcat(): string | false {
  if (spawnSync('kcat', ['-V']).status === 0) return false;
  const reason = 'kcat is not installed (apt-get install -y kcat)';
  if (CI) throw new Error(`${reason} — CI=true must run the kcat tests`);
  return reason;
}

/** Produces lines with kcat, a Kafka client we did not write. */
export function kcatProduce(topic: string, lines: string[], key?: (line: string) => string): void {
  const args = ['-P', '-b', BROKERS.join(','), '-t', topic];
  const input = key ? lines.map((line) => `${key(line)}\t${line}`) : lines;
  if (key) args.push('-K', '\t');
  const run = spawnSync('kcat', args, { input: `${input.join('\n')}\n`, encoding: 'utf8', timeout: 30_000 });
  if (run.status !== 0) throw new Error(`kcat failed (${run.status}): ${run.stderr}`);
}
