// The open windows of a window step: per window start, per group key, the accumulators of its
// aggregates and the records rejected upstream that fell in it. Snapshotted as JSON with the
// pipeline's offsets, so a restart resumes mid-window with nothing lost or counted twice.
import { createAccumulator, restoreAccumulator, type Accumulator, type AggregateSpec } from './aggregates.ts';
import type { RecordOrigin } from '../../step.ts';

export interface WindowGroup {
  /** The group-by fields' values, in order. */
  values: unknown[];
  accumulators: Accumulator[];
  rejected: number;
  /** The last record that went in: the window's output is traced to it. */
  origin: RecordOrigin;
}

export interface WindowStateSnapshot {
  windows: Array<[start: number, groups: Array<[key: string, values: unknown[], states: unknown[], rejected: number, origin: RecordOrigin]>]>;
  /** Per input partition: the newest event time seen and when (processing time). */
  partitions: Array<[partition: string, newestMs: number, seenAtMs: number]>;
  /** Windows ending at or before this are closed: what arrives for them is late. */
  closedThrough: number | null;
  lastInputAt: number | null;
  /** When the snapshot was taken (processing time): a restore shifts the times above by the downtime. */
  at?: number;
}

export class OpenWindows {
  readonly byStart = new Map<number, Map<string, WindowGroup>>();
  readonly #specs: AggregateSpec[];

  constructor(specs: AggregateSpec[]) {
    this.#specs = specs;
  }

  group(start: number, key: string, values: unknown[], origin: RecordOrigin): WindowGroup {
    let groups = this.byStart.get(start);
    if (!groups) this.byStart.set(start, (groups = new Map()));
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { values, accumulators: this.#specs.map(createAccumulator), rejected: 0, origin }));
    return group;
  }

  /** Window starts, oldest first. */
  starts(): number[] {
    return [...this.byStart.keys()].sort((a, b) => a - b);
  }

  take(start: number): Map<string, WindowGroup> {
    const groups = this.byStart.get(start) ?? new Map<string, WindowGroup>();
    this.byStart.delete(start);
    return groups;
  }

  get size(): number {
    let groups = 0;
    for (const window of this.byStart.values()) groups += window.size;
    return groups;
  }

  snapshot(): WindowStateSnapshot['windows'] {
    return [...this.byStart].map(([start, groups]) => [start, [...groups].map(([key, group]) =>
      [key, group.values, group.accumulators.map((accumulator) => accumulator.toState()), group.rejected, group.origin])]);
  }

  restore(windows: WindowStateSnapshot['windows']): void {
    for (const [start, groups] of windows) {
      const restored = new Map<string, WindowGroup>();
      for (const [key, values, states, rejected, origin] of groups) {
        if (states.length !== this.#specs.length) throw new Error('window: the checkpointed windows were kept for other aggregates; delete the pipeline\'s checkpoint to start the windows afresh');
        restored.set(key, { values, accumulators: this.#specs.map((spec, i) => restoreAccumulator(spec, states[i])), rejected, origin });
      }
      this.byStart.set(start, restored);
    }
  }
}
