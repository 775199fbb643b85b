import { mkdir, readdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { LogError } from '../log.ts';
import type { TopicConfig } from '../log.ts';
import { fsyncDir, writeFileAtomic } from './atomic-file.ts';
import { GROUPS_DIR } from './group-offsets.ts';
import { isAnyStreamName } from '../../record/stream-name.ts';

export const TOPIC_CONFIG_FILE = 'topic.json';
const DELETED_PREFIX = '.deleted-';

/** topic.json: the config, with `stream` written as null for a topic that is not indexed. */
type TopicFile = Omit<TopicConfig, 'stream'> & { stream?: string | null };

/** Kafka's rule for topic names, minus names that collide with the data dir's own entries. */
export function validateTopicName(name: string): void {
  if (typeof name !== 'string' || !/^[A-Za-z0-9._-]{1,249}$/.test(name) || name.startsWith('.') || name === GROUPS_DIR) {
    throw new LogError('INVALID_ARGUMENT', `invalid topic name ${JSON.stringify(name)}: use 1-249 of [A-Za-z0-9._-], not starting with '.'`);
  }
}

export function validateTopicConfig(config: TopicConfig): TopicConfig {
  if (!Number.isInteger(config?.partitions) || config.partitions < 1 || config.partitions > 10_000) {
    throw new LogError('INVALID_ARGUMENT', `partitions must be an integer from 1 to 10000, got ${config?.partitions}`);
  }
  for (const field of ['retentionMs', 'retentionBytes'] as const) {
    const value = config[field];
    if (value !== undefined && !(typeof value === 'number' && value >= 0)) {
      throw new LogError('INVALID_ARGUMENT', `${field} must be a non-negative number, got ${value}`);
    }
  }
  if (config.stream !== undefined && !(typeof config.stream === 'string' && isAnyStreamName(config.stream))) {
    throw new LogError('INVALID_ARGUMENT', `invalid stream name ${JSON.stringify(config.stream)}: use 1-200 of [A-Za-z0-9._-], starting with a letter or digit (or _ for Tributary's own)`);
  }
  const clean: TopicConfig = { partitions: config.partitions };
  if (config.retentionMs !== undefined) clean.retentionMs = config.retentionMs;
  if (config.retentionBytes !== undefined) clean.retentionBytes = config.retentionBytes;
  if (config.stream !== undefined) clean.stream = config.stream;
  return clean;
}

/**
 * A topic.json without `stream` was written before topics were marked, when every topic whose
 * name starts with a letter or digit was indexed as the stream of its name: it stays so.
 */
function fromFile(name: string, file: TopicFile): TopicConfig {
  const { stream, ...config } = file;
  if (stream === null) return config;
  if (stream === undefined) return /^[A-Za-z0-9]/.test(name) ? { ...config, stream: name } : config;
  return { ...config, stream };
}

/**
 * Topics on disk: dir/<topic>/topic.json marks a complete topic (written last on create, so a
 * crash mid-create leaves a dir without it, which the next open removes).
 */
export async function loadTopicConfigs(dir: string): Promise<Map<string, TopicConfig>> {
  const topics = new Map<string, TopicConfig>();
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name === GROUPS_DIR) continue;
    const topicDir = join(dir, entry.name);
    if (entry.name.startsWith(DELETED_PREFIX)) {
      await rm(topicDir, { recursive: true, force: true });
      continue;
    }
    try {
      topics.set(entry.name, fromFile(entry.name, JSON.parse(await readFile(join(topicDir, TOPIC_CONFIG_FILE), 'utf8')) as TopicFile));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      await rm(topicDir, { recursive: true, force: true });
    }
  }
  return topics;
}

export async function writeTopicConfig(dir: string, name: string, config: TopicConfig, fsync: boolean): Promise<void> {
  const topicDir = join(dir, name);
  await mkdir(topicDir, { recursive: true });
  const file: TopicFile = { ...config, stream: config.stream ?? null };
  await writeFileAtomic(join(topicDir, TOPIC_CONFIG_FILE), JSON.stringify(file), fsync);
  if (fsync) await fsyncDir(dir);
}

/** Renames the topic dir away first, so a crash mid-delete never leaves half a topic. */
export async function removeTopicDir(dir: string, name: string, fsync: boolean): Promise<void> {
  const doomed = join(dir, `${DELETED_PREFIX}${name}-${Date.now()}`);
  await rename(join(dir, name), doomed);
  if (fsync) await fsyncDir(dir);
  await rm(doomed, { recursive: true, force: true });
}
