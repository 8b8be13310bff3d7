/**
 * Picks the candidate plan of `run-search-plan.ts` when a filter clause is selective. An
 * ordered scan stops after one page only if matching runs are common along the order; for
 * `params.seed = '42'` it would read every run. Clauses an index answers directly (param and
 * tag equality, run IDs, metric comparisons) are counted up to a small cap first: one that
 * matches fewer runs than the cap names the candidates, which are then sorted whole.
 */
import { type Kysely, type RawBuilder, sql } from 'kysely';
import type { RunClause } from '../../../search/index.js';
import { compareList, compareNumber } from './search-predicates.js';

/** Below this many matches a clause drives the search; probing costs at most this many index entries. */
export const CANDIDATE_LIMIT = 1000;

/** A query selecting the `run_uuid`s one clause matches, when an index serves it directly. */
export function candidateQuery(clause: RunClause): RawBuilder<unknown> | undefined {
  switch (clause.entity) {
    case 'param':
    case 'tag': {
      if (clause.operator !== '=') return undefined;
      const table = sql.table(clause.entity === 'param' ? 'params' : 'tags');
      return sql`select x.run_uuid from ${table} x where x.key = ${clause.key} and x.value = ${clause.value}`;
    }
    case 'metric': {
      if (clause.operator === '!=') return undefined;
      // NaN is stored as 0 with its flag set; both flags are probed so the index range applies.
      const condition = compareNumber(sql.ref('m.value'), clause.operator, clause.value);
      return sql`select m.run_uuid from latest_metrics m where m.key = ${clause.key} and m.is_nan in (0, 1) and ${condition}`;
    }
    case 'attribute': {
      if (clause.key !== 'run_id') return undefined;
      if (clause.type === 'list' && clause.operator === 'IN') {
        return sql`select x.run_uuid from runs x where ${compareList(sql.ref('x.run_uuid'), 'IN', clause.values)}`;
      }
      if (clause.type === 'string' && clause.operator === '=') {
        return sql`select x.run_uuid from runs x where x.run_uuid = ${clause.value}`;
      }
      return undefined;
    }
    default:
      return undefined;
  }
}

/**
 * The candidate query of the most selective clause, when one matches fewer than `limit` runs.
 * All eligible clauses are counted in one statement (each count stops at `limit`).
 */
export async function selectiveCandidates(
  db: Kysely<unknown>,
  clauses: readonly RunClause[],
  limit: number = CANDIDATE_LIMIT,
): Promise<RawBuilder<unknown> | undefined> {
  if (limit <= 0) return undefined;
  const queries = clauses.map(candidateQuery).filter((q) => q !== undefined);
  if (queries.length === 0) return undefined;
  const counts = queries.map(
    (q, i) => sql`(select count(*) from (${q} limit ${limit}) ${sql.ref(`s${i}`)}) as ${sql.ref(`c${i}`)}`,
  );
  const probe = await sql<Record<string, number | string>>`select ${sql.join(counts)}`.execute(db);
  const row = probe.rows[0] ?? {};
  let best: { query: RawBuilder<unknown>; count: number } | undefined;
  queries.forEach((query, i) => {
    const count = Number(row[`c${i}`] ?? limit);
    if (count < limit && (best === undefined || count < best.count)) best = { query, count };
  });
  return best?.query;
}
