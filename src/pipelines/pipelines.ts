// The pipelines a process runs: every enabled preset's, then the config file's (a pipeline of the
// same name replaces the preset's). Presets' pipelines are checked against the same schema as the
// config file's, so their step options get the same defaults and the same errors.
import { Ajv } from 'ajv';
import type { Config } from '../config/config.ts';
import { PRESETS, STEPS } from '../registry.ts';
import { pipelinesSchema, type PipelineConfig } from './config.ts';

let check: ReturnType<Ajv['compile']> | undefined;

export function configuredPipelines(config: Config): Record<string, PipelineConfig> {
  const fromPresets: Record<string, PipelineConfig> = Object.assign({}, ...PRESETS.map((preset) => preset.pipelines(config)));
  check ??= new Ajv({ allErrors: true, useDefaults: true, strict: false }).compile(pipelinesSchema(STEPS));
  if (!check(fromPresets)) {
    const problems = (check.errors ?? []).map((error) => `pipelines${error.instancePath.replaceAll('/', '.')}: ${error.message}`);
    throw new Error(`a preset's pipeline is invalid (check presets.* in the config):\n  ${problems.join('\n  ')}`);
  }
  const all = { ...fromPresets, ...config.pipelines };
  return Object.fromEntries(Object.entries(all).filter(([, pipeline]) => pipeline.enabled !== false));
}
