/** Evaluation-dataset search: experiment scope, filter, ordering and offset paging in one query. */
import { type EvaluationDataset, invalidParameterValue } from '@keel/contract';
import { type RawBuilder, type SqlBool, sql } from 'kysely';
import {
  type DatasetClause,
  type DatasetOrderBy,
  parseDatasetFilter,
  parseDatasetOrderBy,
} from '../../../search/index.js';
import type { SearchDatasetsInput } from '../../evaluation-dataset-store.js';
import { decodeOffsetToken, encodeOffsetToken } from '../../page-token.js';
import type { Page } from '../../tracking-store.js';
import { compareNumber, compareString, textOrder } from '../search/search-predicates.js';
import type { SqlDialectName } from '../sql-database.js';
import { parseExperimentId } from '../tracking/rows.js';
import { type GenAiContext, toDataset } from './context.js';

const DEFAULT_MAX_RESULTS = 1000;
const MAX_RESULTS_LIMIT = 50_000;

function maxResults(value: number | undefined): number {
  if (value === undefined || value === 0) return DEFAULT_MAX_RESULTS;
  if (value < 0 || value > MAX_RESULTS_LIMIT) {
    throw invalidParameterValue('max_results', value, `It must be between 1 and ${MAX_RESULTS_LIMIT}.`);
  }
  return value;
}

function condition(dialect: SqlDialectName, clause: DatasetClause): RawBuilder<SqlBool> {
  if (clause.entity === 'tag') {
    const test = compareString(dialect, sql.ref('t.value'), clause.operator, clause.value);
    return sql<SqlBool>`exists (select 1 from evaluation_dataset_tags t where t.dataset_id = d.dataset_id and t.key = ${clause.key} and ${test})`;
  }
  if (clause.type === 'numeric') return compareNumber(sql.ref(`d.${clause.key}`), clause.operator, clause.value);
  // A null creator never equals, nor differs from, a name (as in SQL): only set values match.
  return compareString(dialect, sql.ref(`d.${clause.key}`), clause.operator, clause.value);
}

function orderTerm(dialect: SqlDialectName, item: DatasetOrderBy): RawBuilder<unknown> {
  const column = sql.ref(`d.${item.key}`);
  const key = item.key === 'created_time' || item.key === 'last_update_time' ? column : textOrder(dialect, column);
  return sql`${key} ${sql.raw(item.ascending ? 'asc' : 'desc')}`;
}

export async function searchDatasets(ctx: GenAiContext, input: SearchDatasetsInput): Promise<Page<EvaluationDataset>> {
  const limit = maxResults(input.max_results);
  const offset = input.page_token ? decodeOffsetToken(input.page_token) : 0;
  const { dialect } = ctx.database;
  const conditions = parseDatasetFilter(input.filter_string).map((c) => condition(dialect, c));
  const order = parseDatasetOrderBy(input.order_by).map((item) => orderTerm(dialect, item));
  const scoped = input.experiment_ids !== undefined && input.experiment_ids.length > 0;
  // Ids that cannot name an experiment simply match nothing.
  const experimentIds = (input.experiment_ids ?? []).map(parseExperimentId).filter((id) => id !== undefined);
  if (scoped && experimentIds.length === 0) return { items: [] };

  return ctx.database.read(async (db) => {
    let query = db.selectFrom('evaluation_datasets as d').selectAll('d');
    if (scoped) {
      query = query.where((eb) =>
        eb.exists(
          eb
            .selectFrom('evaluation_dataset_experiments as x')
            .select('x.dataset_id')
            .whereRef('x.dataset_id', '=', 'd.dataset_id')
            .where('x.experiment_id', 'in', experimentIds),
        ),
      );
    }
    for (const c of conditions) query = query.where(c);
    for (const term of order) query = query.orderBy(term);
    const rows = await query
      .limit(limit + 1)
      .offset(offset)
      .execute();
    const page = rows.slice(0, limit);
    const ids = page.map((r) => r.dataset_id);
    const tags =
      ids.length === 0
        ? []
        : await db
            .selectFrom('evaluation_dataset_tags')
            .select(['dataset_id', 'key', 'value'])
            .where('dataset_id', 'in', ids)
            .orderBy('key')
            .execute();
    const items = page.map((row) =>
      toDataset(
        row,
        tags.filter((t) => t.dataset_id === row.dataset_id),
      ),
    );
    return rows.length > limit ? { items, next_page_token: encodeOffsetToken(offset + limit) } : { items };
  });
}
