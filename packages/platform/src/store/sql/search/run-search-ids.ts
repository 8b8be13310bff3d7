/**
 * Selects one page of run IDs for a parsed search: picks the plan (`run-search-drivers.ts`,
 * `run-search-plan.ts`) and reads the page across the plan's segments.
 */
import { type Kysely, type RawBuilder, type SqlBool, sql } from 'kysely';
import type { RunClause, RunOrderBy } from '../../../search/index.js';
import type { SqlDialectName } from '../sql-database.js';
import { CANDIDATE_LIMIT, selectiveCandidates } from './run-search-drivers.js';
import { planCandidates, planOrderedScan, type RunSearchSegment } from './run-search-plan.js';

/** A parsed run search: scope, filter, resolved order and the page wanted. */
export interface RunIdQuery {
  readonly experimentIds: readonly number[];
  readonly stages: readonly string[];
  readonly clauses: readonly RunClause[];
  readonly order: readonly RunOrderBy[];
  readonly offset: number;
  readonly limit: number;
}

/**
 * The run IDs of one page, in order, and whether more follow. `candidateLimit` is the
 * selectivity threshold of the candidate plan; 0 always takes the ordered scan (the tests
 * check that both plans agree).
 */
export async function selectRunIds<DB>(
  db: Kysely<DB>,
  dialect: SqlDialectName,
  query: RunIdQuery,
  candidateLimit: number = CANDIDATE_LIMIT,
): Promise<{ ids: string[]; more: boolean }> {
  const { clauses, order } = query;
  // A range on the metric the ordered scan walks is never worth counting: that scan reads only
  // the range, stopping after one page, so it costs no more than the range's runs as candidates.
  const [primary] = order;
  const probed =
    primary?.entity === 'metric' ? clauses.filter((c) => !(c.entity === 'metric' && c.key === primary.key)) : clauses;
  const candidates = await selectiveCandidates(db as Kysely<unknown>, probed, candidateLimit);
  const segments =
    candidates === undefined
      ? planOrderedScan(dialect, clauses, order)
      : [planCandidates(dialect, clauses, order, candidates)];
  const scope = searchScope(query.experimentIds, query.stages);
  return selectPage(db as Kysely<unknown>, scope, segments, query.offset, query.limit);
}

/** `from ... where ...` of one segment within the scope. */
function segmentFrom(scope: readonly RawBuilder<SqlBool>[], segment: RunSearchSegment): RawBuilder<unknown> {
  return sql`from ${segment.from} where ${sql.join([...scope, ...segment.conditions], sql` and `)}`;
}

/** The statement reading one page of a segment's run IDs (exported for the query-plan tests). */
export function segmentPageQuery(
  scope: readonly RawBuilder<SqlBool>[],
  segment: RunSearchSegment,
  limit: number,
  offset: number,
): RawBuilder<{ run_uuid: string }> {
  return sql<{
    run_uuid: string;
  }>`select r.run_uuid ${segmentFrom(scope, segment)} order by ${sql.join(segment.orderBy)} limit ${limit} offset ${offset}`;
}

/** The experiment and lifecycle scope of a search, as conditions on `runs r`. */
export function searchScope(experimentIds: readonly number[], stages: readonly string[]): RawBuilder<SqlBool>[] {
  return [
    sql<SqlBool>`r.experiment_id in (${sql.join(experimentIds)})`,
    sql<SqlBool>`r.lifecycle_stage in (${sql.join(stages)})`,
  ];
}

/**
 * Reads `limit` run IDs from `offset` of the concatenated segments, plus whether more follow.
 * A segment that yields nothing while rows are still to be skipped is counted, so the offset
 * carries over into the next segment.
 */
async function selectPage(
  db: Kysely<unknown>,
  scope: readonly RawBuilder<SqlBool>[],
  segments: readonly RunSearchSegment[],
  offset: number,
  limit: number,
): Promise<{ ids: string[]; more: boolean }> {
  const ids: string[] = [];
  let skip = offset;
  let wanted = limit + 1;
  for (const segment of segments) {
    const from = segmentFrom(scope, segment);
    const rows = await segmentPageQuery(scope, segment, wanted, skip).execute(db);
    if (rows.rows.length > 0) {
      for (const row of rows.rows) ids.push(row.run_uuid);
      wanted -= rows.rows.length;
      skip = 0;
    } else if (skip > 0) {
      const counted = await sql<{ n: number | string }>`select count(*) as n ${from}`.execute(db);
      skip -= Math.min(skip, Number(counted.rows[0]?.n ?? 0));
    }
    if (wanted === 0) break;
  }
  return { ids: ids.slice(0, limit), more: ids.length > limit };
}
