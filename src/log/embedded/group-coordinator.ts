import { partitionKey } from '../log.ts';
import type { TopicPartition } from '../log.ts';
import type { EmbeddedLogger } from './options.ts';

/** What the coordinator needs from a consumer of the group. */
export interface GroupMember {
  subscribes(topic: string): boolean;
  /** Keys (topic:partition) of the partitions this member currently reads. */
  readonly owned: ReadonlySet<string>;
  /** Stops reading these, after the batch in flight was handled and committed. */
  revoke(partitions: TopicPartition[]): Promise<void>;
  /** Starts reading these. */
  assign(partitions: TopicPartition[]): Promise<void>;
}

export interface TopicLayout {
  name: string;
  partitions: number;
}

/**
 * Membership and partition assignment of one consumer group inside this process. A rebalance
 * first revokes what moves (waiting for in-flight batches), then assigns; rebalances run one at
 * a time and requests during one are folded into the next.
 */
export class GroupCoordinator {
  readonly group: string;
  readonly #topics: () => TopicLayout[];
  readonly #logger: EmbeddedLogger;
  readonly #members: GroupMember[] = [];
  readonly #leaving = new Set<GroupMember>();
  #requested = false;
  /** Cleared by the loop itself, in the same tick as its last look at #requested. */
  #rebalancing = false;
  #running: Promise<void> = Promise.resolve();

  constructor(group: string, topics: () => TopicLayout[], logger: EmbeddedLogger) {
    this.group = group;
    this.#topics = topics;
    this.#logger = logger;
  }

  get memberCount(): number {
    return this.#members.length - this.#leaving.size;
  }

  get isEmpty(): boolean {
    return this.#members.length === 0;
  }

  assignedKeys(): Set<string> {
    const keys = new Set<string>();
    for (const member of this.#members) for (const key of member.owned) keys.add(key);
    return keys;
  }

  interestedIn(topic: string): boolean {
    return this.#members.some((member) => !this.#leaving.has(member) && member.subscribes(topic));
  }

  join(member: GroupMember): Promise<void> {
    this.#members.push(member);
    return this.rebalance();
  }

  /** Resolves once the member's partitions were revoked and handed to the others. */
  leave(member: GroupMember): Promise<void> {
    if (!this.#members.includes(member)) return Promise.resolve();
    this.#leaving.add(member);
    return this.rebalance();
  }

  rebalance(): Promise<void> {
    this.#requested = true;
    if (!this.#rebalancing) {
      this.#rebalancing = true;
      this.#running = this.#rebalanceLoop();
    }
    return this.#running;
  }

  async #rebalanceLoop(): Promise<void> {
    while (this.#requested) {
      this.#requested = false;
      try {
        await this.#rebalanceOnce();
      } catch (error) {
        this.#logger.error(`consumer group ${this.group}: rebalance failed`, error);
      }
    }
    this.#rebalancing = false;
  }

  async #rebalanceOnce(): Promise<void> {
    // members that leave while this round revokes keep their partitions until the next round revokes them
    const leaving = new Set(this.#leaving);
    const target = this.#computeAssignment(leaving);
    await Promise.all(
      this.#members.map((member) => {
        const wanted = target.get(member)!;
        const lost = [...member.owned].filter((key) => !wanted.has(key)).map(parseKey);
        return lost.length > 0 ? member.revoke(lost) : undefined;
      }),
    );
    for (const member of leaving) {
      this.#members.splice(this.#members.indexOf(member), 1);
      this.#leaving.delete(member);
    }
    // a member that joined while this round revoked gets its share in the round its join asked for
    await Promise.all(
      [...target].map(([member, wanted]) => {
        const gained = [...wanted].filter((key) => !member.owned.has(key)).map(parseKey);
        return gained.length > 0 && this.#members.includes(member) ? member.assign(gained) : undefined;
      }),
    );
  }

  /** Each partition goes to the least loaded subscribed member; ties keep the current owner. */
  #computeAssignment(leaving: ReadonlySet<GroupMember>): Map<GroupMember, Set<string>> {
    const target = new Map<GroupMember, Set<string>>(this.#members.map((member) => [member, new Set<string>()]));
    const active = this.#members.filter((member) => !leaving.has(member));
    const topics = [...this.#topics()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const topic of topics) {
      const eligible = active.filter((member) => member.subscribes(topic.name));
      if (eligible.length === 0) continue;
      for (let partition = 0; partition < topic.partitions; partition++) {
        const key = partitionKey(topic.name, partition);
        let best = eligible[0]!;
        for (const member of eligible) {
          const load = target.get(member)!.size;
          const bestLoad = target.get(best)!.size;
          if (load < bestLoad || (load === bestLoad && member.owned.has(key) && !best.owned.has(key))) best = member;
        }
        target.get(best)!.add(key);
      }
    }
    return target;
  }
}

function parseKey(key: string): TopicPartition {
  const colon = key.lastIndexOf(':');
  return { topic: key.slice(0, colon), partition: Number(key.slice(colon + 1)) };
}
