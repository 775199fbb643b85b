// The benchmark's datasets, in the order `npm run bench` runs them.

import type { Dataset } from './dataset.ts';
import { dyte } from './dyte.ts';
import { telemetry } from './telemetry.ts';
import { variedDataset } from './varied.ts';

export const DATASETS: readonly Dataset[] = [
  dyte,
  variedDataset('varied', { order: 'ascending', wide: false }),
  variedDataset('varied-shuffled', { order: 'shuffled', wide: false }),
  variedDataset('wide', { order: 'ascending', wide: true }),
  telemetry,
];

export function datasetNamed(name: string): Dataset {
  const dataset = DATASETS.find((d) => d.name === name);
  if (!dataset) throw new Error(`no dataset ${name}: choose from ${DATASETS.map((d) => d.name).join(', ')}, or --file PATH for your own NDJSON`);
  return dataset;
}
