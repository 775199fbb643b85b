import { Command } from 'commander';
import { registerStart } from './start-command.ts';
import { registerSearch } from './search-command.ts';

const program = new Command();
program
  .name('tributary')
  .description('Tributary: a log and telemetry pipeline. Ingest over HTTP, search within a second.')
  .version('0.1.0')
  .showHelpAfterError('(run tributary --help for usage)');

registerStart(program);
registerSearch(program);

await program.parseAsync(process.argv);
