/**
 * Run filter clauses as SQL conditions on `runs r`. Metric, param, tag and dataset clauses are
 * correlated EXISTS subqueries (a run lacking the key never matches, whatever the operator);
 * attribute clauses compare `r`'s columns. All values are bound parameters.
 */
import { type RawBuilder, type SqlBool, sql } from 'kysely';
import type { RunAttribute, RunClause } from '../../../search/index.js';
import type { SqlDialectName } from '../sql-database.js';
import { compareList, compareNumber, compareString } from './search-predicates.js';

/** The input tag holding a dataset input's context (`datasets.context`). */
const DATASET_CONTEXT_TAG = 'mlflow.data.context';

/** Columns of `runs r` behind each run attribute. */
export const RUN_ATTRIBUTE_COLUMNS: Readonly<Record<RunAttribute, RawBuilder<unknown>>> = {
  run_id: sql.ref('r.run_uuid'),
  // The name column is kept equal to the `mlflow.runName` tag MLflow compares against.
  run_name: sql.ref('r.name'),
  user_id: sql.ref('r.user_id'),
  status: sql.ref('r.status'),
  artifact_uri: sql.ref('r.artifact_uri'),
  start_time: sql.ref('r.start_time'),
  end_time: sql.ref('r.end_time'),
};

/**
 * Where the latest value of one metric is already joined as `alias` (the primary ordering
 * metric), clauses on that metric compare the joined row instead of a subquery, so an index
 * range can serve them.
 */
export interface JoinedMetric {
  readonly key: string;
  readonly alias: string;
}

/** The SQL condition of one run filter clause. */
export function runClauseCondition(
  dialect: SqlDialectName,
  clause: RunClause,
  joined?: JoinedMetric,
): RawBuilder<SqlBool> {
  switch (clause.entity) {
    case 'metric': {
      // Compared as stored: NaN is stored as 0 and so matches `>= 0`, exactly like MLflow.
      if (joined !== undefined && joined.key === clause.key) {
        return compareNumber(sql.ref(`${joined.alias}.value`), clause.operator, clause.value);
      }
      const condition = compareNumber(sql.ref('m.value'), clause.operator, clause.value);
      return sql<SqlBool>`exists (select 1 from latest_metrics m where m.run_uuid = r.run_uuid and m.key = ${clause.key} and ${condition})`;
    }
    case 'param': {
      const condition = compareString(dialect, sql.ref('p.value'), clause.operator, clause.value);
      return sql<SqlBool>`exists (select 1 from params p where p.run_uuid = r.run_uuid and p.key = ${clause.key} and ${condition})`;
    }
    case 'tag': {
      const condition = compareString(dialect, sql.ref('t.value'), clause.operator, clause.value);
      return sql<SqlBool>`exists (select 1 from tags t where t.run_uuid = r.run_uuid and t.key = ${clause.key} and ${condition})`;
    }
    case 'attribute': {
      const column = RUN_ATTRIBUTE_COLUMNS[clause.key];
      if (clause.type === 'numeric') return compareNumber(column, clause.operator, clause.value);
      if (clause.type === 'list') return compareList(column, clause.operator, clause.values);
      return compareString(dialect, column, clause.operator, clause.value);
    }
    case 'dataset': {
      if (clause.key === 'context') {
        const value = sql.ref('it.value');
        const condition =
          clause.type === 'list'
            ? compareList(value, clause.operator, clause.values)
            : compareString(dialect, value, clause.operator, clause.value);
        return sql<SqlBool>`exists (select 1 from input_tags it where it.run_uuid = r.run_uuid and it.key = ${DATASET_CONTEXT_TAG} and ${condition})`;
      }
      const column = clause.key === 'name' ? sql.ref('d.name') : sql.ref('d.digest');
      const condition =
        clause.type === 'list'
          ? compareList(column, clause.operator, clause.values)
          : compareString(dialect, column, clause.operator, clause.value);
      return sql<SqlBool>`exists (select 1 from run_inputs ri join datasets d on d.dataset_uuid = ri.dataset_uuid where ri.run_uuid = r.run_uuid and ${condition})`;
    }
  }
}
