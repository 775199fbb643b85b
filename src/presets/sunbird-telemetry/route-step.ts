// The pipeline preprocessor's routing of unique events (seed 003, PIPELINE_NOTES.md step 2):
// ERROR → error only. Every other event → secondary (INTERACT, IMPRESSION, SHARE_ITEM) or primary,
// and by eid: AUDIT → audit and unique, CB_AUDIT → cb-audit, anything else → unique. A SHARE is
// flattened into one SHARE_ITEM per shared item's params entry (or per item without params),
// each → unique and secondary. IMPRESSION, INTERACT, START and END get context.hub from
// context.env. Records that already have an output (LOG, duplicates) pass as they are.
import type { PipelineRecord, StepContext, StepKind, StepResult } from '../../pipelines/step.ts';
import { originName, stableUuid } from './stable-uuid.ts';
import { isPlainObject as isObject } from '../../record/normalize.ts';

/** Output names the step sets; the preset maps them to topics. */
export const ROUTE_OUTPUTS = { error: 'error', unique: 'unique', primary: 'primary', secondary: 'secondary', audit: 'audit', cbAudit: 'cb-audit' } as const;

const SECONDARY = new Set(['INTERACT', 'IMPRESSION', 'SHARE_ITEM']);
const WITH_HUB = new Set(['IMPRESSION', 'INTERACT', 'START', 'END']);
const HUBS: Record<string, string> = { learn: 'learn', course: 'learn', discuss: 'discuss', network: 'network', careers: 'careers', competency: 'competency', events: 'events' };


function withHub(event: Record<string, unknown>): Record<string, unknown> {
  if (!WITH_HUB.has(String(event.eid)) || !isObject(event.context)) return event;
  const env = typeof event.context.env === 'string' ? event.context.env.toLowerCase() : '';
  return { ...event, context: { ...event.context, hub: HUBS[env] ?? 'other' } };
}

/** The SHARE_ITEM events of a SHARE: one per params entry of each item, or per item without params. */
export function shareItems(share: Record<string, unknown>): Array<Record<string, unknown>> {
  const edata = isObject(share.edata) ? share.edata : {};
  const items = Array.isArray(edata.items) ? edata.items.filter(isObject) : [];
  const shareObject = isObject(share.object) ? share.object : {};
  const out: Array<Record<string, unknown>> = [];
  for (const item of items) {
    const params = Array.isArray(item.params) && item.params.length > 0 ? item.params.filter(isObject) : [undefined];
    for (const param of params) {
      const index = out.length;
      const itemEdata: Record<string, unknown> = { dir: edata.dir, type: param === undefined || Number(param.transfers) === 0 ? 'download' : 'import' };
      if (param !== undefined && param.size !== undefined) itemEdata.size = param.size;
      out.push({
        ...share,
        eid: 'SHARE_ITEM',
        mid: `${String(share.mid)}-${stableUuid(`${String(share.mid)}/${index}`)}`,
        edata: itemEdata,
        object: { id: item.id, ver: item.ver, type: item.type, rollup: { l1: shareObject.id } },
      });
    }
  }
  return out;
}

function routes(record: PipelineRecord): PipelineRecord[] {
  const event = withHub(record.body);
  const eid = String(event.eid);
  // one body object for all of an event's outputs: this is the pipeline's last step, nothing
  // after it changes a body, and the outputs serialize a shared body once (structuredClone per
  // output was a tenth of the pipeline's time)
  const to = (output: string, body = event, id = record.id): PipelineRecord => ({ ...record, id, output, body });
  if (eid === 'ERROR') return [to(ROUTE_OUTPUTS.error)];
  const lane = SECONDARY.has(eid) ? ROUTE_OUTPUTS.secondary : ROUTE_OUTPUTS.primary;
  if (eid === 'AUDIT') return [to(lane), to(ROUTE_OUTPUTS.audit), to(ROUTE_OUTPUTS.unique)];
  if (eid === 'CB_AUDIT') return [to(lane), to(ROUTE_OUTPUTS.cbAudit)];
  if (eid === 'SHARE') {
    const processed = { ...event, flags: { ...(isObject(event.flags) ? event.flags : {}), pp_share_event_processed: true } };
    const base = record.id ?? originName(record.origin);
    const items = shareItems(event).flatMap((item, i) => [
      to(ROUTE_OUTPUTS.unique, item, `${base}/share/${i}`), to(ROUTE_OUTPUTS.secondary, item, `${base}/share/${i}`),
    ]);
    return [to(lane, processed), to(ROUTE_OUTPUTS.unique, processed), ...items];
  }
  return [to(lane), to(ROUTE_OUTPUTS.unique)];
}

export const sunbirdRouteStep = {
  name: 'sunbird-route',
  description: 'Sunbird pipeline preprocessor routing: by eid to error, unique, primary/secondary, audit and cb-audit outputs; SHARE flattened into SHARE_ITEMs; context.hub from context.env.',
  options: { type: 'object', additionalProperties: false, properties: {} },
  create(_options: Record<string, never>, _context: StepContext) {
    return {
      process(records: PipelineRecord[]): StepResult {
        return { records: records.flatMap((record) => (record.output === undefined ? routes(record) : [record])), rejected: [] };
      },
    };
  },
} satisfies StepKind<Record<string, never>>;
