// Dotted field paths (metadata.parentResourceId): one reading for queries, routing keys, pipeline
// steps and stores. A path walks nested objects; a key that itself holds a dot is not split.

/** "metadata.parentResourceId" → ["metadata", "parentResourceId"]; undefined if a segment is empty. */
export function splitFieldPath(field: string): string[] | undefined {
  const segments = field.split('.');
  return segments.every((segment) => segment !== '') ? segments : undefined;
}

/** The value at the path of a parsed record, undefined where a segment is missing or not an object. */
export function valueAt(record: unknown, path: readonly string[]): unknown {
  let value = record;
  for (const segment of path) {
    // own keys only: `constructor` or `__proto__` must not find the object's prototype
    if (value === null || typeof value !== 'object' || Array.isArray(value) || !Object.hasOwn(value, segment)) return undefined;
    value = (value as Record<string, unknown>)[segment];
  }
  return value;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Assigns as an own property even for "__proto__", so a path can never reach a prototype. */
function assign(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}

/**
 * Writes the value at the path, creating the objects missing on the way. Returns false, writing
 * nothing, when a segment on the way holds something other than an object (a string, an array).
 */
export function setAt(record: Record<string, unknown>, path: readonly string[], value: unknown): boolean {
  let target = record;
  for (let i = 0; i < path.length - 1; i++) {
    const segment = path[i]!;
    const next = Object.hasOwn(target, segment) ? target[segment] : undefined;
    if (next === undefined) {
      const created: Record<string, unknown> = {};
      assign(target, segment, created);
      target = created;
    } else if (isPlainObject(next)) {
      target = next;
    } else {
      return false;
    }
  }
  assign(target, path[path.length - 1]!, value);
  return true;
}

/** Deletes the field at the path; true if there was one. Objects left empty stay. */
export function removeAt(record: Record<string, unknown>, path: readonly string[]): boolean {
  let target: unknown = record;
  for (let i = 0; i < path.length - 1; i++) {
    if (!isPlainObject(target) || !Object.hasOwn(target, path[i]!)) return false;
    target = target[path[i]!];
  }
  const last = path[path.length - 1]!;
  if (!isPlainObject(target) || !Object.hasOwn(target, last)) return false;
  return delete target[last];
}

/**
 * A shallow copy of the record in which every object on the way to the given paths is a copy too,
 * so setAt/removeAt on those paths never change the original (a rejected record keeps its body).
 */
export function writableCopy(record: Record<string, unknown>, paths: readonly (readonly string[])[]): Record<string, unknown> {
  const root = { ...record };
  const copies = new Set<object>();
  for (const path of paths) {
    let target = root;
    for (let i = 0; i < path.length - 1; i++) {
      const segment = path[i]!;
      const next = Object.hasOwn(target, segment) ? target[segment] : undefined;
      if (!isPlainObject(next)) break;
      if (copies.has(next)) {
        target = next;
        continue;
      }
      const copy = { ...next };
      copies.add(copy);
      assign(target, segment, copy);
      target = copy;
    }
  }
  return root;
}
