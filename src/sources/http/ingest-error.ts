/** A client error in an ingest request: the HTTP status, a stable code and a message naming the problem. */
export class IngestError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.name = 'IngestError';
    this.status = status;
    this.code = code;
  }
}
