// A stream's record shape, learned from a record: its keys in order, each leaf's type and the
// column that holds it. A record that rebuilds byte for byte from its template's columns is
// stored as those columns alone; anything else keeps its original text (see typed-writer.ts).
import { isPlainObject } from '../../record/normalize.ts';
import { keptLeaves } from './kept-leaves.ts';
import { LEVEL_FIELDS } from '../../record/level.ts';
import { MESSAGE_FIELDS } from '../../record/message.ts';
import { TIME_FIELDS } from '../../record/time.ts';

/**
 * NUMBER: any JSON number in a DOUBLE column, written back as JavaScript prints it (`82` and
 * `82.6` alike), so a field's shape does not split on how its producer printed a float.
 * BIGINT and DOUBLE are the types of templates learned before NUMBER, kept for their rows.
 */
export type LeafType = 'VARCHAR' | 'NUMBER' | 'BIGINT' | 'DOUBLE' | 'BOOLEAN' | 'JSON';

/**
 * A leaf the record's own columns already hold: the message, the normalized level, or the event
 * time written as ISO 8601 (with or without milliseconds, UTC) or as epoch milliseconds. Such a
 * leaf has no column of its own; its text is rebuilt from `message`, `level` or `ts`.
 */
export type KeptAs = 'message' | 'level' | 'ts-iso-ms' | 'ts-iso-s' | 'ts-epoch-ms';

export interface TemplateNode {
  key: string;
  /** A leaf's value type; absent for a nested object. */
  type?: LeafType;
  children?: TemplateNode[];
  keptAs?: KeptAs;
  /** A member some records lack: absent when its column (an object: all of its columns) is NULL. */
  optional?: true;
}

/** Separators as the producer wrote them: compact JSON, or Python's json.dumps default. */
export interface Separators {
  colon: string;
  comma: string;
}

export interface Shape extends Separators {
  fields: TemplateNode[];
  /**
   * The record's members after `fields` are kept as their text, one JSON object in the `rest`
   * column: a shape wider than its stream's column budget types its first members only.
   */
  rest?: true;
}

export interface Template extends Shape {
  id: number;
  stream: string;
  /** Column of each leaf, by its path (segments joined with NUL). */
  columns: Map<string, string>;
}

interface Leaf {
  path: string[];
  type: LeafType;
  keptAs?: KeptAs;
}

/** Objects nested deeper than this are kept as one JSON leaf. */
const MAX_OBJECT_DEPTH = 4;
/** A shape with more leaves than this is not learned; such records keep their original text. */
const MAX_LEAVES = 200;

export function pathKey(path: readonly string[]): string {
  return path.join('\u0000');
}

function leafType(value: unknown): LeafType {
  if (typeof value === 'string') return 'VARCHAR';
  if (typeof value === 'boolean') return 'BOOLEAN';
  if (typeof value === 'number') return 'NUMBER';
  return 'JSON';
}

/**
 * Keys are matched by DuckDB struct names, which ignore case, and are written into SQL and JSON
 * text: refuse keys that could collide or that carry control characters.
 */
function usableKeys(keys: string[]): boolean {
  const lower = new Set<string>();
  for (const key of keys) {
    if (key.length === 0 || key.length > 256 || /[\u0000-\u001f]/.test(key)) return false;
    const folded = key.toLowerCase();
    if (lower.has(folded)) return false;
    lower.add(folded);
  }
  return true;
}

function nodesOf(object: Record<string, unknown>, depth: number, maxDepth: number): TemplateNode[] | null {
  const keys = Object.keys(object);
  if (!usableKeys(keys)) return null;
  const nodes: TemplateNode[] = [];
  for (const key of keys) {
    const value = object[key];
    if (isPlainObject(value) && depth < maxDepth && Object.keys(value).length > 0) {
      const children = nodesOf(value, depth + 1, maxDepth);
      if (!children) return null;
      nodes.push({ key, children });
    } else {
      nodes.push({ key, type: leafType(value) });
    }
  }
  return nodes;
}

