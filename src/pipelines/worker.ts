// One member of a pipeline's consumer group in this process. Two kinds run: the step runner
// (runner.ts: records through steps to outputs, state checkpointed with the offsets) and the
// indexing runner (indexing-runner.ts: the pipeline with no steps whose output is the store stream
// of each topic, its offsets in the store's own transaction). PipelineWorkers runs 1 to N of either.
import type { Log } from '../log/log.ts';
import type { PipelineStats } from './runner.ts';

export interface PipelineWorker {
  readonly group: string;
  readonly inputLog: Log;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Leaves the group until resume(), what it holds written first. */
  pause(): Promise<void>;
  resume(): void;
  stats(): PipelineStats;
  /** Next offset per partition this worker has read and handed on. */
  consumedPositions(): ReadonlyMap<string, number>;
  /** Records of the input not read yet, when the group's lag alone would count others' topics. */
  lag?(): Promise<number>;
}
