// HTTP ingest as a registered source: POST / and POST /api/v1/logs (ingest-routes.ts), through the acceptor.
import type { Source } from '../../registry.ts';
import { registerIngestRoutes } from '../../api/ingest-routes.ts';

export const httpSource: Source = {
  name: 'http',
  description: 'JSON objects, arrays and NDJSON over HTTP on the main port',
  attach: ({ app, acceptor, config, metrics }) => registerIngestRoutes(app, { acceptor, config, metrics }),
};
