// A stream's record shape, learned from a record: its keys in order, each leaf's type and the
// column that holds it. A record that rebuilds byte for byte from its template's columns is
// stored as those columns alone; anything else keeps its original text (see typed-writer.ts).
import { isPlainObject } from '../../record/normalize.ts';
import { keptLeaves } from './kept-leaves.ts';

export type LeafType = 'VARCHAR' | 'BIGINT' | 'DOUBLE' | 'BOOLEAN' | 'JSON';

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
}

/** Separators as the producer wrote them: compact JSON, or Python's json.dumps default. */
export interface Separators {
  colon: string;
  comma: string;
}

export interface Shape extends Separators {
  fields: TemplateNode[];
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
  if (typeof value === 'number') return Number.isSafeInteger(value) ? 'BIGINT' : 'DOUBLE';
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

export function leavesOf(fields: TemplateNode[], prefix: string[] = []): Leaf[] {
  const leaves: Leaf[] = [];
  for (const node of fields) {
    const path = [...prefix, node.key];
    if (node.children) leaves.push(...leavesOf(node.children, path));
    else leaves.push({ path, type: node.type!, ...(node.keptAs ? { keptAs: node.keptAs } : {}) });
  }
  return leaves;
}

export function sameShape(a: Shape, b: Shape): boolean {
  return a.colon === b.colon && JSON.stringify(a.fields) === JSON.stringify(b.fields);
}

/** The shape written without its kept leaves: twins that differ only in what they keep compare equal. */
function structureOf(shape: Shape): string {
  return shape.colon + JSON.stringify(shape.fields, (key, value: unknown) => (key === 'keptAs' ? undefined : value));
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
