/**
 * SQL for the comparisons of the search grammars, identical in meaning on SQLite and
 * PostgreSQL. Values are always bound parameters; only operators from the grammars' closed
 * sets reach the SQL text.
 *
 * LIKE is case-sensitive and ILIKE case-insensitive on both databases. SQLite's LIKE ignores
 * ASCII case, so a case-sensitive LIKE is rendered as GLOB there (patterns translated by
 * `search/like-pattern.ts`), and ILIKE as SQLite's LIKE (ASCII case folding only, where
 * PostgreSQL's ILIKE also folds other letters).
 */

import type { ViewType } from '@keel/contract';
import { type Expression, type RawBuilder, type SqlBool, sql } from 'kysely';
import type { ListOperator, NumericOperator, StringOperator } from '../../../search/index.js';
import { parseLikePattern } from '../../../search/index.js';
import { sqlDialect } from '../dialect.js';
import type { SqlDialectName } from '../sql-database.js';

const NUMERIC_SQL: Record<NumericOperator, RawBuilder<unknown>> = {
  '=': sql.raw('='),
  '!=': sql.raw('<>'),
  '<': sql.raw('<'),
  '<=': sql.raw('<='),
  '>': sql.raw('>'),
  '>=': sql.raw('>='),
};

/**
 * `column <op> value` for a string operator.
 *
 * @example
 * db.selectFrom('runs').where(compareString(dialect, sql.ref('runs.name'), 'LIKE', 'base%'))
 */
export function compareString(
  dialect: SqlDialectName,
  column: Expression<unknown>,
  operator: StringOperator,
  value: string,
): RawBuilder<SqlBool> {
  switch (operator) {
    case '=':
      return sql<SqlBool>`${column} = ${value}`;
    case '!=':
      return sql<SqlBool>`${column} <> ${value}`;
    case 'LIKE':
      return sqlDialect(dialect).like(column, parseLikePattern(value));
    case 'ILIKE':
      return sqlDialect(dialect).ilike(column, parseLikePattern(value));
  }
}

/** `column <op> value` for a numeric operator. */
export function compareNumber(
  column: Expression<unknown>,
  operator: NumericOperator,
  value: number,
): RawBuilder<SqlBool> {
  return sql<SqlBool>`${column} ${NUMERIC_SQL[operator]} ${value}`;
}

/** `column IN (...)` / `NOT IN (...)`; an empty list matches nothing (IN) or everything (NOT IN). */
export function compareList(
  column: Expression<unknown>,
  operator: ListOperator,
  values: readonly string[],
): RawBuilder<SqlBool> {
  if (values.length === 0) return operator === 'IN' ? sql<SqlBool>`1 = 0` : sql<SqlBool>`1 = 1`;
  const list = sql.join(values.map((v) => sql`${v}`));
  return operator === 'IN' ? sql<SqlBool>`${column} in (${list})` : sql<SqlBool>`${column} not in (${list})`;
}

/**
 * Strings sort by code point on every database: SQLite's default BINARY collation does; on
 * PostgreSQL the database collation may be linguistic, so the "C" collation is asked for.
 */
export function textOrder(dialect: SqlDialectName, value: RawBuilder<unknown>): RawBuilder<unknown> {
  return sqlDialect(dialect).textOrder(value);
}

/** Lifecycle stages each view type shows. */
export const VIEW_STAGES: Readonly<Record<ViewType, readonly string[]>> = {
  ACTIVE_ONLY: ['active'],
  DELETED_ONLY: ['deleted'],
  ALL: ['active', 'deleted'],
};
