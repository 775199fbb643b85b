// Field names with a meaning of their own in the language.

/** `_exists_:field` */
export const EXISTS_FIELD = '_exists_';
/** Bare words and phrases search this field. */
export const DEFAULT_FIELD = 'message';
/** Fields whose values are times (ISO, epoch, now-15m), stored in the `ts` column as ms. */
const TIME_FIELDS = new Set(['ts', '@timestamp']);

export function isTimeField(field: string): boolean {
  return TIME_FIELDS.has(field);
}
