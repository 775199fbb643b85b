// Steps from their config entries (`- validate: {...}`), each created once with its restored state.
import path from 'node:path';
import { stepKind } from '../registry.ts';
import type { Step, StepContext } from './step.ts';
import type { SharedKeys } from './steps/dedup/redis-keys.ts';

export interface NamedStep {
  /** The kind, numbered when a pipeline has several of one kind (window, window#2): dead letters name it. */
  name: string;
  step: Step;
}

export async function createSteps(pipeline: string, configs: Array<Record<string, unknown>>, context: { now: () => number; restored?: unknown[]; sharedKeys?: SharedKeys; stateDir?: string }): Promise<NamedStep[]> {
  const seen = new Map<string, number>();
  const steps: NamedStep[] = [];
  for (const [index, entry] of configs.entries()) {
    const [kindName, options] = Object.entries(entry)[0]!;
    const count = (seen.get(kindName) ?? 0) + 1;
    seen.set(kindName, count);
    const stepContext: StepContext = {
      now: context.now, restored: context.restored?.[index] ?? undefined, pipeline, sharedKeys: context.sharedKeys,
      stateDir: context.stateDir === undefined ? undefined : path.join(context.stateDir, `step-${index}`),
    };
    try {
      const step = await stepKind(kindName).create(options ?? {}, stepContext);
      steps.push({ name: count === 1 ? kindName : `${kindName}#${count}`, step });
    } catch (error) {
      throw new Error(`pipelines.${pipeline}.steps.${index}.${kindName}: ${(error as Error).message}`, { cause: error });
    }
  }
  return steps;
}
