// A pino transport on the SDK's producer: pino.transport({ target: 'tributary/sdk/pino',
// options: { url, stream } }). pino runs it in a worker thread; each log line (pino's JSON: level
// as a number, time in ms, msg) is sent as a record, and what cannot be delivered is reported on
// the worker's stderr with the reason, since pino has no callback for it.
import build from 'pino-abstract-transport';
import { Producer, type ProducerOptions } from './producer.ts';

export interface PinoTransportOptions extends Omit<ProducerOptions, 'onDropped'> {
  /** The stream records go to (default logs). */
  stream?: string;
}

export default async function tributaryTransport(options: PinoTransportOptions) {
  const { stream = 'logs', ...producerOptions } = options;
  const producer = new Producer({
    ...producerOptions,
    onDropped: (records, reason, detail) => process.stderr.write(`tributary pino transport: ${records.length} records not sent (${reason}): ${detail}\n`),
  });
  return build(async (source: AsyncIterable<Record<string, unknown>>) => {
    for await (const line of source) producer.send(stream, line);
  }, { close: async () => { await producer.close(); } });
}
