// Growing log files as a source (`--tail PATH`, `sources.tail`): each file's lines are appended,
// as they are written, to a topic of the main log that a pipeline parses (the api-requests preset
// reads `tail-lines`). A file's position is saved only once the log has its lines durably.
import { createHash } from 'node:crypto';
import path from 'node:path';
import type { Source } from '../../registry.ts';
import { FileTailer } from './tailer.ts';

/** The topic tailed lines go to unless a tail names another. */
export const DEFAULT_TAIL_TOPIC = 'tail-lines';

const checkpointName = (file: string): string => `${createHash('sha256').update(file).digest('hex').slice(0, 16)}.json`;

export const fileTailSource: Source = {
  name: 'file-tail',
  description: 'growing log files followed line by line, across rotation and truncation',
  config: {
    section: 'sources',
    properties: {
      tail: {
        type: 'array',
        default: [],
        items: {
          oneOf: [
            { type: 'string', minLength: 1 },
            {
              type: 'object',
              additionalProperties: false,
              required: ['path'],
              properties: {
                path: { type: 'string', minLength: 1 },
                topic: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$', default: DEFAULT_TAIL_TOPIC },
                startAt: { enum: ['beginning', 'end'], default: 'beginning', description: 'Where a file never read before is started.' },
              },
            },
          ],
        },
        description: `Files to follow (flag --tail PATH, repeatable): a path, or {path, topic, startAt}. Lines go to topic ${DEFAULT_TAIL_TOPIC} unless another is named; a rotated (renamed) or truncated file is followed, and the position survives a restart.`,
      },
    },
  },
  async start({ acceptor, config }) {
    const tailers = config.sources.tail.map((entry) => {
      const file = path.resolve(entry.path);
      return new FileTailer(
        { path: file, checkpointFile: path.join(config.dataDir, 'sources', 'tail', checkpointName(file)), startAt: entry.startAt },
        async ({ lines }) => {
          const result = await acceptor.acceptToTopic(entry.topic, lines);
          // the tailer keeps the lines and tries again later
          if ('refused' in result) throw new Error(result.refused.message);
        },
        { onError: (error) => console.error(`tail ${file}: ${error.message}`) },
      );
    });
    await Promise.all(tailers.map((tailer) => tailer.start()));
    return { stop: async () => { await Promise.all(tailers.map((tailer) => tailer.stop())); } };
  },
};
