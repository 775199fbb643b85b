// Wildcard values → SQL LIKE patterns: `*` → `%`, `?` → `_`, literal `%`, `_` and `\` escaped with `\`.

import type { WildcardPart } from '../../query/ast.ts';

export interface LikePattern {
  pattern: string;
  /** True when the pattern contains an escape, so the SQL needs `ESCAPE '\'`. */
  escaped: boolean;
}

export function likePattern(parts: WildcardPart[], options: { contains?: boolean; lowercase?: boolean } = {}): LikePattern {
  let pattern = '';
  let escaped = false;
  for (const part of parts) {
    if (part.kind === 'anyChars') pattern += '%';
    else if (part.kind === 'oneChar') pattern += '_';
    else {
      const text = options.lowercase ? part.text.toLowerCase() : part.text;
      const quoted = text.replace(/[\\%_]/g, '\\$&');
      escaped ||= quoted !== text;
      pattern += quoted;
    }
  }
  if (options.contains) pattern = `%${pattern}%`;
  return { pattern, escaped };
}
