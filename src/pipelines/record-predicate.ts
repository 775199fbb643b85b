// Predicates over pipeline records, written in the query language (the same parser as search):
// route's `when`, dedup's `when`.
import { parseQuery } from '../query/parser.ts';
import { compilePredicate, type EvalRecord } from '../query/evaluate.ts';
import { eventTime } from '../record/time.ts';
import type { PipelineRecord } from './step.ts';

/** What a predicate sees of a pipeline record: its body, the event time (else the log's append time) and its topic as stream. */
export function evalRecord(record: PipelineRecord): EvalRecord {
  return {
    body: record.body,
    ts: eventTime(record.body) ?? record.origin.ingestedAt,
    stream: record.origin.topic,
    ingestedAt: record.origin.ingestedAt,
  };
}

/** A query as a test of pipeline records; throws naming what is wrong with it. */
export function recordPredicate(query: string, now: () => number): (record: PipelineRecord) => boolean {
  const test = compilePredicate(parseQuery(query), { now });
  return (record) => test(evalRecord(record));
}
