// The fields a query refers to, for the UI (highlighting, suggesting columns).

import type { QueryNode } from './ast.ts';
import { DEFAULT_FIELD } from './fields.ts';

/** Distinct field names in order of first appearance; bare words and phrases count as "message". */
export function listQueryFields(ast: QueryNode): string[] {
  const fields = new Set<string>();
  const visit = (node: QueryNode): void => {
    switch (node.type) {
      case 'all':
        return;
      case 'and':
      case 'or':
        return node.children.forEach(visit);
      case 'not':
        return visit(node.child);
      default:
        fields.add(node.field ?? DEFAULT_FIELD);
    }
  };
  visit(ast);
  return [...fields];
}
