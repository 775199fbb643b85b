// Loki's push API as a registered source (routes.ts), through the acceptor.
import type { Source } from '../../registry.ts';
import { registerLokiRoutes } from './routes.ts';

export const lokiSource: Source = {
  name: 'loki',
  description: 'Loki push (protobuf + snappy, or JSON) on the main port: POST /loki/api/v1/push, for Promtail, Alloy and Loki\'s clients',
  attach: ({ app, acceptor, config }) => registerLokiRoutes(app, { acceptor, config }),
};
