// How the CLI talks to a running server: one place for the URL and for errors a user can act on.

export function serverUrl(flag?: string): string {
  return (flag ?? process.env.TRIBUTARY_URL ?? 'http://127.0.0.1:3000').replace(/\/+$/, '');
}

/** The API key the CLI sends to a server that requires one (docs/security.md). */
export function authHeaders(): Record<string, string> {
  const key = process.env.TRIBUTARY_API_KEY;
  return key ? { authorization: `Bearer ${key}` } : {};
}

export class CliError extends Error {}

export async function getJson(url: string): Promise<unknown> {
  return requestJson(url);
}

/** A JSON request to the server; a refusal is a CliError with the server's message. */
export async function requestJson(url: string, method = 'GET', sent?: unknown): Promise<unknown> {
  let response: Response;
  try {
    const headers = sent === undefined ? authHeaders() : { ...authHeaders(), 'content-type': 'application/json' };
    response = await fetch(url, { method, headers, body: sent === undefined ? undefined : JSON.stringify(sent) });
  } catch {
    const base = new URL(url).origin;
    throw new CliError(`cannot reach Tributary at ${base}: start it with 'npx tributary start', or pass --url / set TRIBUTARY_URL`);
  }
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new CliError(`unexpected answer from ${url} (HTTP ${response.status}): ${text.slice(0, 200)}`);
  }
  if (!response.ok) {
    const error = (body as { error?: { message?: string; position?: number } }).error;
    const failure = new CliError(error?.message ?? `HTTP ${response.status}`);
    (failure as CliError & { position?: number }).position = error?.position;
    throw failure;
  }
  return body;
}
