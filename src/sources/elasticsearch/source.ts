// Elasticsearch's ingest API as a registered source (routes.ts), through the acceptor.
import type { Source } from '../../registry.ts';
import { registerElasticsearchRoutes } from './routes.ts';

export const elasticsearchSource: Source = {
  name: 'elasticsearch',
  description: 'the Elasticsearch _bulk and _doc APIs on the main port, for Beats, Logstash, Vector, Fluent Bit and Elastic\'s clients',
  attach: ({ app, acceptor, config, metrics }) => registerElasticsearchRoutes(app, { acceptor, config, metrics }),
};
