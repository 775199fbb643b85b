// The query language: parse → AST → compile per store, plus time ranges and durations.

export type * from './ast.ts';
export { QuerySyntaxError } from './query-syntax-error.ts';
export { parseQuery } from './parser.ts';
export { formatQuery } from './format-query.ts';
export { listQueryFields } from './query-fields.ts';
export { compileToDuckDb } from './compile-duckdb.ts';
export type { CompiledSql, DuckDbCompileOptions } from './compile-duckdb.ts';
export { parseTimeRange } from './time-range.ts';
export type { TimeRange } from './time-range.ts';
export { parseTimePoint, tryParseTimePoint } from './time-point.ts';
export { parseDuration } from './duration.ts';
