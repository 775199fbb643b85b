// The topics feeding each stream, numbered per stream in the order first written (as the embedded
// store's stream-sources.ts): a record's id includes its topic's number. Several processes share
// one OpenSearch, so a stream's list is one document changed only through optimistic concurrency
// (if_seq_no): two processes adding a topic at once both end up with the same numbers.
import type { Client } from '@opensearch-project/opensearch';
import { MAX_SOURCES } from '../../record/id.ts';

interface SourcesDoc {
  stream: string;
  topics: string[];
}

export class TopicSources {
  private readonly client: Client;
  private readonly index: string;
  private readonly known = new Map<string, string[]>();

  constructor(client: Client, index: string) {
    this.client = client;
    this.index = index;
  }

  async codeOf(stream: string, topic: string): Promise<number> {
    const cached = this.known.get(stream)?.indexOf(topic) ?? -1;
    if (cached >= 0) return cached;
    for (let attempt = 0; attempt < 20; attempt++) {
      const current = await this.read(stream);
      const topics = current?.topics ?? [];
      this.known.set(stream, topics);
      const code = topics.indexOf(topic);
      if (code >= 0) return code;
      if (topics.length >= MAX_SOURCES) throw new Error(`stream ${stream} is fed by ${MAX_SOURCES} topics already: topic ${topic} cannot be added; write it to another stream`);
      const next: SourcesDoc = { stream, topics: [...topics, topic] };
      try {
        await this.client.index({
          index: this.index, id: stream, body: next as never,
          ...(current ? { if_seq_no: current.seqNo, if_primary_term: current.primaryTerm } : { op_type: 'create' }),
        } as never);
        this.known.set(stream, next.topics);
        return next.topics.length - 1;
      } catch (error) {
        // another process numbered a topic first: read its list and try again
        if ((error as { meta?: { statusCode?: number } }).meta?.statusCode !== 409) throw error;
      }
    }
    throw new Error(`could not number topic ${topic} of stream ${stream}: the list kept changing`);
  }

  private async read(stream: string): Promise<(SourcesDoc & { seqNo: number; primaryTerm: number }) | undefined> {
    try {
      const response = await this.client.get({ index: this.index, id: stream });
      const body = response.body as { _source: SourcesDoc; _seq_no: number; _primary_term: number };
      return { ...body._source, seqNo: body._seq_no, primaryTerm: body._primary_term };
    } catch (error) {
      if ((error as { meta?: { statusCode?: number } }).meta?.statusCode === 404) return undefined;
      throw error;
    }
  }
}