function separatorsOf(line: string): Separators {
  // The first key ends at the first `"` followed by optional spaces and a colon.
  const match = /^\{\s*"(?:[^"\\]|\\.)*"(\s*:\s*)/.exec(line);
  const colon = match?.[1] ?? ':';
  return colon === ': ' ? { colon: ': ', comma: ', ' } : { colon: ':', comma: ',' };
}

/** JSON text with the given separators (JSON.stringify when compact). */
function serialize(value: unknown, separators: Separators): string {
  if (separators.colon === ':') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map((item) => serialize(item, separators)).join(separators.comma)}]`;
  if (isPlainObject(value)) {
    return `{${Object.entries(value).map(([key, item]) => JSON.stringify(key) + separators.colon + serialize(item, separators)).join(separators.comma)}}`;
  }
  return JSON.stringify(value);
}

/**
 * The shape of one JSON record line, or null when it is not an object this layout can hold or the
 * line is not written the canonical way (extra spaces, escapes a serializer would not write), so
 * no template is learned from a record it could not rebuild.
 */
type KeyTree = Array<string | [string, KeyTree]>;

function keyTreeOfNodes(nodes: TemplateNode[]): KeyTree {
  return nodes.map((node) => (node.children ? [node.key, keyTreeOfNodes(node.children)] : node.key));
}

function keyTreeOfValue(value: Record<string, unknown>, depth: number): KeyTree {
  return Object.entries(value).map(([key, child]) =>
    (isPlainObject(child) && depth < MAX_OBJECT_DEPTH && Object.keys(child).length > 0 ? [key, keyTreeOfValue(child, depth + 1)] : key));
}

/** A shape's keys, nested objects' with them, as nodesOf nests them: a line with other keys never matches it. */
export function keysOfShape(shape: Shape): string {
  return JSON.stringify(keyTreeOfNodes(shape.fields));
}

/** keysOfShape of the shape a parsed line would have. */
export function keysOfValue(value: Record<string, unknown>): string {
  return JSON.stringify(keyTreeOfValue(value, 1));
}

/** keysOfShape of the line's flat shape (flatShape: its objects kept whole). */
export function flatKeysOfValue(value: Record<string, unknown>): string {
  return JSON.stringify(Object.keys(value));
}

/**
 * The shape with every object of the record kept as one JSON leaf: for a stream whose nested
 * objects vary from record to record (a dead letter's original record, an event's `edata`), one
 * template holds them all where the nested shapes would each be too rare to learn.
 */
export function flatShape(line: string): Shape | null {
  return learnShape(line, 1);
}

export function learnShape(line: string, maxDepth = MAX_OBJECT_DEPTH): Shape | null {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return null;
  }
  if (!isPlainObject(value) || Object.keys(value).length === 0) return null;
  const separators = separatorsOf(line);
  if (serialize(value, separators) !== line) return null;
  const fields = nodesOf(value, 1, maxDepth);
  if (!fields || leavesOf(fields).length > MAX_LEAVES) return null;
  keptLeaves(fields, value);
  return { ...separators, fields };
}

/**
 * One shape for lines whose members come and go and whose leaves change type: the members of
 * all of them in an order every line keeps (null when none does), a member some lines lack
 * marked optional, a leaf of more than one type kept as JSON. An object whose own first member
 * is optional is kept whole as JSON, as a rebuilt object must start with a member it always has.
 * With it a stream of records that differ by a few optional fields is one template, one
 * statement a write, where their own shapes were a statement each and soon too many to learn.
 */
export function mergedShape(lines: readonly string[]): Shape | null {
  const values: Array<Record<string, unknown>> = [];
  let separators: Separators | undefined;
  for (const line of lines) {
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      continue;
    }
    if (!isPlainObject(value) || Object.keys(value).length === 0) continue;
    const own = separatorsOf(line);
    if ((separators && own.colon !== separators.colon) || serialize(value, own) !== line) continue;
    separators ??= own;
    values.push(value);
  }
  if (values.length < 2 || !separators) return null;
  const fields = mergeObjects(values, 1);
  if (!fields || leavesOf(fields).length > MAX_LEAVES) return null;
  keptByAll(fields, values);
  return { ...separators, fields };
}

/** Kept leaves (kept-leaves.ts) only where every line keeps them: a line that did not would miss. */
function keptByAll(fields: TemplateNode[], values: ReadonlyArray<Record<string, unknown>>): void {
  keptLeaves(fields, values[0]!);
  for (const value of values.slice(1)) {
    const probe = fields.map(({ keptAs: _, ...node }) => node as TemplateNode);
    keptLeaves(probe, value);
    fields.forEach((node, i) => { if (node.keptAs !== probe[i]!.keptAs) delete node.keptAs; });
  }
  for (const node of fields) if (node.optional) delete node.keptAs;
}

/**
 * Whether a parsed line has the members and leaf types of a merged shape, in its order: a line a
 * template with optional members would likely hold (the write's check decides; this only tells
 * which sampled lines need a new template).
 */
export function fitsShape(shape: Shape, value: unknown): boolean {
  return isPlainObject(value) && fitsNodes(shape.fields, value, shape.rest === true);
}

/** With `rest`, members past the nodes (none of their keys) are the rest's. */
function fitsNodes(nodes: TemplateNode[], object: Record<string, unknown>, rest = false): boolean {
  let at = 0;
  for (const [key, value] of Object.entries(object)) {
    if (rest && !nodes.slice(at).some((node) => node.key === key)) return nodes.slice(at).every((node) => node.optional);
    let i = at;
    while (i < nodes.length && nodes[i]!.key !== key) {
      if (!nodes[i]!.optional) return false;
      i++;
    }
    const node = nodes[i];
    if (!node || !fitsValue(node, value)) return false;
    at = i + 1;
  }
  return nodes.slice(at).every((node) => node.optional);
}

/**
 * The shape of its first members, as many as `fits` allows, the others kept as text (`rest`);
 * null when not even the first fits, or when a field the time, level or message come from would
 * be in the rest (the write refuses a rest holding one).
 */
export function prefixShape(shape: Shape, fits: (prefix: Shape) => boolean): Shape | null {
  let best: Shape | null = null;
  for (let n = 1; n < shape.fields.length; n++) {
    const prefix: Shape = { colon: shape.colon, comma: shape.comma, fields: shape.fields.slice(0, n), rest: true };
    if (!fits(prefix)) break;
    best = prefix;
  }
  if (!best || shape.fields.slice(best.fields.length).some((node) => DERIVED_SOURCES.has(node.key))) return null;
  return best;
}

function fitsValue(node: TemplateNode, value: unknown): boolean {
  if (node.children) return isPlainObject(value) && fitsNodes(node.children, value);
  switch (node.type) {
    case 'JSON': return value !== null;
    case 'VARCHAR': return typeof value === 'string';
    case 'NUMBER': case 'DOUBLE': return typeof value === 'number';
    case 'BIGINT': return Number.isSafeInteger(value);
    case 'BOOLEAN': return typeof value === 'boolean';
    default: return false;
  }
}

/** Whether a shape has optional members (a merged shape). */
export function hasOptional(shape: Shape): boolean {
  const walk = (nodes: TemplateNode[]): boolean => nodes.some((node) => node.optional || (node.children !== undefined && walk(node.children)));
  return walk(shape.fields);
}

/** Whether a shape holds lines of many key sets: it has optional members or a rest. */
export function holdsManyKeySets(shape: Shape): boolean {
  return shape.rest === true || hasOptional(shape);
}

/** Members in an order every object keeps, or null. */
function mergedOrder(objects: ReadonlyArray<Record<string, unknown>>): string[] | null {
  const order: string[] = [];
  for (const object of objects) {
    let at = 0;
    for (const key of Object.keys(object)) {
      const found = order.indexOf(key);
      if (found === -1) order.splice(at++, 0, key);
      else if (found < at) return null;
      else at = found + 1;
    }
  }
  return order;
}

/** Fields the record's time, level and message come from: as JSON, every row's would be unsure (template-sql.ts). */
const DERIVED_SOURCES = new Set<string>([...TIME_FIELDS, ...LEVEL_FIELDS, ...MESSAGE_FIELDS]);

function mergeObjects(objects: ReadonlyArray<Record<string, unknown>>, depth: number): TemplateNode[] | null {
  const order = mergedOrder(objects);
  if (!order || !usableKeys(order) || !objects.every((object) => Object.hasOwn(object, order[0]!))) return null;
  const nodes = order.map((key): TemplateNode => {
    const present = objects.filter((object) => Object.hasOwn(object, key)).map((object) => object[key]);
    const optional = present.length < objects.length ? { optional: true as const } : {};
    if (depth < MAX_OBJECT_DEPTH && present.every((value) => isPlainObject(value) && Object.keys(value).length > 0)) {
      const children = mergeObjects(present as Array<Record<string, unknown>>, depth + 1);
      if (children) return { key, children, ...optional };
    }
    const types = new Set(present.map((value) => (isPlainObject(value) ? 'JSON' : leafType(value))));
    return { key, type: types.size === 1 ? [...types][0]! : 'JSON', ...optional };
  });
  const unsure = depth === 1 && nodes.some((node) => DERIVED_SOURCES.has(node.key) && node.type === 'JSON');
  return unsure ? null : nodes;
}

export function leavesOf(fields: TemplateNode[], prefix: string[] = []): Leaf[] {
  const leaves: Leaf[] = [];
  for (const node of fields) {
    const path = [...prefix, node.key];
    if (node.children) leaves.push(...leavesOf(node.children, path));
    else leaves.push({ path, type: node.type!, ...(node.keptAs ? { keptAs: node.keptAs } : {}) });
  }
  return leaves;
}

/** Each shape's text, made once: comparing wide shapes by stringifying them each time was a third of all CPU on 120-field records. */
const shapeTexts = new WeakMap<Shape, string>();

function shapeText(shape: Shape): string {
  let text = shapeTexts.get(shape);
  if (text === undefined) shapeTexts.set(shape, text = shape.colon + (shape.rest ? '…' : '') + JSON.stringify(shape.fields));
  return text;
}

/** Shapes are not changed once learned or made (learnShape, mergedShape): their text is kept. */
export function sameShape(a: Shape, b: Shape): boolean {
  return a === b || shapeText(a) === shapeText(b);
}

/** The shape written without its kept leaves: twins that differ only in what they keep compare equal. */
function structureOf(shape: Shape): string {
  return shape.colon + (shape.rest ? '…' : '') + JSON.stringify(shape.fields, (key, value: unknown) => (key === 'keptAs' ? undefined : value));
}

function keptCount(shape: Shape): number {
  return leavesOf(shape.fields).filter((leaf) => leaf.keptAs).length;
}

/**
 * Templates in the order a write tries them: as given (most recently matched first), except that
 * a template comes after its twins that keep more leaves. Every row the twin holds exactly, the
 * template holds too, so trying it first would store those leaves twice.
 */
export function inWriteOrder<T extends Shape>(templates: readonly T[]): T[] {
  const ordered: T[] = [];
  for (const template of templates) {
    if (ordered.includes(template)) continue;
    const structure = structureOf(template);
    const stronger = templates.filter((other) => !ordered.includes(other) && other !== template
      && structureOf(other) === structure && keptCount(other) > keptCount(template));
    ordered.push(...stronger.sort((a, b) => keptCount(b) - keptCount(a)), template);
  }
  return ordered;
}

/** The node at a path: a leaf, an object, or undefined when the template has no such field. */
export function nodeAt(fields: TemplateNode[], path: readonly string[]): TemplateNode | undefined {
  let nodes: TemplateNode[] | undefined = fields;
  let found: TemplateNode | undefined;
  for (const segment of path) {
    found = nodes?.find((node) => node.key === segment);
    if (!found) return undefined;
    nodes = found.children;
  }
  return found;
}
