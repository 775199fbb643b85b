// The log commands on a running Tributary, over its log API (src/api/log-routes.ts). This is the
// way to the embedded log, whose data dir the server process owns.
import type { GroupDescription, ProduceResult, TopicConfig, TopicDescription, ConsumedMessage } from '../log/log.ts';
import type { ConsumeRequest, LogTarget, PrintBatch } from './log-target.ts';
import { TargetError } from './log-target.ts';
import { serverUnreachable, unknownGroup, unknownTopic } from './target-hints.ts';
import type { WireMessage } from '../api/log-routes.ts';
import { authHeaders } from './server-client.ts';

const POLL_WAIT_MS = 1000;

export class HttpLogTarget implements LogTarget {
  readonly description: string;
  readonly #base: string;

  constructor(baseUrl: string) {
    this.#base = baseUrl;
    this.description = `Tributary at ${baseUrl}`;
  }

  async listTopics(): Promise<string[]> {
    return ((await this.#request('GET', '/api/v1/topics')) as { topics: string[] }).topics;
  }

  async createTopic(name: string, config: TopicConfig): Promise<boolean> {
    try {
      await this.#request('POST', '/api/v1/topics', JSON.stringify({ name, ...config }));
      return true;
    } catch (error) {
      if (error instanceof TargetError && error.code === 'topic_exists') return false;
      throw error;
    }
  }

  async describeTopic(name: string): Promise<TopicDescription> {
    return (await this.#request('GET', `/api/v1/topics/${encodeURIComponent(name)}`, undefined, name)) as TopicDescription;
  }

  async deleteTopic(name: string): Promise<void> {
    await this.#request('DELETE', `/api/v1/topics/${encodeURIComponent(name)}`, undefined, name);
  }

  async produce(topic: string, lines: string[], keyField?: string): Promise<ProduceResult[]> {
    const query = keyField ? `?keyField=${encodeURIComponent(keyField)}` : '';
    const body = lines.join('\n');
    const answer = await this.#request('POST', `/api/v1/topics/${encodeURIComponent(topic)}/messages${query}`, body, topic);
    return (answer as { results: ProduceResult[] }).results;
  }

  async consume(request: ConsumeRequest, print: PrintBatch, signal: AbortSignal): Promise<void> {
    const { id } = (await this.#request('POST', `/api/v1/topics/${encodeURIComponent(request.topic)}/consumers`, JSON.stringify(request), request.topic)) as { id: string };
    let printed = 0;
    let printFailed = false;
    try {
      // a poll in flight is not aborted on Ctrl-C: what it brings is printed, then committed by the close
      while (!signal.aborted && printed < (request.max ?? Infinity)) {
        const answer = (await this.#request('GET', `/api/v1/consumers/${id}/messages?waitMs=${POLL_WAIT_MS}`)) as { messages: WireMessage[]; done: boolean; error?: string };
        if (answer.messages.length > 0) {
          printFailed = true;
          await print(answer.messages.map(fromWire));
          printFailed = false;
          printed += answer.messages.length;
        }
        if (answer.error) throw new TargetError('consume_failed', `reading ${request.topic} failed on the server: ${answer.error}`);
        if (answer.done && answer.messages.length === 0) break;
      }
    } finally {
      // commits what was printed; a batch that could not be printed stays uncommitted
      await this.#request('DELETE', `/api/v1/consumers/${id}${printFailed ? '?commit=false' : ''}`).catch(() => {});
    }
  }

  async listGroups(): Promise<string[]> {
    return ((await this.#request('GET', '/api/v1/groups')) as { groups: string[] }).groups;
  }

  async describeGroup(group: string): Promise<GroupDescription> {
    try {
      return (await this.#request('GET', `/api/v1/groups/${encodeURIComponent(group)}`)) as GroupDescription;
    } catch (error) {
      if (error instanceof TargetError && error.code === 'unknown_group') throw unknownGroup(group, this.description);
      throw error;
    }
  }

  async close(): Promise<void> {}

  async #request(method: string, path: string, body?: string, topic?: string): Promise<unknown> {
    let response: Response;
    try {
      response = await fetch(`${this.#base}${path}`, {
        method,
        body,
        headers: { ...authHeaders(), ...(body === undefined ? {} : { 'content-type': path.includes('/messages') ? 'application/x-ndjson' : 'application/json' }) },
      });
    } catch {
      throw serverUnreachable(this.#base);
    }
    const text = await response.text();
    let answer: unknown;
    try {
      answer = text ? JSON.parse(text) : {};
    } catch {
      throw new TargetError('bad_answer', `unexpected answer from ${this.#base}${path} (HTTP ${response.status}): ${text.slice(0, 200)}`);
    }
    if (response.ok) return answer;
    const error = (answer as { error?: { code?: string; message?: string } }).error;
    if (response.status === 404 && error?.code === 'not_found') {
      throw new TargetError('no_log_api', `${this.description} has no log API (${method} ${path}): upgrade the server, or use --log kafka --kafka-brokers host:port`);
    }
    if (error?.code === 'unknown_topic' && topic !== undefined) throw unknownTopic(topic, this.description);
    throw new TargetError(error?.code ?? `http_${response.status}`, error?.message ?? `HTTP ${response.status} from ${this.description}`);
  }
}

function fromWire(message: WireMessage): ConsumedMessage {
  return {
    topic: message.topic,
    partition: message.partition,
    offset: message.offset,
    timestamp: message.timestamp,
    key: message.key === null ? null : Buffer.from(message.key),
    value: Buffer.from(message.value),
    headers: {},
  };
}
