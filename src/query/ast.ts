// The typed AST produced by parseQuery and consumed by the compilers and formatQuery.
// `field: null` means the default full-text field (the record's message).

export type QueryNode =
  | MatchAllNode
  | AndNode
  | OrNode
  | NotNode
  | TermNode
  | WildcardNode
  | RegexNode
  | CompareNode
  | RangeNode
  | ExistsNode;

/** The empty query: every record matches. */
export interface MatchAllNode {
  type: 'all';
}

export interface AndNode {
  type: 'and';
  children: QueryNode[];
}

export interface OrNode {
  type: 'or';
  children: QueryNode[];
}

export interface NotNode {
  type: 'not';
  child: QueryNode;
}

/** A literal value: `error`, `"connection refused"`, `level:warn`, `status:500`. */
export interface TermNode {
  type: 'term';
  field: string | null;
  value: string;
  /** Written as a "quoted phrase" (kept for formatting; the value is literal either way). */
  quoted: boolean;
}

export type WildcardPart = { kind: 'text'; text: string } | { kind: 'anyChars' } | { kind: 'oneChar' };

/** A value with unescaped `*` (any run of characters) or `?` (exactly one character). */
export interface WildcardNode {
  type: 'wildcard';
  field: string | null;
  parts: WildcardPart[];
}

/** `field:/pattern/` — an RE2-compatible regular expression, unanchored. */
export interface RegexNode {
  type: 'regex';
  field: string | null;
  pattern: string;
}

export type CompareOp = '>' | '>=' | '<' | '<=';

/** `field:>N`, `field:<=2024-05-01`. */
export interface CompareNode {
  type: 'compare';
  field: string;
  op: CompareOp;
  value: string;
}

/** `field:[a TO b]` (inclusive), `field:{a TO b}` (exclusive); a null bound is open (`*`). */
export interface RangeNode {
  type: 'range';
  field: string;
  lower: string | null;
  upper: string | null;
  includeLower: boolean;
  includeUpper: boolean;
}

/** `_exists_:field` or `field:*` — the field is present and not null. */
export interface ExistsNode {
  type: 'exists';
  field: string;
}
