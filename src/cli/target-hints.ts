// Errors of the log commands, worded so the user knows what to do next.
import { TargetError } from './log-target.ts';

export function unknownTopic(topic: string, where: string): TargetError {
  return new TargetError(
    'unknown_topic',
    `topic "${topic}" does not exist on ${where}: 'tributary topics list' shows the topics, 'tributary topics create ${topic}' creates it`,
  );
}

export function unknownGroup(group: string, where: string): TargetError {
  return new TargetError(
    'unknown_group',
    `group "${group}" has no members and no committed offsets on ${where}: 'tributary groups list' shows the groups`,
  );
}

export function serverUnreachable(url: string): TargetError {
  return new TargetError(
    'unreachable',
    `cannot reach Tributary at ${url}: start it with 'npx tributary start' (or pass --url / set TRIBUTARY_URL), or use --log kafka --kafka-brokers host:port to work on Kafka directly`,
  );
}
