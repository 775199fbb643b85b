// OTLP log records onto Tributary's record model, the same for protobuf and JSON requests (both
// arrive here as protobufjs's plain objects, camelCase):
// - timestamp: timeUnixNano, else observedTimeUnixNano (ISO, ms); none: the time it arrived;
// - level: severityText, else the severity number's range (1–4 trace … 21–24 fatal); severity_number kept;
// - message: a string body; any other body (a map, a list, a number) is `body`;
// - trace_id, span_id: lowercase hex; event_name, flags when set;
// - attributes, resource (its attributes), scope {name, version}: objects of their key-values,
//   and service: resource's service.name, for `service:checkout` searches.
import { nanosToIso } from '../../record/time.ts';

const LEVELS: Array<[number, string]> = [[21, 'fatal'], [17, 'error'], [13, 'warn'], [9, 'info'], [5, 'debug'], [1, 'trace']];

type Plain = Record<string, unknown>;

function asNumber(value: unknown): number | string {
  if (typeof value === 'number') return value;
  const text = String(value);
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : text;
}

/** An AnyValue as JSON: int64 beyond 2^53 stays a string (OTLP/JSON writes int64 as text). */
export function anyValue(value: Plain | undefined | null): unknown {
  if (!value) return null;
  if ('stringValue' in value) return value.stringValue;
  if ('boolValue' in value) return value.boolValue;
  if ('intValue' in value) return asNumber(value.intValue);
  if ('doubleValue' in value) return Number(value.doubleValue);
  if ('arrayValue' in value) return ((value.arrayValue as Plain | null)?.values as Plain[] | undefined ?? []).map(anyValue);
  if ('kvlistValue' in value) return keyValues((value.kvlistValue as Plain | null)?.values as Plain[] | undefined);
  if ('bytesValue' in value) return Buffer.isBuffer(value.bytesValue) ? value.bytesValue.toString('base64') : value.bytesValue;
  return null;
}

export function keyValues(list: Plain[] | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const entry of list ?? []) if (typeof entry.key === 'string') out[entry.key] = anyValue(entry.value as Plain | undefined);
  return out;
}

/** Nanoseconds (a number, a Long's text or OTLP/JSON's string) as an ISO time; undefined for 0 or none. */
function isoOfNanos(value: unknown): string | undefined {
  const text = String(value ?? '');
  if (!/^\d+$/.test(text) || /^0+$/.test(text)) return undefined;
  return nanosToIso(BigInt(text)) ?? undefined;
}

/** Trace and span ids: bytes from protobuf, hex text from JSON. */
function hexId(value: unknown): string | undefined {
  if (Buffer.isBuffer(value) || value instanceof Uint8Array) return value.length > 0 ? Buffer.from(value).toString('hex') : undefined;
  return typeof value === 'string' && value.length > 0 ? value.toLowerCase() : undefined;
}

function levelOf(severityText: unknown, severityNumber: number): string | undefined {
  if (typeof severityText === 'string' && severityText.length > 0) return severityText;
  return LEVELS.find(([from]) => severityNumber >= from)?.[1];
}

/** The records of an export request, one per log record, in order. */
export function logRecords(request: Plain): Array<Record<string, unknown>> {
  const records: Array<Record<string, unknown>> = [];
  for (const resourceLogs of (request.resourceLogs as Plain[] | undefined) ?? []) {
    const resource = keyValues(((resourceLogs.resource as Plain | undefined)?.attributes as Plain[] | undefined));
    const service = resource['service.name'];
    for (const scopeLogs of (resourceLogs.scopeLogs as Plain[] | undefined) ?? []) {
      const scope = scopeLogs.scope as Plain | undefined;
      for (const log of (scopeLogs.logRecords as Plain[] | undefined) ?? []) {
        const severityNumber = Number(log.severityNumber ?? 0) || 0;
        const body = anyValue(log.body as Plain | undefined);
        const record: Record<string, unknown> = {};
        const timestamp = isoOfNanos(log.timeUnixNano) ?? isoOfNanos(log.observedTimeUnixNano);
        if (timestamp) record.timestamp = timestamp;
        const level = levelOf(log.severityText, severityNumber);
        if (level) record.level = level;
        if (typeof body === 'string') record.message = body;
        else if (body !== null) record.body = body;
        if (severityNumber > 0) record.severity_number = severityNumber;
        const traceId = hexId(log.traceId);
        const spanId = hexId(log.spanId);
        if (traceId) record.trace_id = traceId;
        if (spanId) record.span_id = spanId;
        if (typeof log.eventName === 'string' && log.eventName) record.event_name = log.eventName;
        if (typeof service === 'string') record.service = service;
        const attributes = keyValues(log.attributes as Plain[] | undefined);
        if (Object.keys(attributes).length > 0) record.attributes = attributes;
        if (Object.keys(resource).length > 0) record.resource = resource;
        if (scope && (scope.name || scope.version)) record.scope = { ...(scope.name ? { name: scope.name } : {}), ...(scope.version ? { version: scope.version } : {}) };
        records.push(record);
      }
    }
  }
  return records;
}
