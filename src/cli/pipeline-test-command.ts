// tributary pipeline test FILE — runs a pipeline's tests-as-data file (src/pipelines/pipeline-test.ts):
// exit 0 when all pass, 1 with a diff per failing test, 2 when the file itself is wrong.
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { parse as parseYaml } from 'yaml';
import { loadConfig, ConfigError } from '../config/load.ts';
import { configuredPipelines } from '../pipelines/pipelines.ts';
import { PRESETS } from '../registry.ts';
import type { PipelineConfig } from '../pipelines/config.ts';
import { checkTestFile, formatResults, PipelineTestFileError, runPipelineTests } from '../pipelines/pipeline-test.ts';

/** The config file's or a preset's pipeline by name; a preset that is off (api-requests without --tail) is turned on for the test. */
function pipelineNamed(name: string, configFile?: string): PipelineConfig {
  let pipelines = configuredPipelines(loadConfig({ file: configFile }));
  if (!pipelines[name] && PRESETS.some((preset) => preset.name === name)) {
    pipelines = configuredPipelines(loadConfig({ file: configFile, flags: { [`presets.${name}.enabled`]: true } }));
  }
  const pipeline = pipelines[name];
  if (!pipeline) throw new PipelineTestFileError(`no pipeline named '${name}' (known: ${[...new Set([...Object.keys(pipelines), ...PRESETS.map((preset) => preset.name)])].join(', ')}; the config file's come from --config or ./tributary.yaml)`);
  return pipeline;
}

function readTestFile(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new PipelineTestFileError(`cannot read ${file}: ${(error as Error).message}`);
  }
  try {
    return parseYaml(text);
  } catch (error) {
    throw new PipelineTestFileError(`${file} is not YAML or JSON: ${(error as Error).message}`);
  }
}

export function registerPipelineTest(program: Command): void {
  program.command('pipeline').description('work on one pipeline offline')
    .command('test')
    .description('run a pipeline\'s tests-as-data file (YAML or JSON): input records → expected outputs and dead letters')
    .argument('<file>', 'the test file')
    .option('-c, --config <file>', 'config file whose pipelines a test file may name (default ./tributary.yaml when present; env TRIBUTARY_CONFIG)')
    .action(async (file: string, flags: { config?: string }) => {
      try {
        const { pipeline, file: tests } = checkTestFile(readTestFile(file), (name) => pipelineNamed(name, flags.config));
        const results = await runPipelineTests(pipeline, tests);
        console.log(formatResults(results));
        process.exitCode = results.every((result) => result.passed) ? 0 : 1;
      } catch (error) {
        if (!(error instanceof PipelineTestFileError || error instanceof ConfigError)) throw error;
        console.error(`tributary pipeline test: ${file}: ${error.message}`);
        process.exitCode = 2;
      }
    });
}
