// OTLP/HTTP logs as a registered source (routes.ts), through the acceptor.
import type { Source } from '../../registry.ts';
import { registerOtlpRoutes } from './routes.ts';

export const otlpSource: Source = {
  name: 'otlp',
  description: 'OpenTelemetry logs over OTLP/HTTP (protobuf or JSON) on the main port: POST /v1/logs',
  attach: ({ app, acceptor, config }) => registerOtlpRoutes(app, { acceptor, config }),
};
