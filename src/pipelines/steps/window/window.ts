// The window step: aggregates records over tumbling, hopping or sliding windows of event time
// (default) or processing time, one output record per window and group key. A window closes when
// the watermark passes its end: the lowest, over the input partitions that had records within the
// idle timeout, of the newest event time seen, minus the allowed lateness. With no input at all
// for the idle timeout every open window closes, on the runner's timer (tick), not when the next
// record happens to come. A record only for windows already closed is late: rejected with the
// reason (the runner dead-letters it), never dropped. Records rejected by earlier steps can be
// counted per window (the seed-001 error rate).
import type { PipelineRecord, Rejection, RecordOrigin, Step, StepContext, StepKind, StepResult } from '../../step.ts';
import { splitFieldPath, valueAt } from '../../../record/field-path.ts';
import { eventTime, parseTimeValue } from '../../../record/time.ts';
import { parseDuration, tryParseDuration } from '../../../query/duration.ts';
import { AGGREGATE_SPEC_SCHEMA, type AggregateSpec } from './aggregates.ts';
import { formatTime, windowStarts, type TimeFormat, type WindowShape } from './window-math.ts';
import { OpenWindows, type WindowGroup, type WindowStateSnapshot } from './window-state.ts';

export interface WindowOptions {
  type?: 'tumbling' | 'hopping' | 'sliding';
  size: string;
  slide?: string;
  offset?: string;
  time?: 'event' | 'processing';
  timeField?: string;
  lateness?: string;
  idleTimeout?: string;
  groupBy?: string[];
  aggregates: AggregateSpec[];
  /** Output fields, in this order before the aggregates; null leaves one out. */
  fields?: { emittedAt?: string | null; windowStart?: string | null; windowEnd?: string | null };
  timeFormat?: TimeFormat;
  /** Output fields listed here come first, in this order (a seed's exact record layout). */
  fieldOrder?: string[];
  /** Records rejected upstream, per window: their count and their share of the window's records in percent. */
  rejected?: { countAs?: string; percentAs?: string; decimals?: number };
}

export interface WindowStep extends Step {
  /** Windows (× group keys) open now. */
  readonly openGroups: number;
  readonly lateRecords: number;
  snapshot(): WindowStateSnapshot;
}

const DURATION = { type: 'string', pattern: '^(?:\\d+(?:\\.\\d+)?(?:ms|s|m|h|d|w))+$' } as const;

const optionsSchema = {
  type: 'object',
  properties: {
    type: { enum: ['tumbling', 'hopping', 'sliding'], default: 'tumbling', description: 'tumbling: back to back; hopping: of `size` every `slide`; sliding: hopping with a fine slide (default 1s), the last `size` at every step.' },
    size: { ...DURATION, description: 'Window length, e.g. 5m.' },
    slide: { ...DURATION, description: 'How far each window starts after the previous (hopping, sliding).' },
    offset: { ...DURATION, default: '0s', description: 'Windows start at the epoch plus this, plus multiples of the slide.' },
    time: { enum: ['event', 'processing'], default: 'event', description: 'Event time (from the record) or processing time.' },
    timeField: { type: 'string', minLength: 1, description: 'Field holding the event time (epoch s/ms or ISO); default: the record model\'s time fields (timestamp, @timestamp, ts, …), else the time the log took the record. A record without the named field is rejected.' },
    lateness: { ...DURATION, default: '0s', description: 'How long after its end a window waits for out-of-order records.' },
    idleTimeout: { ...DURATION, default: '1m', description: 'A partition without records this long no longer holds the watermark back; with no input at all this long, every open window closes.' },
    groupBy: { type: 'array', items: { type: 'string', minLength: 1 }, default: [], description: 'Fields whose values split each window into groups, copied into the output.' },
    aggregates: { type: 'array', minItems: 1, items: AGGREGATE_SPEC_SCHEMA },
    fields: {
      type: 'object',
      properties: {
        emittedAt: { type: ['string', 'null'], default: 'timestamp' },
        windowStart: { type: ['string', 'null'], default: 'window_start' },
        windowEnd: { type: ['string', 'null'], default: 'window_end' },
      },
      additionalProperties: false,
      default: {},
    },
    fieldOrder: { type: 'array', items: { type: 'string', minLength: 1 }, description: 'Output fields listed here come first, in this order.' },
    timeFormat: { enum: ['iso', 'epoch-ms', 'epoch-s'], default: 'iso', description: 'iso: UTC without a zone, as Python writes it.' },
    rejected: {
      type: 'object',
      properties: {
        countAs: { type: 'string', minLength: 1 },
        percentAs: { type: 'string', minLength: 1, description: 'rejected ÷ max(1, records in the window) × 100' },
        decimals: { type: 'integer', minimum: 0, maximum: 12, default: 2 },
      },
      additionalProperties: false,
    },
  },
  required: ['size', 'aggregates'],
  additionalProperties: false,
} as const;

