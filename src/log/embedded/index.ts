export { EmbeddedLog, openEmbeddedLog } from './embedded-log.ts';
export type { EmbeddedLogOptions, EmbeddedLogger } from './options.ts';
