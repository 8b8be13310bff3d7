/**
 * How a run search is executed. Two plans, both producing MLflow's order (search-syntax.md §3):
 *
 * - Ordered scan: the result is a concatenation of segments split on the first ordering key —
 *   runs with a value (metrics: real values, then NaN) and runs lacking it, which come last in
 *   both directions. Each segment orders by a plain indexed value, so the real-value segment
 *   of `order_by metrics.acc DESC` walks `latest_metrics (key, is_nan, value)` backwards and
 *   stops after one page instead of sorting every run. The joined key's table is written
 *   first with CROSS JOIN, which SQLite takes as the join order (PostgreSQL plans freely).
 * - Candidates: when one filter clause is known to match few runs (`run-search-drivers.ts`),
 *   those runs are read first and sorted whole, with a "real, NaN, missing" group term per key.
 *
 * Later ordering keys only break ties, through correlated subqueries.
 */
import { type RawBuilder, type SqlBool, sql } from 'kysely';
import type { RunClause, RunOrderBy } from '../../../search/index.js';
import type { SqlDialectName } from '../sql-database.js';
import { RUN_ATTRIBUTE_COLUMNS, runClauseCondition } from './run-search-filters.js';
import { textOrder } from './search-predicates.js';

/** One contiguous part of the ordered result. */
export interface RunSearchSegment {
  /** The FROM clause; `runs r` is always part of it. */
  readonly from: RawBuilder<unknown>;
  /** Conditions (join conditions included) on top of the experiment and lifecycle scope. */
  readonly conditions: readonly RawBuilder<SqlBool>[];
  /** ORDER BY terms, each with its direction. */
  readonly orderBy: readonly RawBuilder<unknown>[];
}

const RUNS = sql`runs r`;

/** Segments of the ordered-scan plan; `order` is resolved (tie-breakers included). */
export function planOrderedScan(
  dialect: SqlDialectName,
  clauses: readonly RunClause[],
  order: readonly RunOrderBy[],
): RunSearchSegment[] {
  const [primary, ...rest] = order;
  const tieBreakers = rest.flatMap((item) => orderTerms(dialect, item));
  const filters = clauses.map((c) => runClauseCondition(dialect, c));
  if (primary === undefined) return [{ from: RUNS, conditions: filters, orderBy: tieBreakers }];
  const direction = directionOf(primary.ascending);
  // A clause on the primary key already excludes runs lacking it: no "missing" segment then.
  const filtersOnKey = clauses.some((c) => c.entity === primary.entity && c.key === primary.key);

  switch (primary.entity) {
    case 'metric': {
      const metricFilters = clauses.map((c) => runClauseCondition(dialect, c, { key: primary.key, alias: 'o' }));
      const segment = (isNan: number, orderBy: RawBuilder<unknown>[]): RunSearchSegment => ({
        from: sql`latest_metrics o cross join runs r`,
        conditions: [
          sql<SqlBool>`o.key = ${primary.key} and o.is_nan = ${isNan} and r.run_uuid = o.run_uuid`,
          ...metricFilters,
        ],
        orderBy,
      });
      // NaN values all compare equal, so only the later keys order them.
      const segments = [segment(0, [sql`o.value ${direction}`, ...tieBreakers]), segment(1, tieBreakers)];
      if (!filtersOnKey) {
        const lacking = sql<SqlBool>`not exists (select 1 from latest_metrics m where m.run_uuid = r.run_uuid and m.key = ${primary.key})`;
        segments.push({ from: RUNS, conditions: [...filters, lacking], orderBy: tieBreakers });
      }
      return segments;
    }
    case 'param':
    case 'tag': {
      const table = sql.table(primary.entity === 'param' ? 'params' : 'tags');
      const segments: RunSearchSegment[] = [
        {
          from: sql`${table} o cross join runs r`,
          conditions: [sql<SqlBool>`o.key = ${primary.key} and r.run_uuid = o.run_uuid`, ...filters],
          orderBy: [sql`${textOrder(dialect, sql.ref('o.value'))} ${direction}`, ...tieBreakers],
        },
      ];
      if (!filtersOnKey) {
        const lacking = sql<SqlBool>`not exists (select 1 from ${table} x where x.run_uuid = r.run_uuid and x.key = ${primary.key})`;
        segments.push({ from: RUNS, conditions: [...filters, lacking], orderBy: tieBreakers });
      }
      return segments;
    }
    case 'attribute': {
      if (primary.key !== 'end_time') {
        return [{ from: RUNS, conditions: filters, orderBy: [...orderTerms(dialect, primary), ...tieBreakers] }];
      }
      // end_time is the one attribute a run may lack (still running).
      const segments: RunSearchSegment[] = [
        {
          from: RUNS,
          conditions: [...filters, sql<SqlBool>`r.end_time is not null`],
          orderBy: [sql`r.end_time ${direction}`, ...tieBreakers],
        },
      ];
      if (!filtersOnKey) {
        segments.push({ from: RUNS, conditions: [...filters, sql<SqlBool>`r.end_time is null`], orderBy: tieBreakers });
      }
      return segments;
    }
  }
}

/**
 * The candidate plan: the runs of `candidates` (a query selecting `run_uuid`s, few rows) are
 * read first, filtered, and sorted whole.
 */
export function planCandidates(
  dialect: SqlDialectName,
  clauses: readonly RunClause[],
  order: readonly RunOrderBy[],
  candidates: RawBuilder<unknown>,
): RunSearchSegment {
  return {
    from: sql`(${candidates}) c cross join runs r`,
    conditions: [sql<SqlBool>`r.run_uuid = c.run_uuid`, ...clauses.map((c) => runClauseCondition(dialect, c))],
    orderBy: order.flatMap((item) => orderTerms(dialect, item)),
  };
}

/**
 * ORDER BY terms for one key: a group term putting real values first, then NaN (metrics),
 * then missing, and the value itself.
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
