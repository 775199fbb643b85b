// tributary groups list|describe — like kafka-consumer-groups.sh: committed offsets and lag per
// partition, and the autoscaler's workers and events for a group a pipeline autoscales.
import type { Command } from 'commander';
import { totalLag, type GroupDescription } from '../log/log.ts';
import { addTargetOptions, withTarget } from './log-target-options.ts';
import type { TargetFlags } from './log-target-options.ts';
import { EPHEMERAL_GROUP_PREFIX } from '../log/read-messages.ts';
import { unknownGroup } from './target-hints.ts';
import { formatTable } from './table.ts';
import { formatScaling } from './pipelines-command.ts';
import type { Scaling } from '../pipelines/autoscale/pipeline-workers.ts';

export function registerGroups(program: Command): void {
  const groups = program.command('groups').description('list consumer groups, or show their offsets and lag');

  addTargetOptions(groups.command('list').description('print the consumer group names, one a line')
    .option('--all', `include the groups of 'tributary consume' runs without --group (${EPHEMERAL_GROUP_PREFIX}…)`)
    .option('--json', 'print a JSON array'))
    .action((flags: TargetFlags & { all?: boolean; json?: boolean }) => withTarget('groups list', flags, async (target) => {
      const names = (await target.listGroups()).filter((name) => flags.all || !name.startsWith(EPHEMERAL_GROUP_PREFIX));
      if (flags.json) console.log(JSON.stringify(names));
      else if (names.length > 0) console.log(names.join('\n'));
    }));

  addTargetOptions(groups.command('describe').description('members, committed offsets and lag per partition of a group')
    .argument('<name>', 'group name')
    .option('--json', 'print the description as JSON'))
    .action((name: string, flags: TargetFlags & { json?: boolean }) => withTarget('groups describe', flags, async (target) => {
      const description = await target.describeGroup(name);
      const scaled = 'scaling' in description;
      if (!scaled && description.members === 0 && description.partitions.length === 0) throw unknownGroup(name, target.description);
      console.log(flags.json ? JSON.stringify(description) : formatGroup(description));
    }));
}

export function formatGroup(description: GroupDescription): string {
  const lag = totalLag(description);
  const table = formatTable(
    ['TOPIC', 'PARTITION', 'COMMITTED', 'END', 'LAG'],
    description.partitions.map((p) => [p.topic, p.partition, p.committed ?? '-', p.endOffset, p.lag]),
  );
  const scaling = (description as GroupDescription & { scaling?: Scaling }).scaling;
  return [`Group: ${description.group}  Members: ${description.members}  Total lag: ${lag}`, ...(scaling ? formatScaling(scaling) : []), table].join('\n');
}
