// Every error the API answers is JSON {"error": {"code", "message", ...}} naming the problem.
import type { FastifyReply } from 'fastify';

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: Record<string, unknown>;
  constructor(status: number, code: string, message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

export function sendError(reply: FastifyReply, status: number, code: string, message: string, details: Record<string, unknown> = {}): FastifyReply {
  if (status === 429 || status === 503) reply.header('retry-after', String(typeof details.retryAfterSeconds === 'number' ? details.retryAfterSeconds : 1));
  return reply.code(status).type('application/json').send(JSON.stringify({ error: { code, message, ...details } }));
}
