/** Experiment search (tracking-api.md E4): filter, ordering and offset paging in one query. */
import { type Experiment, invalidParameter } from '@keel/contract';
import { type RawBuilder, type SqlBool, sql } from 'kysely';
import {
  type ExperimentClause,
  type ExperimentOrderBy,
  parseExperimentFilter,
  parseExperimentOrderBy,
} from '../../../search/index.js';
import { decodeOffsetToken, encodeOffsetToken } from '../../page-token.js';
import type { Page, SearchExperimentsInput } from '../../tracking-store.js';
import type { SqlDialectName } from '../sql-database.js';
import type { SqlStoreContext } from '../tracking/context.js';
import { groupBy, toExperiment } from '../tracking/rows.js';
import { compareNumber, compareString, textOrder, VIEW_STAGES } from './search-predicates.js';

const DEFAULT_MAX_RESULTS = 1000;
const MAX_RESULTS_LIMIT = 50_000;

/** Searches experiments; a token is returned only when more experiments follow. */
export async function searchExperiments(
  ctx: SqlStoreContext,
  input: SearchExperimentsInput,
): Promise<Page<Experiment>> {
  const limit = experimentsMaxResults(input.max_results);
  const offset = input.page_token ? decodeOffsetToken(input.page_token) : 0;
  const { dialect } = ctx.database;
  const conditions = parseExperimentFilter(input.filter).map((c) => experimentCondition(dialect, c));
  const order = parseExperimentOrderBy(input.order_by).map((item) => orderTerm(dialect, item));
  const stages = VIEW_STAGES[input.view_type ?? 'ACTIVE_ONLY'];

  return ctx.database.read(async (db) => {
    let query = db.selectFrom('experiments as e').selectAll('e').where('e.lifecycle_stage', 'in', stages);
    for (const condition of conditions) query = query.where(condition);
    for (const term of order) query = query.orderBy(term);
    // One extra row tells whether another page exists.
    const rows = await query
      .limit(limit + 1)
      .offset(offset)
      .execute();
    const page = rows.slice(0, limit);
    const ids = page.map((r) => r.experiment_id);
    const tags =
      ids.length === 0
        ? []
        : await db
            .selectFrom('experiment_tags')
            .select(['experiment_id', 'key', 'value'])
            .where('experiment_id', 'in', ids)
            .execute();
    const tagsById = groupBy(tags, (t) => t.experiment_id);
    const items = page.map((row) =>
      toExperiment(
        row,
        (tagsById.get(row.experiment_id) ?? []).map((t) => ({ key: t.key, value: t.value })),
      ),
    );
    return rows.length > limit ? { items, next_page_token: encodeOffsetToken(offset + limit) } : { items };
  });
}

/**
 * 1 to 50,000. Absent or 0 means 1000: MLflow rejects a request without `max_results`
 * (the field has no declared default), which only breaks hand-written calls.
 */
function experimentsMaxResults(maxResults: number | undefined): number {
  if (maxResults === undefined || maxResults === 0) return DEFAULT_MAX_RESULTS;
  if (maxResults < 0) {
    throw invalidParameter(
      `Invalid value ${maxResults} for parameter 'max_results' supplied. It must be a positive integer`,
    );
  }
  if (maxResults > MAX_RESULTS_LIMIT) {
    throw invalidParameter(
      `Invalid value ${maxResults} for parameter 'max_results' supplied. It must be at most ${MAX_RESULTS_LIMIT}`,
    );
  }
  return maxResults;
}

function experimentCondition(dialect: SqlDialectName, clause: ExperimentClause): RawBuilder<SqlBool> {
  if (clause.entity === 'tag') {
    const condition = compareString(dialect, sql.ref('t.value'), clause.operator, clause.value);
    return sql<SqlBool>`exists (select 1 from experiment_tags t where t.experiment_id = e.experiment_id and t.key = ${clause.key} and ${condition})`;
  }
  if (clause.type === 'numeric') return compareNumber(sql.ref(`e.${clause.key}`), clause.operator, clause.value);
  return compareString(dialect, sql.ref('e.name'), clause.operator, clause.value);
}

function orderTerm(dialect: SqlDialectName, item: ExperimentOrderBy): RawBuilder<unknown> {
  const column = item.key === 'name' ? textOrder(dialect, sql.ref('e.name')) : sql.ref(`e.${item.key}`);
  return sql`${column} ${sql.raw(item.ascending ? 'asc' : 'desc')}`;
}
