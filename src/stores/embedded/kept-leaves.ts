// Which leaves of a learned shape the record's derived columns already hold, judged from the line
// the shape was learned from. A leaf is kept only when it is the field toRecord (and derivedSql)
// takes the value from and its text is what the column gives back; every row is still checked
// byte for byte at write time, so a row where this does not hold keeps its text instead.
import { TIME_FIELDS } from '../../record/time.ts';
import { LEVEL_FIELDS, LEVEL_NAMES } from '../../record/level.ts';
import { MESSAGE_FIELDS } from '../../record/message.ts';
import type { KeptAs, LeafType, TemplateNode } from './template.ts';

/** Leaf types each derived value can come from in SQL (template-sql.ts messageSql, levelSql, timeSql). */
const MESSAGE_SOURCES: readonly LeafType[] = ['VARCHAR', 'JSON'];
const LEVEL_SOURCES: readonly LeafType[] = ['VARCHAR', 'NUMBER', 'BIGINT', 'DOUBLE', 'JSON'];
const TIME_SOURCES: readonly LeafType[] = ['VARCHAR', 'NUMBER', 'BIGINT', 'DOUBLE', 'JSON'];

const ISO_MS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const ISO_S = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;

/** The top-level leaf a derived value is taken from first, when the shape has one. */
function firstSource(fields: TemplateNode[], names: readonly string[], types: readonly LeafType[]): TemplateNode | undefined {
  for (const name of names) {
    const node = fields.find((candidate) => candidate.key === name);
    if (node && !node.children && types.includes(node.type!)) return node;
  }
  return undefined;
}

function timeKept(value: unknown): KeptAs | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 1e11 && value < 1e14 ? 'ts-epoch-ms' : undefined;
  if (typeof value !== 'string') return undefined;
  const ms = Date.parse(value);
  if (Number.isNaN(ms) || ms < 0) return undefined;
  if (ISO_MS.test(value) && new Date(ms).toISOString() === value) return 'ts-iso-ms';
  if (ISO_S.test(value) && new Date(ms).toISOString() === `${value.slice(0, -1)}.000Z`) return 'ts-iso-s';
  return undefined;
}

/** Marks the leaves of `fields` (learned from `record`) that the derived columns hold. */
export function keptLeaves(fields: TemplateNode[], record: Record<string, unknown>): void {
  const message = firstSource(fields, MESSAGE_FIELDS, MESSAGE_SOURCES);
  if (message?.type === 'VARCHAR') message.keptAs = 'message';
  const level = firstSource(fields, LEVEL_FIELDS, LEVEL_SOURCES);
  const levelValue = level && record[level.key];
  if (level?.type === 'VARCHAR' && typeof levelValue === 'string' && LEVEL_NAMES[levelValue] === levelValue) level.keptAs = 'level';
  const time = firstSource(fields, TIME_FIELDS, TIME_SOURCES);
  const kept = time && timeKept(record[time.key]);
  if (time && kept) time.keptAs = kept;
}
