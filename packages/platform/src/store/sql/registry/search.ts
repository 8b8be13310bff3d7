/**
 * Registry searches (search-syntax.md §5): the search grammar's typed clauses become
 * parameterized SQL (values are always bound; only closed-set operators and column names reach
 * the SQL text). Both searches hide prompts unless the filter asks for them (§5.3), never
 * return deleted versions, and page by offset like MLflow.
 */
import { invalidParameter, invalidParameterValue, type ModelVersion, type RegisteredModel } from '@keel/contract';
import { type Expression, type SqlBool, sql } from 'kysely';
import {
  includesPrompts,
  type ModelVersionClause,
  parseModelVersionFilter,
  parseModelVersionOrderBy,
  parseRegisteredModelFilter,
  parseRegisteredModelOrderBy,
  type RegisteredModelClause,
} from '../../../search/index.js';
import { decodeOffsetToken, encodeOffsetToken } from '../../page-token.js';
import type { RegistrySearchInput } from '../../registry-store.js';
import type { Page } from '../../tracking-store.js';
import { compareList, compareNumber, compareString } from '../search/search-predicates.js';
import type { SqlDialectName } from '../sql-database.js';
import { DELETED_STAGE, type RegistryContext } from './context.js';
import { modelsWithDetails, versionsWithDetails, WIRE_VERSION_COLUMNS } from './rows.js';

const PROMPT_TAG = 'mlflow.prompt.is_prompt';

const MODEL_LIMITS = { default: 100, max: 1000 };
// MLflow declares 200,000 as both default and maximum for version searches.
const VERSION_LIMITS = { default: 200_000, max: 200_000 };

function pageSize(maxResults: number | undefined, limits: { default: number; max: number }): number {
  const size = maxResults ?? limits.default;
  if (size < 1) {
    throw invalidParameter(`Invalid value for max_results. It must be a positive integer, but got ${size}`);
  }
  // MLflow's handler answers the generic type-error message here, naming the value as a string.
  if (size > limits.max) throw invalidParameterValue('max_results', String(size));
  return size;
}

/**
 * A tag clause on the prompt marker that means "not a prompt" (`= 'false'`, `!= 'true'`): it
 * matches entries without the tag too, which a plain tag comparison would not.
 */
function meansNotPrompt(clause: RegisteredModelClause | ModelVersionClause): boolean {
  if (clause.entity !== 'tag' || clause.key !== PROMPT_TAG || clause.type !== 'string') return false;
  const value = clause.value.toLowerCase();
  return (clause.operator === '=' && value === 'false') || (clause.operator === '!=' && value === 'true');
}

function pageOf<T>(rows: readonly T[], offset: number, size: number): { rows: T[]; next_page_token?: string } {
  if (rows.length > size) return { rows: rows.slice(0, size), next_page_token: encodeOffsetToken(offset + size) };
  return { rows: [...rows] };
}

export async function searchRegisteredModels(
  ctx: RegistryContext,
  input: RegistrySearchInput,
): Promise<Page<RegisteredModel>> {
  const size = pageSize(input.max_results, MODEL_LIMITS);
  const clauses = parseRegisteredModelFilter(input.filter);
  const order = parseRegisteredModelOrderBy(input.order_by);
  const offset = input.page_token ? decodeOffsetToken(input.page_token) : 0;
  const dialect = ctx.database.dialect;

  return ctx.database.read(async (db) => {
    let query = db.selectFrom('registered_models as rm').selectAll('rm');
    const modelTag = (key: string, test: (value: Expression<unknown>) => Expression<SqlBool>) =>
      sql<SqlBool>`exists (select 1 from registered_model_tags t where t.name = rm.name and t.key = ${key} and ${test(sql.ref('t.value'))})`;
    const isPrompt = modelTag(PROMPT_TAG, (v) => sql<SqlBool>`${v} = 'true'`);
    for (const clause of clauses) {
      if (meansNotPrompt(clause)) query = query.where(sql<SqlBool>`not ${isPrompt}`);
      else if (clause.entity === 'attribute') {
        query = query.where(compareString(dialect, sql.ref('rm.name'), clause.operator, clause.value));
      } else {
        query = query.where(modelTag(clause.key, (v) => compareString(dialect, v, clause.operator, clause.value)));
      }
    }
    if (!includesPrompts(clauses)) query = query.where(sql<SqlBool>`not ${isPrompt}`);
    for (const item of order) query = query.orderBy(`rm.${item.key}`, item.ascending ? 'asc' : 'desc');
    const rows = await query
      .limit(size + 1)
      .offset(offset)
      .execute();
    const page = pageOf(rows, offset, size);
    const items = await modelsWithDetails(db, page.rows);
    return page.next_page_token ? { items, next_page_token: page.next_page_token } : { items };
  });
}

const VERSION_COLUMNS = {
  name: 'mv.name',
  run_id: 'mv.run_id',
  source_path: 'mv.source',
  version_number: 'mv.version',
  creation_timestamp: 'mv.creation_timestamp',
  last_updated_timestamp: 'mv.last_updated_timestamp',
} as const;

function versionCondition(dialect: SqlDialectName, clause: ModelVersionClause): Expression<SqlBool> {
  if (clause.entity === 'tag') {
    return versionTag(clause.key, (v) => compareString(dialect, v, clause.operator, clause.value));
  }
  const column = sql.ref(VERSION_COLUMNS[clause.key]);
  switch (clause.type) {
    case 'numeric':
      return compareNumber(column, clause.operator, clause.value);
    case 'list':
      return compareList(column, clause.operator, clause.values);
    case 'string':
      return compareString(dialect, column, clause.operator, clause.value);
  }
}

function versionTag(key: string, test: (value: Expression<unknown>) => Expression<SqlBool>): Expression<SqlBool> {
  return sql<SqlBool>`exists (select 1 from model_version_tags t where t.name = mv.name and t.version = mv.version and t.key = ${key} and ${test(sql.ref('t.value'))})`;
}

export async function searchModelVersions(
  ctx: RegistryContext,
  input: RegistrySearchInput,
): Promise<Page<ModelVersion>> {
  const size = pageSize(input.max_results, VERSION_LIMITS);
  const clauses = parseModelVersionFilter(input.filter);
  const order = parseModelVersionOrderBy(input.order_by);
  const offset = input.page_token ? decodeOffsetToken(input.page_token) : 0;
  const dialect = ctx.database.dialect;

  return ctx.database.read(async (db) => {
    let query = db
      .selectFrom('model_versions as mv')
      .select(WIRE_VERSION_COLUMNS)
      .where('mv.current_stage', '<>', DELETED_STAGE);
    const isPrompt = versionTag(PROMPT_TAG, (v) => sql<SqlBool>`${v} = 'true'`);
    for (const clause of clauses) {
      query = query.where(meansNotPrompt(clause) ? sql<SqlBool>`not ${isPrompt}` : versionCondition(dialect, clause));
    }
    if (!includesPrompts(clauses)) query = query.where(sql<SqlBool>`not ${isPrompt}`);
    for (const item of order) query = query.orderBy(VERSION_COLUMNS[item.key], item.ascending ? 'asc' : 'desc');
    const rows = await query
      .limit(size + 1)
      .offset(offset)
      .execute();
    const page = pageOf(rows, offset, size);
    // Search results carry tags but not aliases, as MLflow's do.
    const items = await versionsWithDetails(db, page.rows, false);
    return page.next_page_token ? { items, next_page_token: page.next_page_token } : { items };
  });
}
