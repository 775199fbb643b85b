// Syslog as a source (`--syslog-port N`, `sources.syslog`): RFC 5424 and RFC 3164 over TCP
// (octet counting or newline framing) and UDP on one port, into one stream (default `syslog`).
import type { Source } from '../../registry.ts';
import { SyslogListener } from './listener.ts';

export const syslogSource: Source = {
  name: 'syslog',
  description: 'syslog (RFC 5424, RFC 3164) over TCP and UDP on its own port',
  config: {
    section: 'sources',
    properties: {
      syslog: {
        type: 'object',
        additionalProperties: false,
        default: {},
        properties: {
          port: { type: ['integer', 'null'], minimum: 0, maximum: 65535, default: null, description: 'TCP and UDP port to receive syslog on (flag --syslog-port N; 0 picks a free one); null: off.' },
          host: { type: ['string', 'null'], default: null, description: 'Address to listen on (default: the HTTP server\'s).' },
          stream: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$', default: 'syslog', description: 'The stream syslog messages go to.' },
          maxMessageBytes: { type: 'integer', minimum: 480, default: 65536, description: 'Longest message taken; a longer TCP frame ends its connection.' },
        },
      },
    },
  },
  async start({ acceptor, config, metrics }) {
    const { port, host, stream, maxMessageBytes } = config.sources.syslog;
    if (port === null) return { stop: async () => undefined };
    const listener = new SyslogListener({ port, host: host ?? config.host, stream, maxMessageBytes, limits: config.limits }, acceptor, metrics);
    await listener.start();
    console.log(`syslog: listening on ${listener.address()} (TCP and UDP) into stream ${stream}`);
    return { stop: () => listener.stop() };
  },
};
