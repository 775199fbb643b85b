// How the group's leader hands out partitions: each topic's partitions round robin over the
// members subscribed to that topic, as Kafka's own assignors do. The client's default gives the
// leader's topics to every member, whatever each subscribed to, so members of one group with
// different subscriptions (two deployments with different topic prefixes sharing a group name, or
// members that see a new topic of a pattern at different times) were handed partitions they never
// read, and their own topics' partitions to no one.
import type { GroupPartitionsAssigner, GroupPartitionsAssignments } from '@platformatic/kafka';

export const subscriptionAssigner: GroupPartitionsAssigner = (_leader, members, leaderTopics, metadata) => {
  const result = new Map<string, GroupPartitionsAssignments>([...members.keys()].sort().map((memberId) => [memberId, { memberId, assignments: new Map() }]));
  const subscribers = new Map<string, string[]>();
  for (const [memberId, member] of members) {
    for (const topic of member.topics ?? []) subscribers.set(topic, [...(subscribers.get(topic) ?? []), memberId]);
  }
  // a member whose metadata names no topics gets the leader's, as before
  for (const topic of leaderTopics) if (!subscribers.has(topic)) subscribers.set(topic, [...members.keys()]);
  // one counter across topics, so topics of one partition do not all land on the first member
  let next = 0;
  for (const topic of [...subscribers.keys()].sort()) {
    const partitions = metadata.topics.get(topic)?.partitionsCount ?? 0;
    const eligible = subscribers.get(topic)!.sort();
    for (let partition = 0; partition < partitions; partition++) {
      const member = result.get(eligible[next++ % eligible.length]!)!;
      const assigned = member.assignments.get(topic) ?? { topic, partitions: [] };
      assigned.partitions.push(partition);
      member.assignments.set(topic, assigned);
    }
  }
  return [...result.values()];
};
