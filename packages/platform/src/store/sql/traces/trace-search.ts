/**
 * Trace search: an experiment set's traces filtered by the trace grammar's clauses, ordered by
 * the caller's keys then newest first, in pages of at most 500 (MLflow's offset tokens).
 * Every clause is a predicate on `trace_info`: tags, metadata and run links through their
 * key/value indexes, spans through EXISTS on the span table's trace key, so the experiment/time
 * index drives the scan.
 */
import { invalidParameterValue, type TraceInfoV3 } from '@keel/contract';
import { type RawBuilder, type Selectable, type SqlBool, sql } from 'kysely';
import {
  parseTraceFilter,
  parseTraceOrderBy,
  SOURCE_RUN_METADATA,
  type TraceClause,
  type TraceOrderBy,
} from '../../../search/index.js';
import { decodeOffsetToken, encodeOffsetToken } from '../../page-token.js';
import type { SearchTracesInput } from '../../trace-store.js';
import type { Page } from '../../tracking-store.js';
import { compareList, compareNumber, compareString, textOrder } from '../search/search-predicates.js';
import type { SqlDialectName } from '../sql-database.js';
import type { SqlTraceContext } from './context.js';
import type { TraceInfoTable } from './schema.js';
import { loadTraceInfos } from './trace-loader.js';

/** MLflow's page size limit and default for trace search. */
export const MAX_TRACE_RESULTS = 500;
const DEFAULT_TRACE_RESULTS = 100;

/** v2 status names stored under their v3 names. */
const STATE_ALIASES: Readonly<Record<string, string>> = { TRACE_STATUS_UNSPECIFIED: 'STATE_UNSPECIFIED' };

const ti = (column: string) => sql.ref(`trace_info.${column}`);

/**
 * The trace has `key` with a value matching. Written as `IN (subquery)`: the key/value index
 * finds the matching traces once (SQLite adds a Bloom filter), where EXISTS would probe the
 * tags of every trace the time-ordered scan passes.
 */
function keyValueMatches(
  table: 'trace_tags' | 'trace_request_metadata',
  key: string,
  match: (value: RawBuilder<unknown>) => RawBuilder<SqlBool>,
): RawBuilder<SqlBool> {
  const value = sql.ref('kv.value');
  return sql<SqlBool>`${ti('request_id')} in (select kv.request_id from ${sql.table(table)} kv where kv.key = ${key} and ${match(value as RawBuilder<unknown>)})`;
}

/** The trace came from the run (source-run metadata) or was linked to it. */
function producedByOrLinked(runIds: readonly string[]): RawBuilder<SqlBool> {
  const list = sql.join(runIds.map((id) => sql`${id}`));
  return sql<SqlBool>`(${ti('request_id')} in (select m.request_id from trace_request_metadata m where m.key = ${SOURCE_RUN_METADATA} and m.value in (${list})) or ${ti('request_id')} in (select l.request_id from trace_run_links l where l.run_uuid in (${list})))`;
}

/** The SQL predicate of one trace filter clause. */
export function tracePredicate(dialect: SqlDialectName, clause: TraceClause): RawBuilder<SqlBool> {
  switch (clause.entity) {
    case 'attribute':
      if (clause.type === 'numeric') return compareNumber(ti(clause.key), clause.operator, clause.value);
      if (clause.type === 'list') {
        const values = clause.key === 'status' ? clause.values.map((v) => STATE_ALIASES[v] ?? v) : clause.values;
        return compareList(ti(clause.key), clause.operator, values);
      }
      return compareString(
        dialect,
        ti(clause.key),
        clause.operator,
        clause.key === 'status' ? (STATE_ALIASES[clause.value] ?? clause.value) : clause.value,
      );
    case 'tag':
    case 'metadata': {
      const table = clause.entity === 'tag' ? 'trace_tags' : 'trace_request_metadata';
      if (clause.type === 'list')
        return keyValueMatches(table, clause.key, (v) => compareList(v, clause.operator, clause.values));
      return keyValueMatches(table, clause.key, (v) => compareString(dialect, v, clause.operator, clause.value));
    }
    case 'run': {
      if (clause.type === 'list') {
        if (clause.values.length === 0) return clause.operator === 'IN' ? sql<SqlBool>`1 = 0` : sql<SqlBool>`1 = 1`;
        const linked = producedByOrLinked(clause.values);
        return clause.operator === 'IN' ? linked : sql<SqlBool>`not ${linked}`;
      }
      const linked = producedByOrLinked([clause.value]);
      return clause.operator === '=' ? linked : sql<SqlBool>`not ${linked}`;
    }
    case 'span': {
      const column = sql.ref(`s.${clause.key}`);
      return sql<SqlBool>`exists (select 1 from spans s where s.trace_id = ${ti('request_id')} and ${compareString(dialect, column, clause.operator, clause.value)})`;
    }
  }
}

