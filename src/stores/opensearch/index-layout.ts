// Where records live in OpenSearch: one index per stream and day of event time (retention drops
// whole indices), all made from one index template, and two small indices of the store's own
// (the consumers' committed offsets, the topics numbered per stream).

/** A stream name as part of an index name: lowercase letters and digits kept, anything else as `_` and its hex code. */
export function streamIndexPart(stream: string): string {
  return [...stream].map((char) => (/[a-z0-9]/.test(char) ? char : `_${char.codePointAt(0)!.toString(16)}_`)).join('');
}

/** yyyy.mm.dd of a time, years clamped to 0000–9999. */
function day(ts: number): string {
  const date = new Date(Math.min(Math.max(ts, -62167219200000), 253402300799999));
  const year = String(date.getUTCFullYear()).padStart(4, '0');
  return `${year}.${String(date.getUTCMonth() + 1).padStart(2, '0')}.${String(date.getUTCDate()).padStart(2, '0')}`;
}

export class IndexLayout {
  readonly prefix: string;

  constructor(prefix: string) {
    this.prefix = prefix;
  }

  get offsets(): string {
    return `${this.prefix}-meta-offsets`;
  }

  get sources(): string {
    return `${this.prefix}-meta-sources`;
  }

  get template(): string {
    return `${this.prefix}-records`;
  }

  recordIndex(stream: string, ts: number): string {
    return `${this.prefix}-s-${streamIndexPart(stream)}-${day(ts)}`;
  }

  /** The indices a search over these streams reads (every stream's when none is named). */
  recordPattern(streams?: readonly string[]): string {
    if (!streams?.length) return `${this.prefix}-s-*`;
    return streams.map((stream) => `${this.prefix}-s-${streamIndexPart(stream)}-*`).join(',');
  }

  /** The end (exclusive, ms) of the day a record index holds; undefined for another index. */
  dayEnd(index: string): number | undefined {
    const match = /-(\d{4})\.(\d{2})\.(\d{2})$/.exec(index);
    if (!index.startsWith(`${this.prefix}-s-`) || !match) return undefined;
    return Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]) + 1);
  }

  /** Every index of this store, for `describe` and for dropping a test's store. */
  everything(): string {
    return `${this.prefix}-*`;
  }
}

/** Longest text kept as a keyword (a Lucene term holds at most 32,766 UTF-8 bytes): longer values are stored but not matched. */
export const KEYWORD_LIMIT = 8191;

export function recordTemplate(layout: IndexLayout, replicas: number): Record<string, unknown> {
  const keyword = { type: 'keyword', ignore_above: KEYWORD_LIMIT };
  const millis = { type: 'date', format: 'epoch_millis' };
  return {
    index_patterns: [`${layout.prefix}-s-*`],
    template: {
      settings: {
        number_of_shards: 1,
        number_of_replicas: replicas,
        'mapping.total_fields.limit': 20_000,
        refresh_interval: '1s',
        // DEFLATE for the stored records: smaller on disk than the default LZ4, at a little CPU
        codec: 'best_compression',
      },
      mappings: {
        dynamic: false,
        date_detection: false,
        numeric_detection: false,
        // only the record is kept: the prepared values, the level and the message come from its body
        _source: { excludes: ['p', 't', 'n', 'd', 'ml', 'level', 'message'] },
        dynamic_templates: [
          { texts: { path_match: 't.*', mapping: keyword } },
          { numbers: { path_match: 'n.*', mapping: { type: 'double' } } },
          // times are only compared, never aggregated or sorted on: no doc values
          { times: { path_match: 'd.*', mapping: { type: 'double', doc_values: false } } },
        ],
        properties: {
          id: { type: 'keyword' },
          stream: { type: 'keyword' },
          ts: millis,
          ingestedAt: millis,
          part: { type: 'integer' },
          off: { type: 'long' },
          src: { type: 'integer' },
          rid: { type: 'keyword' },
          level: { type: 'keyword' },
          message: keyword,
          // the wildcard type checks each candidate against the whole value: kept in doc values, not in _source
          ml: { type: 'wildcard', doc_values: true },
          body: { type: 'keyword', index: false, doc_values: false },
          p: { type: 'keyword' },
          t: { type: 'object', dynamic: true },
          n: { type: 'object', dynamic: true },
          d: { type: 'object', dynamic: true },
        },
      },
    },
  };
}

export const OFFSETS_MAPPING = {
  dynamic: false,
  properties: { consumer: { type: 'keyword' }, topic: { type: 'keyword' }, partition: { type: 'integer' }, nextOffset: { type: 'long' } },
};

export const SOURCES_MAPPING = { dynamic: false, properties: { stream: { type: 'keyword' } } };
