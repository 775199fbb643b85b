// The topics feeding each stream, numbered per stream in the order first written (0, 1, …): a
// record's id includes its topic's number (src/record/id.ts), so two topics feeding one stream
// never give two records the same id. Kept in the store file beside the records.
import type { DuckDBConnection } from '@duckdb/node-api';
import { MAX_SOURCES } from '../../record/id.ts';

function key(stream: string, topic: string): string {
  return `${stream}\u0000${topic}`;
}

export class StreamSources {
  private readonly codes = new Map<string, number>();
  private readonly counts = new Map<string, number>();

  static async load(connection: DuckDBConnection): Promise<StreamSources> {
    const sources = new StreamSources();
    const rows = (await connection.runAndReadAll('SELECT stream, topic, code FROM store_sources')).getRowObjects();
    for (const row of rows) sources.remember(String(row.stream), String(row.topic), Number(row.code));
    return sources;
  }

  codeOf(stream: string, topic: string): number | undefined {
    return this.codes.get(key(stream, topic));
  }

  /** Numbers a new topic of the stream, committed before records of it are written. */
  async add(connection: DuckDBConnection, stream: string, topic: string): Promise<void> {
    if (this.codeOf(stream, topic) !== undefined) return;
    const code = this.counts.get(stream) ?? 0;
    if (code >= MAX_SOURCES) throw new Error(`stream ${stream} is fed by ${MAX_SOURCES} topics already: topic ${topic} cannot be added; write it to another stream`);
    await connection.run('INSERT INTO store_sources VALUES (?, ?, ?)', [stream, topic, code]);
    this.remember(stream, topic, code);
  }

  private remember(stream: string, topic: string, code: number): void {
    this.codes.set(key(stream, topic), code);
    this.counts.set(stream, Math.max(this.counts.get(stream) ?? 0, code + 1));
  }
}
