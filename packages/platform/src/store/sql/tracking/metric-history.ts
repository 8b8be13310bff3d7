/** Metric histories: one run's points of a key (paged), and several runs' points (the UI's bulk route). */
import { invalidParameter, type Metric, type MetricWithRunId, toWireDouble } from '@keel/contract';
import type { Kysely } from 'kysely';
import { decodeOffsetToken, encodeOffsetToken } from '../../page-token.js';
import type { MetricHistoryInput, Page } from '../../tracking-store.js';
import type { TrackingSchema } from '../schema.js';
import { requireRun, type SqlStoreContext } from './context.js';
import { concatPoints, decodeChunk, type PointColumns, sortUnique } from './metric-chunks.js';
import { groupBy } from './rows.js';

export const MAX_BULK_RUNS = 100;
const MAX_BULK_POINTS = 25_000;

/** The chunks of one key of several runs, optionally only those overlapping a step range. */
export function pointsQuery(
  db: Kysely<TrackingSchema>,
  runIds: readonly string[],
  key: string,
  steps?: { readonly min: number; readonly max: number },
) {
  let query = db
    .selectFrom('metric_chunks')
    .select(['run_uuid', 'data'])
    .where('run_uuid', 'in', runIds)
    .where('key', '=', key);
  if (steps !== undefined) query = query.where('max_step', '>=', steps.min).where('min_step', '<=', steps.max);
  return query.orderBy('chunk_id');
}

/** One key's points of several runs, each run's points ordered and de-duplicated. */
export async function loadPoints(
  db: Kysely<TrackingSchema>,
  runIds: readonly string[],
  key: string,
  steps?: { readonly min: number; readonly max: number },
): Promise<Map<string, PointColumns>> {
  const rows = await pointsQuery(db, runIds, key, steps).execute();
  const out = new Map<string, PointColumns>();
  for (const [runId, chunks] of groupBy(rows, (r) => r.run_uuid)) {
    out.set(runId, sortUnique(concatPoints(chunks.map((c) => decodeChunk(c.data)))));
  }
  return out;
}

export async function getMetricHistory(
  ctx: SqlStoreContext,
  runId: string,
  key: string,
  input: MetricHistoryInput = {},
): Promise<Page<Metric>> {
  const limit = input.max_results !== undefined && input.max_results > 0 ? input.max_results : undefined;
  const offset = input.page_token ? decodeOffsetToken(input.page_token) : 0;
  return ctx.database.read(async (db) => {
    // MLflow answers {} for an unknown run; saying it does not exist is what every other call does.
    await requireRun(db, runId);
    const load = async () => (await loadPoints(db, [runId], key)).get(runId);
    // Paged reads keep the merged points for the next page (`metric-pages.ts`).
    const points = limit === undefined ? await load() : await ctx.pagedHistories.points(db, runId, key, limit, load);
    if (points === undefined) return { items: [] };
    const end = limit === undefined ? points.length : Math.min(points.length, offset + limit);
    const items: Metric[] = [];
    for (let i = offset; i < end; i++) {
      items.push({
        key,
        value: toWireDouble(points.values[i] as number),
        timestamp: points.timestamps[i] as number,
        step: points.steps[i] as number,
      });
    }
    return end < points.length ? { items, next_page_token: encodeOffsetToken(end) } : { items };
  });
}

export function checkRunIds(runIds: readonly string[], what: string): void {
  if (runIds.length > MAX_BULK_RUNS) {
    throw invalidParameter(
      `${what} request must specify at most ${MAX_BULK_RUNS} run_ids. Received ${runIds.length} run_ids. See the API docs for more information about request parameters.`,
    );
  }
}

/** The UI's bulk route words the same limit differently (clients and MLflow's tests match on it). */
function checkBulkRunIds(runIds: readonly string[]): void {
  if (runIds.length > MAX_BULK_RUNS) {
    throw invalidParameter(
      `GetMetricHistoryBulk request cannot specify more than ${MAX_BULK_RUNS} run_ids. Received ${runIds.length} run_ids.`,
    );
  }
}

/** Full histories of several runs, ordered by run id then time (the UI's bulk route). */
export async function getMetricHistoryBulk(
  ctx: SqlStoreContext,
  runIds: readonly string[],
  key: string,
  maxResults?: number,
): Promise<MetricWithRunId[]> {
  if (runIds.length === 0) throw invalidParameter('GetMetricHistoryBulk request must specify at least one run_id.');
  checkBulkRunIds(runIds);
  const limit = Math.min(maxResults !== undefined && maxResults > 0 ? maxResults : MAX_BULK_POINTS, MAX_BULK_POINTS);
  const byRun = await ctx.database.read((db) => loadPoints(db, [...new Set(runIds)], key));
  const out: MetricWithRunId[] = [];
  for (const runId of [...byRun.keys()].sort()) {
    const points = byRun.get(runId) as PointColumns;
    for (let i = 0; i < points.length && out.length < limit; i++) {
      out.push({
        key,
        value: toWireDouble(points.values[i] as number),
        timestamp: points.timestamps[i] as number,
        step: points.steps[i] as number,
        run_id: runId,
      });
    }
  }
  return out;
}