/** A duration that may be zero (lateness, offset). */
function orZero(text: string | undefined): number {
  if (text === undefined) return 0;
  const ms = tryParseDuration(text);
  if (ms === undefined) return parseDuration(text);
  return ms;
}

function shapeOf(options: WindowOptions): WindowShape {
  const sizeMs = parseDuration(options.size);
  const type = options.type ?? 'tumbling';
  if (type === 'hopping' && options.slide === undefined) throw new Error('window: a hopping window needs a slide');
  const slideMs = type === 'tumbling' ? sizeMs : parseDuration(options.slide ?? '1s');
  if (!(sizeMs > 0)) throw new Error('window: size must be longer than 0');
  if (!(slideMs > 0) || slideMs > sizeMs) throw new Error(`window: slide must be longer than 0 and at most the size (${options.size})`);
  if (sizeMs / slideMs > 3600) throw new Error('window: size ÷ slide must be at most 3600 (each record goes into that many windows)');
  return { sizeMs, slideMs, offsetMs: orZero(options.offset) };
}

function path(field: string, what: string): string[] {
  const segments = splitFieldPath(field);
  if (!segments) throw new Error(`window: ${what} '${field}' is not a field path`);
  return segments;
}

const round = (value: number, decimals: number): number => Number(value.toFixed(decimals));