/** `ORDER BY` terms; a missing value sorts first ascending and last descending, on every database. */
function orderTerms(dialect: SqlDialectName, orderBy: readonly TraceOrderBy[]): RawBuilder<unknown>[] {
  return orderBy.map((item) => {
    const direction = item.ascending ? sql`asc` : sql`desc`;
    const nulls = item.ascending ? sql`nulls first` : sql`nulls last`;
    if (item.entity === 'attribute') {
      switch (item.key) {
        case 'timestamp_ms':
        case 'experiment_id':
          return sql`${ti(item.key)} ${direction}`;
        case 'execution_time_ms':
          return sql`${ti(item.key)} ${direction} ${nulls}`;
        default:
          return sql`${textOrder(dialect, sql`${ti(item.key)}`)} ${direction}`;
      }
    }
    const table = item.entity === 'tag' ? 'trace_tags' : 'trace_request_metadata';
    const value = sql`(select kv.value from ${sql.table(table)} kv where kv.request_id = ${ti('request_id')} and kv.key = ${item.key})`;
    return sql`${textOrder(dialect, value)} ${direction} ${nulls}`;
  });
}

/** Numeric experiment ids; others can name no experiment. */
function experimentIds(ids: readonly string[]): number[] {
  return ids.map(Number).filter((id) => Number.isSafeInteger(id) && id >= 0);
}

/** The predicates of every filter (all must hold) plus the experiment scope. */
function whereClause(dialect: SqlDialectName, ids: readonly number[], filters: readonly (string | undefined)[]) {
  const clauses = filters.flatMap((filter) => parseTraceFilter(filter));
  const scope =
    ids.length === 1
      ? sql<SqlBool>`${ti('experiment_id')} = ${ids[0]}`
      : sql<SqlBool>`${ti('experiment_id')} in (${sql.join(ids.map((id) => sql`${id}`))})`;
  return sql.join([scope, ...clauses.map((c) => tracePredicate(dialect, c))], sql` and `);
}

type TraceRow = Selectable<TraceInfoTable>;

/**
 * The page query of a search: the `trace_info` rows of one page (and one more, to tell whether
 * another page follows). Tags, metadata and assessments are read afterwards for that page only.
 */
export function searchPageQuery(
  dialect: SqlDialectName,
  input: Pick<SearchTracesInput, 'experiment_ids' | 'filter' | 'order_by'>,
  limit: number,
  offset: number,
): RawBuilder<TraceRow> {
  const where = whereClause(dialect, experimentIds(input.experiment_ids), [input.filter]);
  const order = sql.join(orderTerms(dialect, parseTraceOrderBy(input.order_by)));
  return sql<TraceRow>`select trace_info.* from trace_info where ${where} order by ${order} limit ${limit} offset ${offset}`;
}

export async function searchTraces(ctx: SqlTraceContext, input: SearchTracesInput): Promise<Page<TraceInfoV3>> {
  const maxResults = input.max_results ?? DEFAULT_TRACE_RESULTS;
  if (maxResults < 1 || maxResults > MAX_TRACE_RESULTS) throw invalidParameterValue('max_results', maxResults);
  const offset = input.page_token ? decodeOffsetToken(input.page_token) : 0;
  const query = searchPageQuery(ctx.database.dialect, input, maxResults + 1, offset);
  if (experimentIds(input.experiment_ids).length === 0) return { items: [] };
  return ctx.database.read(async (db) => {
    const { rows } = await query.execute(db);
    const page = rows.slice(0, maxResults);
    const items = await loadTraceInfos(ctx, db, page);
    return rows.length > maxResults ? { items, next_page_token: encodeOffsetToken(offset + maxResults) } : { items };
  });
}

/** How many of the experiments' traces satisfy every filter. */
export async function countTraces(
  ctx: SqlTraceContext,
  experimentIdsIn: readonly string[],
  filters: readonly (string | undefined)[],
): Promise<number> {
  const ids = experimentIds(experimentIdsIn);
  const where = whereClause(ctx.database.dialect, ids, filters);
  if (ids.length === 0) return 0;
  return ctx.database.read(async (db) => {
    const { rows } = await sql<{ n: number | string }>`select count(*) as n from trace_info where ${where}`.execute(db);
    return Number(rows[0]?.n ?? 0);
  });
}
