import { Command } from 'commander';
import { registerStart } from './start-command.ts';
import { registerSearch } from './search-command.ts';
import { registerTopics } from './topics-command.ts';
import { registerGroups } from './groups-command.ts';
import { registerProduce } from './produce-command.ts';
import { registerConsume } from './consume-command.ts';
import { registerGen } from './gen-command.ts';
import { registerPipelineTest } from './pipeline-test-command.ts';
import { registerPipelines } from './pipelines-command.ts';
import { registerDlq } from './dlq-command.ts';
import { registerKeys } from './keys-command.ts';
import { registerUsers } from './users-command.ts';
import { registerSaved } from './saved-command.ts';

const program = new Command();
program
  .name('tributary')
  .description('Tributary: a log and telemetry pipeline. Ingest over HTTP, search within a second.')
  .version('0.1.0')
  .showHelpAfterError('(run tributary --help for usage)');

registerStart(program);
registerSearch(program);
registerTopics(program);
registerGroups(program);
registerProduce(program);
registerConsume(program);
registerGen(program);
registerPipelineTest(program);
registerPipelines(program);
registerDlq(program);
registerKeys(program);
registerUsers(program);
registerSaved(program);

await program.parseAsync(process.argv);
