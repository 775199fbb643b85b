// Stream names: what ingest, topics and configs accept. A name starting with `_` is Tributary's own
// (_dead_letters, _audit): it cannot be ingested into, only written by Tributary itself.

/** The characters of a stream name after its first. */
const REST = '[A-Za-z0-9._-]';
/** A stream name as a regular expression source, without anchors or length. */
export const STREAM_NAME_SOURCE = `[A-Za-z0-9]${REST}*`;
export const MAX_STREAM_NAME = 200;
const STREAM_NAME = new RegExp(`^[A-Za-z0-9]${REST}{0,${MAX_STREAM_NAME - 1}}$`);

/** A name producers may write to. */
export function isStreamName(name: string): boolean {
  return STREAM_NAME.test(name);
}

/** A name of any stream: one producers may write to, or one of Tributary's own (`_dead_letters`). */
export function isAnyStreamName(name: string): boolean {
  return name.startsWith('_') ? isStreamName(name.slice(1)) : isStreamName(name);
}

/** Why `name` is not a stream producers may write to. */
export function streamNameProblem(name: string): string {
  return `stream '${name}' is not a valid name: use letters, digits, '.', '_' or '-', starting with a letter or digit, at most ${MAX_STREAM_NAME} characters`;
}
