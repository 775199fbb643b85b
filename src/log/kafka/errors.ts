// Maps @platformatic/kafka errors onto the log layer's LogError codes.
import { findErrorBy } from '@platformatic/kafka';
import { LogError } from '../log.ts';

/** Kafka protocol error id (e.g. 'TOPIC_ALREADY_EXISTS') carried anywhere inside err, or null. */
export function hasApiError(err: unknown, apiId: string): boolean {
  if (!(err instanceof Error)) return false;
  return findErrorBy(err, 'apiId', apiId) !== null;
}

/** True for failures worth retrying later: connection refused/reset, timeouts, leader moves. */
export function isTransient(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const probe = (e: Error): boolean => {
    const any = e as Error & { code?: string; canRetry?: boolean; errors?: Error[]; cause?: unknown };
    if (any.code === 'PLT_KFK_NETWORK' || any.code === 'PLT_KFK_TIMEOUT') return true;
    if (any.canRetry === true) return true;
    if (Array.isArray(any.errors) && any.errors.some((x) => x instanceof Error && probe(x))) return true;
    if (any.cause instanceof Error) return probe(any.cause);
    return false;
  };
  return probe(err);
}

export function describeError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const any = err as Error & { errors?: unknown[]; apiId?: string; serverErrorMessage?: string | null };
  const parts = [any.apiId ? `${any.apiId}: ${err.message}` : err.message];
  if (any.serverErrorMessage) parts.push(any.serverErrorMessage);
  if (Array.isArray(any.errors)) {
    const inner = new Set(any.errors.map((e) => describeError(e)));
    if (inner.size > 0) parts.push(`[${[...inner].slice(0, 3).join('; ')}]`);
  }
  return parts.join(' ');
}

/** True when err or an error inside it is the client's own "Unknown topic x." (a UserError without an apiId). */
function hasUnknownTopicMessage(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  if (/^Unknown topic /.test(err.message)) return true;
  const nested = err as Error & { errors?: unknown[] };
  return (Array.isArray(nested.errors) && nested.errors.some(hasUnknownTopicMessage)) || hasUnknownTopicMessage(err.cause);
}

/** Wraps a client error in a LogError (UNKNOWN_TOPIC, TOO_LARGE, INVALID_ARGUMENT, UNAVAILABLE). */
export function toLogError(err: unknown, what: string): LogError {
  if (err instanceof LogError) return err;
  if (hasApiError(err, 'UNKNOWN_TOPIC_OR_PARTITION') || hasApiError(err, 'UNKNOWN_TOPIC_ID') || hasUnknownTopicMessage(err)) {
    return new LogError('UNKNOWN_TOPIC', `${what}: unknown topic (${describeError(err)})`);
  }
  if (hasApiError(err, 'TOPIC_ALREADY_EXISTS')) {
    return new LogError('TOPIC_EXISTS', `${what}: topic exists`);
  }
  if (hasApiError(err, 'MESSAGE_TOO_LARGE') || hasApiError(err, 'RECORD_LIST_TOO_LARGE')) {
    return new LogError('TOO_LARGE', `${what}: ${describeError(err)}`);
  }
  if (
    hasApiError(err, 'INVALID_TOPIC_EXCEPTION') ||
    hasApiError(err, 'INVALID_PARTITIONS') ||
    hasApiError(err, 'INVALID_REPLICATION_FACTOR') ||
    hasApiError(err, 'INVALID_CONFIG') ||
    hasApiError(err, 'INVALID_REQUEST') ||
    (err instanceof Error && (err as { code?: string }).code === 'PLT_KFK_USER')
  ) {
    return new LogError('INVALID_ARGUMENT', `${what}: ${describeError(err)}`);
  }
  const e = new LogError('UNAVAILABLE', `${what}: ${describeError(err)}`);
  if (err instanceof Error) e.cause = err;
  return e;
}
