// An Elasticsearch _bulk body: NDJSON of action lines, each `index` or `create` followed by its
// document. A document becomes a record of the stream its index names (or the path's, or the
// default), carrying its `_id` as its own id. What one item gets wrong is that item's error, as
// Elasticsearch answers it; an action line that is not an action fails the whole request.
import type { RecordLimits } from '../../record/limits.ts';
import { isStreamName, streamNameProblem } from '../../record/stream-name.ts';
import { IngestError } from '../http/ingest-error.ts';
import { ndjsonLines, recordAt } from '../http/json-body.ts';

export type BulkAction = 'index' | 'create' | 'update' | 'delete';

export interface ItemError {
  status: number;
  type: string;
  reason: string;
}

export interface BulkItem {
  action: BulkAction;
  index: string;
  id?: string;
  /** The document, for an item that can be written. */
  record?: Buffer;
  error?: ItemError;
}

/** A request Elasticsearch would refuse whole (HTTP 400 with its error shape). */
export class BulkRequestError extends Error {
  readonly type: string;
  constructor(type: string, message: string) {
    super(message);
    this.type = type;
  }
}

const ACTIONS = new Set<string>(['index', 'create', 'update', 'delete']);

function actionOf(text: string, number: number): { action: BulkAction; meta: Record<string, unknown> } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new BulkRequestError('x_content_parse_exception', `line ${number}: the action is not valid JSON: ${(error as Error).message}`);
  }
  const keys = parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? Object.keys(parsed) : [];
  const action = keys[0];
  if (keys.length !== 1 || !ACTIONS.has(action!)) {
    throw new BulkRequestError('illegal_argument_exception', `line ${number}: expected an action line ({"index": {...}}, {"create": {...}}, "update" or "delete"), got ${text.slice(0, 100)}`);
  }
  const meta = (parsed as Record<string, unknown>)[action!];
  if (meta === null || typeof meta !== 'object' || Array.isArray(meta)) {
    throw new BulkRequestError('illegal_argument_exception', `line ${number}: the ${action} action's metadata must be an object`);
  }
  return { action: action as BulkAction, meta: meta as Record<string, unknown> };
}

function itemError(status: number, type: string, reason: string): ItemError {
  return { status, type, reason };
}

/** The items of a bulk body, in order. `pathIndex`: the index of `POST /{index}/_bulk`. */
export function parseBulkBody(bytes: Buffer, limits: RecordLimits, pathIndex: string | undefined, defaultIndex: string): BulkItem[] {
  const items: BulkItem[] = [];
  const source = ndjsonLines(bytes);
  for (let next = source.next(); !next.done; next = source.next()) {
    const { first, last, number } = next.value;
    const { action, meta } = actionOf(bytes.toString('utf8', first, last), number);
    const index = typeof meta._index === 'string' ? meta._index : pathIndex ?? defaultIndex;
    const id = typeof meta._id === 'string' || typeof meta._id === 'number' ? String(meta._id) : undefined;
    const item: BulkItem = { action, index, ...(id === undefined ? {} : { id }) };
    items.push(item);
    if (action === 'delete') {
      item.error = itemError(400, 'illegal_argument_exception', 'delete is not supported: Tributary keeps records until their stream\'s retention removes them');
      continue;
    }
    const document = source.next();
    if (document.done) throw new BulkRequestError('illegal_argument_exception', `line ${number}: the ${action} action has no document after it`);
    if (action === 'update') {
      item.error = itemError(400, 'illegal_argument_exception', 'update is not supported: send the whole document with index');
      continue;
    }
    Object.assign(item, documentOf(index, bytes, document.value.first, document.value.last, `the document on line ${document.value.number}`, limits));
  }
  return items;
}

/** The record an index or create action writes (the bytes between first and last), or the item's error. */
export function documentOf(index: string, bytes: Buffer, first: number, last: number, where: string, limits: RecordLimits): { record: Buffer } | { error: ItemError } {
  if (!isStreamName(index)) return { error: itemError(400, 'invalid_index_name_exception', streamNameProblem(index)) };
  try {
    return { record: recordAt(bytes, first, last, where, limits) };
  } catch (error) {
    if (!(error instanceof IngestError)) throw error;
    return { error: itemError(error.status, 'document_parsing_exception', error.message) };
  }
}
