// OTLP's protobuf messages (logs.proto), loaded on the first protobuf request: protobufjs and the
// parsed schema cost ~20 MB that a server never sent OTLP should not carry.
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';

const root = protobuf.loadSync(fileURLToPath(new URL('./logs.proto', import.meta.url)));
export const ExportLogsServiceRequest = root.lookupType('tributary.otlp.ExportLogsServiceRequest');
export const ExportLogsServiceResponse = root.lookupType('tributary.otlp.ExportLogsServiceResponse');
export const Status = root.lookupType('tributary.otlp.Status');
