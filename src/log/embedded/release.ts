// Which consumer groups hold a topic's segments back when the log releases what was consumed
// (option releaseConsumed): a pipeline's group reading the same topic as the indexer must not
// lose its input because the indexer is ahead.
import { EPHEMERAL_GROUP_PREFIX } from '../log.ts';
import type { GroupCoordinator } from './group-coordinator.ts';
import type { GroupOffsets } from './group-offsets.ts';

/**
 * The committed offsets of every group reading the topic: each group that committed on it or has
 * a member subscribed to it (undefined: subscribed, never committed anywhere), except the
 * throwaway groups of console reads.
 */
export function groupsReading(
  topic: string,
  offsets: ReadonlyMap<string, GroupOffsets>,
  coordinators: ReadonlyMap<string, GroupCoordinator>,
): (GroupOffsets | undefined)[] {
  const readers = new Map<string, GroupOffsets | undefined>();
  for (const [group, groupOffsets] of offsets) if (groupOffsets.hasTopic(topic)) readers.set(group, groupOffsets);
  for (const [group, coordinator] of coordinators) {
    if (!readers.has(group) && coordinator.interestedIn(topic)) readers.set(group, offsets.get(group));
  }
  for (const group of readers.keys()) if (group.startsWith(EPHEMERAL_GROUP_PREFIX)) readers.delete(group);
  return [...readers.values()];
}

/**
 * The offset of a partition (key topic:partition) below which every reading group has committed.
 * A group without a commit on the partition holds all of it; with no group reading, all is held.
 */
export function releasedBefore(readers: (GroupOffsets | undefined)[], key: string): number {
  if (readers.length === 0) return 0;
  let released = Infinity;
  for (const groupOffsets of readers) released = Math.min(released, groupOffsets?.get(key) ?? 0);
  return released;
}
