// The peer figures the benchmark is compared against, and our targets (issue 24).
// VictoriaLogs v1.26, 10M records of the `dyte` dataset, on this machine kind (2 cores); the
// other datasets have no published peer figures (run VictoriaLogs beside by hand to get them).

export interface PeerQuery {
  /** ms for the newest 100 matches */
  newestMs: number;
  /** ms for the count of matches */
  countMs: number;
}

export interface PeerFigures {
  name: string;
  records: number;
  ingest: { recordsPerSec: number; mbPerSec: number; cores: number; recordsPerCpuSecond: readonly [number, number] };
  freshness: { p50Ms: number; p99Ms: number };
  disk: { bytesPerRecord: number; ratioToNdjson: number };
  peakRssBytes: number | null;
  queries: Record<string, PeerQuery>;
  aggregations: Record<string, number>;
}

export const VICTORIALOGS: PeerFigures = {
  name: 'VictoriaLogs v1.26',
  records: 10_000_000,
  ingest: {
    recordsPerSec: 169_000,
    mbPerSec: 64.5,
    cores: 1.76,
    /** records per CPU-second, a range */
    recordsPerCpuSecond: [90_000, 100_000],
  },
  freshness: { p50Ms: 1050, p99Ms: 1170 },
  disk: { bytesPerRecord: 59.8, ratioToNdjson: 0.157 },
  peakRssBytes: 480e6,
  queries: {
    level_error: { newestMs: 51, countMs: 99 },
    one_resource: { newestMs: 371, countMs: 199 },
    phrase: { newestMs: 84, countMs: 828 },
    one_day_range: { newestMs: 43, countMs: 1 },
    error_word_two_days: { newestMs: 53, countMs: 195 },
    message_regex: { newestMs: 58, countMs: 791 },
  },
  aggregations: {
    per_group_stats: 11_200,
    hits_per_hour: 70,
    distinct: 618,
  },
};

export const TARGETS = {
  /** sustained, with no growing backlog */
  recordsPerSec: 100_000,
  recordsPerCpuSecond: 60_000,
  peakRssBytes: 512e6,
  freshnessP99Ms: 1000,
  diskRatioToNdjson: 0.16,
  /** every query within this factor of VictoriaLogs, or faster */
  queryFactor: 1,
};
