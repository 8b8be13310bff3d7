/**
 * Typed results of the search grammars: validated clauses and order_by items that store code
 * turns into queries. Every value here came from the caller, so stores must bind it as a query
 * parameter, never splice it into SQL text.
 */

/** Comparisons on numbers (metrics, timestamps, version numbers). */
export type NumericOperator = '=' | '!=' | '<' | '<=' | '>' | '>=';
/** Comparisons on strings; LIKE is case-sensitive, ILIKE case-insensitive (see `like-pattern.ts`). */
export type StringOperator = '=' | '!=' | 'LIKE' | 'ILIKE';
/** Membership in a list of quoted strings. */
export type ListOperator = 'IN' | 'NOT IN';

/** `<entity>.<key> <op> <number>`. */
export interface NumericComparison<E extends string, K extends string> {
  readonly type: 'numeric';
  readonly entity: E;
  readonly key: K;
  readonly operator: NumericOperator;
  readonly value: number;
}

/** `<entity>.<key> <op> '<string>'`. LIKE/ILIKE values are patterns (`%`, `_`, `\` escapes). */
export interface StringComparison<E extends string, K extends string> {
  readonly type: 'string';
  readonly entity: E;
  readonly key: K;
  readonly operator: StringOperator;
  readonly value: string;
}

/** `<entity>.<key> IN ('a', 'b')`; `values` may be empty after filtering (then IN matches nothing). */
export interface ListComparison<E extends string, K extends string, O extends ListOperator = ListOperator> {
  readonly type: 'list';
  readonly entity: E;
  readonly key: K;
  readonly operator: O;
  readonly values: readonly string[];
}

/** One resolved ordering key. */
export interface OrderByItem<E extends string, K extends string> {
  readonly entity: E;
  readonly key: K;
  readonly ascending: boolean;
}

/** The operators of each kind, in the order MLflow's messages list them. */
export const NUMERIC_OPERATORS: readonly NumericOperator[] = ['>', '>=', '!=', '=', '<', '<='];
export const STRING_OPERATORS: readonly StringOperator[] = ['!=', '=', 'LIKE', 'ILIKE'];
export const LIST_OPERATORS: readonly ListOperator[] = ['IN', 'NOT IN'];