export const windowStep = {
  name: 'window',
  description: 'Aggregates records over tumbling, hopping or sliding windows of event or processing time; late records are rejected with the reason.',
  options: optionsSchema,
  create(options: WindowOptions, context: StepContext): WindowStep {
    const shape = shapeOf(options);
    const useEventTime = (options.time ?? 'event') === 'event';
    const timePath = options.timeField === undefined ? undefined : path(options.timeField, 'timeField');
    const latenessMs = orZero(options.lateness);
    const idleMs = parseDuration(options.idleTimeout ?? '1m');
    const groupFields = options.groupBy ?? [];
    const groupPaths = groupFields.map((field) => path(field, 'groupBy field'));
    const specs = options.aggregates;
    const fieldPaths = specs.map((spec) => (spec.field === undefined ? undefined : path(spec.field, 'aggregate field')));
    const fields = { emittedAt: 'timestamp', windowStart: 'window_start', windowEnd: 'window_end', ...options.fields };
    const timeFormat = options.timeFormat ?? 'iso';
    if (options.rejected?.percentAs && !specs.some((spec) => spec.fn === 'count')) {
      throw new Error('window: rejected.percentAs is a share of the records counted in the window: add a count aggregate');
    }

    const ordered = (body: Record<string, unknown>): Record<string, unknown> => {
      if (!options.fieldOrder) return body;
      const first = Object.fromEntries(options.fieldOrder.filter((field) => field in body).map((field) => [field, body[field]]));
      return { ...first, ...body };
    };

    const windows = new OpenWindows(specs);
    const partitions = new Map<string, { newestMs: number; seenAtMs: number }>();
    let closedThrough: number | null = null;
    let lastInputAt: number | null = null;
    let lateRecords = 0;

    const restored = context.restored as WindowStateSnapshot | undefined;
    if (restored) {
      windows.restore(restored.windows);
      // The time the pipeline was down is no idleness of its input (the records after the checkpoint
      // are replayed next): processing times resume from now, or the first tick would close every
      // restored window and the replayed records for them would be late.
      const pausedSince = restored.at ?? restored.lastInputAt;
      const paused = pausedSince === null || pausedSince === undefined ? 0 : Math.max(0, context.now() - pausedSince);
      for (const [key, newestMs, seenAtMs] of restored.partitions) partitions.set(key, { newestMs: newestMs ?? Number.NEGATIVE_INFINITY, seenAtMs: seenAtMs + paused });
      closedThrough = restored.closedThrough;
      lastInputAt = restored.lastInputAt === null ? null : restored.lastInputAt + paused;
    }

    /** The record's own time: from timeField, else the record model's time fields. */
    const ownTime = (record: PipelineRecord): number | null =>
      (timePath ? parseTimeValue(valueAt(record.body, timePath)) : eventTime(record.body));

    const timeOf = (record: PipelineRecord): number | null => {
      if (!useEventTime) return context.now();
      // as the record model: without a time field named, a record without a time has the time the log took it
      return ownTime(record) ?? (timePath ? null : record.origin.ingestedAt);
    };

    const groupOf = (record: PipelineRecord): { key: string; values: unknown[] } => {
      if (groupPaths.length === 0) return { key: '', values: [] };
      const values = groupPaths.map((segments) => valueAt(record.body, segments) ?? null);
      return { key: JSON.stringify(values), values };
    };

    const isOpen = (start: number): boolean => closedThrough === null || start + shape.sizeMs > closedThrough;

    const observe = (origin: RecordOrigin, t: number, now: number): void => {
      const key = `${origin.topic}:${origin.partition}`;
      const seen = partitions.get(key);
      partitions.set(key, { newestMs: Math.max(seen?.newestMs ?? t, t), seenAtMs: now });
      lastInputAt = now;
    };

    const watermark = (now: number): number | null => {
      if (!useEventTime) return now - latenessMs;
      let lowest: number | null = null;
      for (const { newestMs, seenAtMs } of partitions.values()) {
        if (now - seenAtMs >= idleMs) continue;
        lowest = lowest === null ? newestMs : Math.min(lowest, newestMs);
      }
      return lowest === null ? null : lowest - latenessMs;
    };

    const output = (start: number, group: WindowGroup, now: number): PipelineRecord => {
      const body: Record<string, unknown> = {};
      const end = start + shape.sizeMs;
      if (fields.emittedAt) body[fields.emittedAt] = formatTime(now, timeFormat);
      if (fields.windowStart) body[fields.windowStart] = formatTime(start, timeFormat);
      if (fields.windowEnd) body[fields.windowEnd] = formatTime(end, timeFormat);
      groupFields.forEach((field, i) => { body[field] = group.values[i]; });
      const records = group.accumulators.find((_, i) => specs[i]!.fn === 'count')?.result(shape.sizeMs / 1000);
      specs.forEach((spec, i) => { body[spec.as] = group.accumulators[i]!.result(shape.sizeMs / 1000); });
      const rejected = options.rejected;
      if (rejected?.percentAs) {
        const valid = typeof records === 'number' ? records : 0;
        body[rejected.percentAs] = round((group.rejected / Math.max(1, valid)) * 100, rejected.decimals ?? 2);
      }
      if (rejected?.countAs) body[rejected.countAs] = group.rejected;
      const key = groupPaths.length === 0 ? '' : `/${JSON.stringify(group.values)}`;
      return { body: ordered(body), origin: group.origin, id: `${formatTime(start, 'iso')}${key}` };
    };

    /** Closes the windows ending at or before `through` (every one when `all`), oldest first. */
    const close = (now: number, through: number | null, all: boolean): PipelineRecord[] => {
      const emitted: PipelineRecord[] = [];
      for (const start of windows.starts()) {
        const end = start + shape.sizeMs;
        if (!all && (through === null || end > through)) break;
        for (const group of windows.take(start).values()) emitted.push(output(start, group, now));
        closedThrough = Math.max(closedThrough ?? end, end);
      }
      // every window ending by the watermark is closed, also one no record opened
      if (!all && through !== null && Number.isFinite(through)) closedThrough = Math.max(closedThrough ?? through, through);
      return emitted;
    };

    const advance = (now: number): PipelineRecord[] => {
      const idle = useEventTime && lastInputAt !== null && now - lastInputAt >= idleMs;
      if (idle && windows.byStart.size > 0) return close(now, null, true);
      return close(now, watermark(now), false);
    };

    return {
      get openGroups() {
        return windows.size;
      },
      get lateRecords() {
        return lateRecords;
      },
      process(records: PipelineRecord[]): StepResult {
        const now = context.now();
        const rejected: Rejection[] = [];
        for (const record of records) {
          const t = timeOf(record);
          if (t === null) {
            rejected.push({ record, reason: `window: no event time in ${options.timeField ?? 'the record\'s time fields (timestamp, @timestamp, ts, …)'}` });
            continue;
          }
          const starts = windowStarts(t, shape).filter(isOpen);
          if (starts.length === 0) {
            lateRecords += 1;
            rejected.push({ record, reason: `late: event time ${new Date(t).toISOString()} is in a window that closed when the watermark passed ${new Date(closedThrough!).toISOString()} (allowed lateness ${options.lateness ?? '0s'})` });
            continue;
          }
          if (useEventTime) observe(record.origin, t, now);
          else lastInputAt = now;
          const { key, values } = groupOf(record);
          for (const start of starts) {
            const group = windows.group(start, key, values, record.origin);
            group.origin = record.origin;
            specs.forEach((spec, i) => {
              const segments = fieldPaths[i];
              group.accumulators[i]!.add(segments ? valueAt(record.body, segments) : undefined);
            });
          }
        }
        return { records: advance(now), rejected };
      },
      assigned(assignment) {
        const now = context.now();
        for (const { topic, partition } of assignment) {
          const key = `${topic}:${partition}`;
          if (!partitions.has(key)) partitions.set(key, { newestMs: Number.NEGATIVE_INFINITY, seenAtMs: now });
        }
      },
      rejected(rejections: Rejection[]) {
        const now = context.now();
        for (const { record } of rejections) {
          // an invalid record counts in the window of its own time, if it has a usable one
          const t = useEventTime ? ownTime(record) : now;
          const open = t === null ? [] : windowStarts(t, shape).filter(isOpen);
          const newest = windows.starts().at(-1);
          const starts = open.length > 0 ? open : newest === undefined ? [] : [newest];
          // with no window open and no usable time, the record opens the window of now: in event
          // time the newest event time seen (a window of the wall clock would, once closed, move
          // closedThrough past the stream's event times and make every later record late)
          let fallback: number | null = now;
          if (useEventTime) {
            fallback = null;
            for (const { newestMs } of partitions.values()) if (Number.isFinite(newestMs)) fallback = Math.max(fallback ?? newestMs, newestMs);
          }
          const target = starts.length > 0 ? starts : fallback === null ? [] : windowStarts(fallback, shape).filter(isOpen);
          const { key, values } = groupOf(record);
          for (const start of target) windows.group(start, key, values, record.origin).rejected += 1;
        }
      },
      tick: () => ({ records: advance(context.now()), rejected: [] }),
      snapshot: () => ({
        windows: windows.snapshot(),
        partitions: [...partitions].map(([key, { newestMs, seenAtMs }]) => [key, newestMs, seenAtMs]),
        closedThrough,
        lastInputAt,
        at: context.now(),
      }),
    };
  },
} satisfies StepKind<WindowOptions>;
