import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { exactAnswers } from '../../bench/bench-checks.ts';
import type { DatasetQueries } from '../../bench/datasets/dataset.ts';
import { fileDataset } from '../../bench/datasets/file.ts';
import { DATASETS } from '../../bench/datasets/index.ts';
import { levelOf } from '../../bench/datasets/rows.ts';
import { computeTruth } from '../../bench/datasets/truth.ts';
import { variedRecord } from '../../bench/datasets/varied.ts';
import { benchRows } from '../../bench/datasets/rows.ts';
import { logsqlOf } from '../../bench/victorialogs.ts';

const dir = mkdtempSync(join(tmpdir(), 'bench-datasets-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const lines = (records: unknown[]): string => records.map((r) => JSON.stringify(r)).join('\n') + '\n';

describe('bench datasets', () => {
  it('brute force counts by the query language\'s rules, not by field spelling', async () => {
    const file = join(dir, 'hand.ndjson');
    writeFileSync(file, lines([
      { timestamp: '2025-01-01T00:10:00Z', level: 'ERROR', message: 'Connection refused by db', host: 'a', status: 503, customer: 'x', latency: 10 },
      { timestamp: '2025-01-01T00:20:00+00:00', level: 'err', message: 'upstream TIMEOUT', host: 'b', status: '503', customer: 'x', latency: 20 },
      { timestamp: '2025-01-03T23:59:59Z', severity: 'warning', msg: 'connection refused again', host: 'a', status: 5030, customer: 'y' },
      { timestamp: 1735862400000, level: 50, message: 'timeout', host: 'c', status: 200, customer: 'y', latency: 7.5 },
    ]));
    const queries: DatasetQueries = {
      timeField: 'timestamp', hasLevels: true, exact: [{ name: 'one_resource', field: 'host', value: 'a' }],
      phrase: 'connection refused', word: 'timeout', numberMatch: { field: 'status', value: 503 },
      stats: { by: 'customer', numeric: 'latency' }, distinct: 'host',
    };
    const truth = await computeTruth(file, queries);
    const count = (name: string): number | undefined => truth.answers.find((a) => a.name === name)?.count;
    assert.equal(count('level_error'), 3, 'ERROR, err and 50 are all error');
    assert.equal(count('one_resource'), 2);
    assert.equal(count('phrase'), 2, 'case-insensitive, in message or msg');
    assert.equal(count('number_match'), 2, '503 and "503", not 5030');
    assert.equal(count('error_word_two_days'), 1, 'the last two days of the span hold the 3rd and 4th records; the 3rd is a warning');
    assert.deepEqual(truth.span, { startMs: Date.parse('2025-01-01T00:00:00Z'), endMs: Date.parse('2025-01-04T00:00:00Z') });
    assert.deepEqual(truth.groups.get('x'), { count: 2, avg: 15, p99: 19.9 });
    assert.deepEqual(truth.groups.get('y'), { count: 2, avg: 7.5, p99: 7.5 });
    assert.equal(truth.distinctValues.size, 3);
    assert.equal(truth.hitsPerHour.counts.reduce((a, b) => a + b, 0), 4);
    assert.equal(truth.hitsPerHour.counts.length, 72);

    const probe = { record: { timestamp: '2025-01-03T12:00:00Z', level: 'error', message: 'a TIMEOUT probe', host: 'probe-1', customer: 'probe', latency: 0 }, tsMs: Date.parse('2025-01-03T12:00:00Z') };
    const answers = exactAnswers(truth, queries, [probe]);
    assert.equal(answers.search.get('error_word_two_days')!.count, 2);
    assert.equal(answers.search.get('phrase')!.count, 2);
    assert.equal(answers.distinct, 4);
    assert.equal(answers.groups.get('probe')!.count, 1);
    assert.equal(answers.hitsPerHour.counts.reduce((a, b) => a + b, 0), 5);
  });

  it('refuses a file whose time it cannot read, naming the line', async () => {
    const file = join(dir, 'untimed.ndjson');
    writeFileSync(file, lines([{ timestamp: '2025-01-01T00:00:00Z', message: 'a' }, { timestamp: '2025-01-01 00:00:00', message: 'b' }]));
    await assert.rejects(computeTruth(file, { timeField: 'timestamp', hasLevels: false, exact: [] }), /untimed\.ndjson:2: no time/);
  });

  it('every generated dataset is deterministic JSON that its own rows find', async () => {
    for (const dataset of DATASETS) {
      const a = join(dir, `${dataset.name}-a.ndjson`);
      const b = join(dir, `${dataset.name}-b.ndjson`);
      await dataset.write(a, 3000, 7);
      await dataset.write(b, 3000, 7);
      assert.equal(readFileSync(a, 'utf8'), readFileSync(b, 'utf8'), `${dataset.name} is deterministic`);
      const truth = await computeTruth(a, dataset.queries);
      assert.equal(truth.records, 3000);
      for (const answer of truth.answers) {
        if (answer.name === 'one_resource') continue; // one value of thousands: may be absent from 3,000 records
        assert.ok(answer.count > 0 && answer.count < 3000, `${dataset.name} ${answer.name} matches some records, not all: ${answer.count}`);
      }
      const probe = dataset.probe('freshprobe1', new Date());
      assert.match(JSON.stringify(probe), /freshprobe1/);
    }
  });

  it('varied: times strictly increase, whole floats print as integers, fields change type', () => {
    const records = Array.from({ length: 2000 }, (_, i) => variedRecord(3, i, 2000, { order: 'ascending', wide: false }));
    const times = records.map((r) => Date.parse(r.timestamp as string));
    assert.ok(times.every((t, i) => i === 0 || t > times[i - 1]!));
    const latencies = records.map((r) => r.latency_ms).filter((v): v is number => typeof v === 'number');
    assert.ok(latencies.some((v) => Number.isInteger(v)) && latencies.some((v) => !Number.isInteger(v)));
    assert.ok(records.some((r) => typeof r.status === 'string') && records.some((r) => typeof r.status === 'number'));
    assert.ok(new Set(records.map((r) => levelOf(r))).size === 4);
    assert.ok(new Set(records.map((r) => r.level)).size > 8, 'levels in several spellings');
    const shuffled = Array.from({ length: 2000 }, (_, i) => Date.parse(variedRecord(3, i, 2000, { order: 'shuffled', wide: false }).timestamp as string));
    assert.deepEqual([...shuffled].sort((x, y) => x - y), times, 'the same times, another order');
    assert.ok(Object.keys(variedRecord(3, 0, 10, { order: 'ascending', wide: true })).length >= 100);
  });

  it('a user\'s file: fields for the rows are picked from the data', async () => {
    const file = join(dir, 'user.ndjson');
    const records = Array.from({ length: 500 }, (_, i) => ({
      '@timestamp': new Date(Date.parse('2025-05-01T00:00:00Z') + i * 60_000).toISOString(),
      severity: i % 10 === 0 ? 'ERROR' : 'INFO',
      msg: i % 10 === 0 ? `request failed with timeout after ${i} ms` : `served page number ${i % 7}`,
      pod: `pod-${i % 97}`,
      service: `svc-${i % 5}`,
      duration_ms: i % 13,
    }));
    writeFileSync(file, lines(records));
    const dataset = await fileDataset(file);
    assert.equal(dataset.queries.timeField, '@timestamp');
    assert.equal(dataset.queries.hasLevels, true);
    assert.equal(dataset.queries.exact[0]?.field, 'pod');
    assert.deepEqual(dataset.queries.stats, { by: 'service', numeric: 'duration_ms' });
    assert.match('request failed with timeout after', new RegExp(dataset.queries.word!), 'a word of the error messages');
    const truth = await computeTruth(file, dataset.queries);
    assert.equal(truth.answers.find((a) => a.name === 'level_error')!.count, 50);
    const probe = dataset.probe('freshx', new Date('2025-06-01T00:00:00Z'));
    assert.equal(probe['@timestamp'], '2025-06-01T00:00:00.000Z');
    assert.equal(probe.service, 'probe');
  });

  it('each row has a LogsQL query for VictoriaLogs beside it', () => {
    const dataset = DATASETS.find((d) => d.name === 'varied')!;
    const rows = benchRows(dataset.queries, { startMs: Date.parse('2025-02-22T00:00:00Z'), endMs: Date.parse('2025-03-01T00:00:00Z') });
    assert.deepEqual(Object.fromEntries(rows.map((row) => [row.name, logsqlOf(row, dataset.queries)])), {
      level_error: 'level:error',
      one_resource: 'resourceId:="host-0042"',
      phrase: '"connection refused"',
      one_day_range: '_time:[2025-02-25T00:00:00.000Z, 2025-02-26T00:00:00.000Z] *',
      error_word_two_days: '_time:[2025-02-27T00:00:00.000Z, 2025-03-01T00:00:00.000Z] level:error timeout',
      message_regex: '~"timed out after [0-9]+ ms"',
      number_match: 'status:=503',
    });
  });
});
