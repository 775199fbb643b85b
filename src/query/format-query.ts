// AST → query text that parses back to the same AST (modulo redundant parentheses).

import type { QueryNode, WildcardPart } from './ast.ts';
import { EXISTS_FIELD } from './fields.ts';

const PRECEDENCE = { or: 1, and: 2, not: 3, leaf: 4 } as const;

export function formatQuery(ast: QueryNode): string {
  return format(ast, 0);
}

function format(node: QueryNode, parentPrecedence: number): string {
  const own = node.type === 'or' || node.type === 'and' || node.type === 'not' ? PRECEDENCE[node.type] : PRECEDENCE.leaf;
  const text = formatNode(node);
  return own < parentPrecedence ? `(${text})` : text;
}

function formatNode(node: QueryNode): string {
  switch (node.type) {
    case 'all':
      return '*';
    case 'and':
    case 'or':
      // A nested node of the same type is parenthesized, so the flat shape parses back unchanged.
      return node.children.map((child) => format(child, PRECEDENCE[node.type] + 1)).join(node.type === 'and' ? ' AND ' : ' OR ');
    case 'not':
      return `NOT ${format(node.child, PRECEDENCE.not)}`;
    case 'term':
      return prefix(node.field) + (node.quoted ? quote(node.value) : word(node.value));
    case 'wildcard':
      return prefix(node.field) + node.parts.map(wildcardPart).join('');
    case 'regex':
      return `${prefix(node.field)}/${node.pattern.replaceAll('/', '\\/')}/`;
    case 'compare':
      return `${prefix(node.field)}${node.op}${word(node.value)}`;
    case 'range': {
      const [open, close] = [node.includeLower ? '[' : '{', node.includeUpper ? ']' : '}'];
      return `${prefix(node.field)}${open}${bound(node.lower)} TO ${bound(node.upper)}${close}`;
    }
    case 'exists':
      return `${EXISTS_FIELD}:${escapeChars(node.field)}`;
  }
}

function prefix(field: string | null): string {
  return field === null ? '' : `${escapeChars(field)}:`;
}

function quote(value: string): string {
  return `"${value.replace(/["\\]/g, '\\$&')}"`;
}

/** An unquoted word, escaped; quoted when escaping alone cannot keep it a plain word. */
function word(value: string): string {
  if (value === '' || /^(AND|OR|NOT|TO)$/.test(value) || /\s/.test(value)) return quote(value);
  return escapeChars(value).replace(/^[-!]/, '\\$&');
}

function bound(value: string | null): string {
  return value === null ? '*' : word(value).replace(/[\]}]/g, '\\$&');
}

function wildcardPart(part: WildcardPart): string {
  if (part.kind === 'anyChars') return '*';
  if (part.kind === 'oneChar') return '?';
  return escapeChars(part.text).replace(/^[-!]/, '\\$&');
}

function escapeChars(text: string): string {
  return text.replace(/[\\():"*?/[\]{}<>\s]/g, '\\$&');
}
