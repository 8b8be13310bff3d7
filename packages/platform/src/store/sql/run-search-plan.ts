/**
 * How a run search is executed: the ordered result is a concatenation of segments, split on
 * the first ordering key into runs that have a value (metrics: real values, then NaN) and runs
 * that lack it. Runs lacking a sort key come last in both directions (search-syntax.md §3).
 *
 * Splitting lets each segment order by a plain indexed value instead of a "missing/NaN first"
 * CASE expression: the real-value segment of `order_by metrics.acc DESC` walks
 * `latest_metrics (key, is_nan, value)` backwards and stops after one page, instead of sorting
 * every matching run. Later ordering keys only break ties, through correlated subqueries.
 */
import { type RawBuilder, type SqlBool, sql } from 'kysely';
import type { RunClause, RunOrderBy } from '../../search/index.js';
import { RUN_ATTRIBUTE_COLUMNS, runClauseCondition } from './run-search-filters.js';
import { textOrder } from './search-predicates.js';
import type { SqlDialectName } from './sql-database.js';

/** One contiguous part of the ordered result. */
export interface RunSearchSegment {
  /** A join bringing the first ordering key's row in as `o`, when the segment needs it. */
  readonly join?: RawBuilder<unknown>;
  /** Conditions on top of the experiment and lifecycle scope. */
  readonly conditions: readonly RawBuilder<SqlBool>[];
  /** ORDER BY terms, each with its direction. */
  readonly orderBy: readonly RawBuilder<unknown>[];
}

/** Builds the segments of a search: `order` is resolved (tie-breakers included, never empty). */
export function planRunSearch(
  dialect: SqlDialectName,
  clauses: readonly RunClause[],
  order: readonly RunOrderBy[],
): RunSearchSegment[] {
  const [primary, ...rest] = order;
  const tieBreakers = rest.flatMap((item) => orderTerms(dialect, item));
  const filters = clauses.map((c) => runClauseCondition(dialect, c));
  if (primary === undefined) return [{ conditions: filters, orderBy: tieBreakers }];
  const direction = directionOf(primary.ascending);
  // A clause on the primary key already excludes runs lacking it: no "missing" segment then.
  const filtersOnKey = clauses.some((c) => c.entity === primary.entity && c.key === primary.key);

  switch (primary.entity) {
    case 'metric': {
      const joined = { key: primary.key, alias: 'o' };
      const metricFilters = clauses.map((c) => runClauseCondition(dialect, c, joined));
      const join = (isNan: number) =>
        sql`join latest_metrics o on o.run_uuid = r.run_uuid and o.key = ${primary.key} and o.is_nan = ${isNan}`;
      const segments: RunSearchSegment[] = [
        { join: join(0), conditions: metricFilters, orderBy: [sql`o.value ${direction}`, ...tieBreakers] },
        // NaN values all compare equal, so only the later keys order them.
        { join: join(1), conditions: metricFilters, orderBy: tieBreakers },
      ];
      if (!filtersOnKey) {
        const lacking = sql<SqlBool>`not exists (select 1 from latest_metrics m where m.run_uuid = r.run_uuid and m.key = ${primary.key})`;
        segments.push({ conditions: [...filters, lacking], orderBy: tieBreakers });
      }
      return segments;
    }
    case 'param':
    case 'tag': {
      const table = sql.table(primary.entity === 'param' ? 'params' : 'tags');
      const segments: RunSearchSegment[] = [
        {
          join: sql`join ${table} o on o.run_uuid = r.run_uuid and o.key = ${primary.key}`,
          conditions: filters,
          orderBy: [sql`${textOrder(dialect, sql.ref('o.value'))} ${direction}`, ...tieBreakers],
        },
      ];
      if (!filtersOnKey) {
        const lacking = sql<SqlBool>`not exists (select 1 from ${table} x where x.run_uuid = r.run_uuid and x.key = ${primary.key})`;
        segments.push({ conditions: [...filters, lacking], orderBy: tieBreakers });
      }
      return segments;
    }
    case 'attribute': {
      if (primary.key !== 'end_time') {
        return [{ conditions: filters, orderBy: [...orderTerms(dialect, primary), ...tieBreakers] }];
      }
      // end_time is the one attribute a run may lack (still running).
      const segments: RunSearchSegment[] = [
        {
          conditions: [...filters, sql<SqlBool>`r.end_time is not null`],
          orderBy: [sql`r.end_time ${direction}`, ...tieBreakers],
        },
      ];
      if (!filtersOnKey)
        segments.push({ conditions: [...filters, sql<SqlBool>`r.end_time is null`], orderBy: tieBreakers });
      return segments;
    }
  }
}

/**
 * ORDER BY terms for a tie-breaking key: a group term putting real values first, then NaN
 * (metrics), then missing, and the value itself.
 */
function orderTerms(dialect: SqlDialectName, item: RunOrderBy): RawBuilder<unknown>[] {
  const direction = directionOf(item.ascending);
  switch (item.entity) {
    case 'metric': {
      const row = sql`from latest_metrics m where m.run_uuid = r.run_uuid and m.key = ${item.key}`;
      return [sql`coalesce((select m.is_nan ${row}), 2)`, sql`(select m.value ${row}) ${direction}`];
    }
    case 'param':
    case 'tag': {
      const table = sql.table(item.entity === 'param' ? 'params' : 'tags');
      const value = sql`(select x.value from ${table} x where x.run_uuid = r.run_uuid and x.key = ${item.key})`;
      return [sql`case when ${value} is null then 1 else 0 end`, sql`${textOrder(dialect, value)} ${direction}`];
    }
    case 'attribute': {
      const column = RUN_ATTRIBUTE_COLUMNS[item.key];
      if (item.key === 'end_time') {
        return [sql`case when r.end_time is null then 1 else 0 end`, sql`r.end_time ${direction}`];
      }
      // Run IDs are lowercase hex: byte order and collation order agree, and the index stays usable.
      if (item.key === 'start_time' || item.key === 'run_id') return [sql`${column} ${direction}`];
      return [sql`${textOrder(dialect, column)} ${direction}`];
    }
  }
}

function directionOf(ascending: boolean): RawBuilder<unknown> {
  return sql.raw(ascending ? 'asc' : 'desc');
}
