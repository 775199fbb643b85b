// Loki's protobuf push, loaded on the first protobuf request (protobufjs, the schema and snappy
// are not carried by a server never sent one): snappy-decompress, decode, into records.
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import { uncompress } from 'snappy';
import { entryRecord, isoOfNanos, LokiRequestError, parseLabels } from './records.ts';

const PushRequest = protobuf.loadSync(fileURLToPath(new URL('./push.proto', import.meta.url))).lookupType('tributary.loki.PushRequest');

type Plain = Record<string, unknown>;

export async function protobufPushRecords(body: Buffer, maxBytes: number): Promise<Array<Record<string, unknown>>> {
  let raw: Buffer;
  try {
    raw = await uncompress(body) as Buffer;
  } catch (error) {
    throw new LokiRequestError(`the body is not snappy-compressed protobuf: ${(error as Error).message}`);
  }
  if (raw.length > maxBytes) throw new LokiRequestError(`the decompressed body is larger than ${maxBytes} bytes: send smaller batches`);
  let request: Plain;
  try {
    request = PushRequest.toObject(PushRequest.decode(raw), { longs: String }) as Plain;
  } catch (error) {
    throw new LokiRequestError(`the body is not a Loki PushRequest: ${(error as Error).message}`);
  }
  const records: Array<Record<string, unknown>> = [];
  for (const stream of (request.streams as Plain[] | undefined) ?? []) {
    const labels = parseLabels(String(stream.labels ?? '{}'));
    for (const entry of (stream.entries as Plain[] | undefined) ?? []) {
      const timestamp = (entry.timestamp ?? {}) as Plain;
      const nanos = BigInt(String(timestamp.seconds ?? '0')) * 1_000_000_000n + BigInt(Number(timestamp.nanos ?? 0));
      const metadata = Object.fromEntries(((entry.structuredMetadata as Plain[] | undefined) ?? []).map((pair) => [String(pair.name), String(pair.value ?? '')]));
      records.push(entryRecord(labels, isoOfNanos(nanos), String(entry.line ?? ''), metadata));
    }
  }
  return records;
}
