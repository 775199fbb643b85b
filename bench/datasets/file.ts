// A user's own NDJSON file as a dataset (`npm run bench -- --file logs.ndjson`): the fields the
// query rows use are picked from a sample of the file, and the exact answers come from the whole
// file by brute force (truth.ts), so anyone can measure Tributary on their own logs.

import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import { createInterface } from 'node:readline';
import type { Dataset, DatasetQueries } from './dataset.ts';
import { setAt, valueAt } from './dataset.ts';
import { levelOf, messageOf } from './rows.ts';
import { timeOf } from './truth.ts';

const TIME_FIELDS = ['timestamp', '@timestamp', 'ts', 'ets', 'log_timestamp', 'time'];
const SAMPLE_LINES = 20_000;

async function sample(file: string): Promise<unknown[]> {
  const records: unknown[] = [];
  const lines = createInterface({ input: createReadStream(file), crlfDelay: Number.POSITIVE_INFINITY });
  for await (const line of lines) {
    if (line.trim() === '') continue;
    records.push(JSON.parse(line));
    if (records.length >= SAMPLE_LINES) break;
  }
  lines.close();
  if (records.length === 0) throw new Error(`${file} has no records`);
  return records;
}

/** Leaf paths (objects followed, arrays not) with their sampled values. */
function leaves(records: readonly unknown[]): Map<string, unknown[]> {
  const byPath = new Map<string, unknown[]>();
  const walk = (value: unknown, path: string, depth: number): void => {
    if (value !== null && typeof value === 'object' && !Array.isArray(value) && depth < 4) {
      for (const [key, child] of Object.entries(value)) if (!key.includes('.')) walk(child, path ? `${path}.${key}` : key, depth + 1);
      return;
    }
    if (path === '') return;
    let list = byPath.get(path);
    if (!list) byPath.set(path, list = []);
    list.push(value);
  };
  for (const record of records) walk(record, '', 0);
  return byPath;
}

function wordsOf(message: string): string[] {
  return message.toLowerCase().split(/[^a-z]+/).filter((w) => w.length >= 4);
}

/** The most common item of a list that occurs in between min and max of n records. */
function commonBetween(counts: Map<string, number>, n: number, min: number, max: number): string | undefined {
  return [...counts].filter(([, c]) => c >= n * min && c <= n * max).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0]?.[0];
}

export async function fileDataset(file: string): Promise<Dataset> {
  const records = await sample(file);
  const n = records.length;
  const paths = leaves(records);
  const timeField = TIME_FIELDS.find((f) => records.every((r) => !Number.isNaN(timeOf(valueAt(r, f)))));
  if (timeField === undefined) {
    throw new Error(`${file}: every record needs its time in one of ${TIME_FIELDS.join(', ')} as an ISO time with a zone or epoch numbers, so the bench can compute exact answers`);
  }
  const hasLevels = records.some((r) => levelOf(r) !== null);
  const messages = records.map(messageOf).filter((m): m is string => m !== null);
  const queries: DatasetQueries = { timeField, hasLevels, exact: [] };
  if (messages.length > 0) {
    const words = new Map<string, number>();
    const pairs = new Map<string, number>();
    const errorWords = new Map<string, number>();
    for (const record of records) {
      const m = messageOf(record);
      if (m === null) continue;
      const ws = wordsOf(m);
      for (const w of new Set(ws)) {
        words.set(w, (words.get(w) ?? 0) + 1);
        if (levelOf(record) === 'error') errorWords.set(w, (errorWords.get(w) ?? 0) + 1);
      }
      for (const pair of new Set(ws.slice(1).map((w, i) => `${ws[i]} ${w}`))) pairs.set(pair, (pairs.get(pair) ?? 0) + 1);
    }
    queries.phrase = commonBetween(pairs, n, 0.002, 0.2);
    queries.word = hasLevels ? commonBetween(errorWords, n, 0.0005, 1) : commonBetween(words, n, 0.005, 0.3);
  }
  const strings = [...paths].filter(([p, vs]) => p !== timeField && vs.every((v) => typeof v === 'string'));
  const distinctCount = (vs: unknown[]): number => new Set(vs).size;
  const manyValued = strings.filter(([, vs]) => distinctCount(vs) >= 20 && vs.length >= n / 2).sort((a, b) => distinctCount(b[1]) - distinctCount(a[1]))[0];
  if (manyValued) {
    queries.exact.push({ name: 'one_resource', field: manyValued[0], value: String(manyValued[1][Math.floor(manyValued[1].length / 2)]) });
    queries.distinct = manyValued[0];
  }
  const groupBy = strings.filter(([p, vs]) => distinctCount(vs) >= 2 && distinctCount(vs) <= 1000 && p !== manyValued?.[0] && !['level', 'message', 'msg'].includes(p))
    .sort((a, b) => b[1].length - a[1].length || distinctCount(b[1]) - distinctCount(a[1]))[0];
  const numeric = [...paths].filter(([, vs]) => vs.every((v) => typeof v === 'number') && distinctCount(vs) >= 10 && vs.length >= n / 4)
    .sort((a, b) => b[1].length - a[1].length)[0];
  if (groupBy && numeric) queries.stats = { by: groupBy[0], numeric: numeric[0] };
  const epochTime = typeof valueAt(records[0], timeField) === 'number';
  return {
    name: `file-${basename(file).replace(/\.[^.]*$/, '').replace(/[^A-Za-z0-9_-]/g, '_')}`,
    description: `the user's file ${file}`,
    defaultRecords: { full: Number.POSITIVE_INFINITY, quick: Number.POSITIVE_INFINITY },
    queries,
    async write() {
      throw new Error('a file dataset is read, not written');
    },
    probe(marker, now) {
      const probe: Record<string, unknown> = { message: `freshness probe ${marker}`, probe_marker: marker };
      setAt(probe, timeField, epochTime ? now.getTime() : now.toISOString());
      if (hasLevels) probe.level = 'info';
      for (const { field } of queries.exact) setAt(probe, field, `probe-${marker}`);
      if (queries.stats) {
        setAt(probe, queries.stats.by, 'probe');
        setAt(probe, queries.stats.numeric, 0);
      }
      return probe;
    },
  };
}
