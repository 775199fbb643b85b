// Minimal keep-alive HTTP POST on node:http / node:https (no client library), for the
// benchmark tools: cheap per request, and the agent pools one socket per concurrent sender.

import http from 'node:http';
import https from 'node:https';

export interface PostResult {
  status: number;
  retryAfter: string | undefined;
  contentType: string | undefined;
  text: string;
}

export interface PostTarget {
  url: URL;
  agent: http.Agent;
  headers: Record<string, string>;
  timeoutMs: number;
}

export function keepAliveAgent(url: URL, maxSockets: number): http.Agent {
  const options = { keepAlive: true, maxSockets, maxFreeSockets: maxSockets, keepAliveMsecs: 1000 };
  return url.protocol === 'https:' ? new https.Agent(options) : new http.Agent(options);
}

/** Response bodies are read up to this size; the rest is drained and dropped. */
const MAX_RESPONSE_TEXT = 4 * 1024 * 1024;

export function post(target: PostTarget, body: Buffer): Promise<PostResult> {
  const transport = target.url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = transport.request(target.url, {
      method: 'POST',
      agent: target.agent,
      headers: { ...target.headers, 'content-length': String(body.length) },
      timeout: target.timeoutMs,
    }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        if (size < MAX_RESPONSE_TEXT) chunks.push(chunk);
        size += chunk.length;
      });
      res.on('end', () => resolve({
        status: res.statusCode ?? 0,
        retryAfter: res.headers['retry-after'],
        contentType: res.headers['content-type'],
        text: Buffer.concat(chunks).toString('utf8'),
      }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error('request timed out'), { code: 'ETIMEOUT' })));
    req.on('error', reject);
    req.end(body);
  });
}

/** Retry-After as milliseconds (delta-seconds or an HTTP date); undefined when absent or bad. */
export function retryAfterMs(value: string | undefined, nowMs = Date.now()): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  if (/^\s*\d+(\.\d+)?\s*$/.test(value)) return Math.round(Number(value) * 1000);
  const at = Date.parse(value);
  return Number.isFinite(at) ? Math.max(0, at - nowMs) : undefined;
}

export function errorCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'ERROR';
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
