/**
 * Permanent removal of deleted runs and experiments (`keel gc`), safe while servers serve.
 *
 * Mark, then sweep: one transaction deletes the rows (child rows follow through the schema's
 * ON DELETE CASCADE keys) and queues the removed items' artifact locations in
 * `gc_pending_artifacts`; the caller deletes the bytes afterwards and completes each entry.
 * The rows go first, with a `lifecycle_stage = 'deleted'` condition in the DELETE itself, so a
 * run restored while gc works is never touched and never loses its files; a crash after the
 * commit leaves queued entries that the next gc sweeps, never orphaned files nobody knows of.
 * Work is done in batches, each its own short transaction, so writers are not held up for long.
 */
import type { Kysely } from 'kysely';
import type {
  DeletedExperiment,
  DeletedItemsQuery,
  DeletedRun,
  PendingArtifactDeletion,
  PurgeResult,
} from '../../tracking-store.js';
import type { TrackingSchema } from '../schema.js';
import type { SqlStoreContext } from './context.js';
import { parseExperimentId } from './rows.js';

type Db = Kysely<TrackingSchema>;

/** IDs per statement: far below every dialect's parameter limit. */
const BATCH = 500;

function batches<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let at = 0; at < items.length; at += BATCH) out.push(items.slice(at, at + BATCH));
  return out;
}

/** Numeric experiment IDs; IDs that cannot exist are dropped (they match nothing). */
function experimentIds(ids: readonly string[]): number[] {
  return ids.map(parseExperimentId).filter((id): id is number => id !== undefined);
}

export async function findDeletedRuns(ctx: SqlStoreContext, query: DeletedItemsQuery = {}): Promise<DeletedRun[]> {
  const experiments = query.experimentIds === undefined ? undefined : experimentIds(query.experimentIds);
  if (experiments?.length === 0 || query.runIds?.length === 0) return [];
  const runBatches = query.runIds === undefined ? [undefined] : batches(query.runIds);
  const rows = await ctx.database.read(async (db) => {
    const found = [];
    for (const runIds of runBatches) {
      let select = db
        .selectFrom('runs')
        .select(['run_uuid', 'experiment_id', 'artifact_uri', 'deleted_time'])
        .where('lifecycle_stage', '=', 'deleted');
      if (query.deletedBefore !== undefined) select = select.where('deleted_time', '<=', query.deletedBefore);
      if (experiments !== undefined) select = select.where('experiment_id', 'in', experiments);
      if (runIds !== undefined) select = select.where('run_uuid', 'in', runIds);
      found.push(...(await select.execute()));
    }
    return found;
  });
  return rows
    .map((row) => ({
      run_id: row.run_uuid,
      experiment_id: String(row.experiment_id),
      artifact_uri: row.artifact_uri,
      deleted_time: Number(row.deleted_time ?? 0),
    }))
    .sort((a, b) => a.deleted_time - b.deleted_time || (a.run_id < b.run_id ? -1 : 1));
}

export async function findDeletedExperiments(
  ctx: SqlStoreContext,
  query: DeletedItemsQuery = {},
): Promise<DeletedExperiment[]> {
  const wanted = query.experimentIds === undefined ? undefined : experimentIds(query.experimentIds);
  if (wanted?.length === 0) return [];
  return ctx.database.read(async (db) => {
    let select = db
      .selectFrom('experiments')
      .select(['experiment_id', 'name', 'last_update_time'])
      .where('lifecycle_stage', '=', 'deleted');
    if (query.deletedBefore !== undefined) select = select.where('last_update_time', '<=', query.deletedBefore);
    const rows = [];
    for (const ids of wanted === undefined ? [undefined] : batches(wanted)) {
      rows.push(...(await (ids === undefined ? select : select.where('experiment_id', 'in', ids)).execute()));
    }
    const out: DeletedExperiment[] = [];
    for (const row of rows.sort((a, b) => a.experiment_id - b.experiment_id)) {
      const [runs, models] = await Promise.all([
        db.selectFrom('runs').select('run_uuid').where('experiment_id', '=', row.experiment_id).execute(),
        db.selectFrom('logged_models').select('model_id').where('experiment_id', '=', row.experiment_id).execute(),
      ]);
      out.push({
        experiment_id: String(row.experiment_id),
        name: row.name,
        last_update_time: Number(row.last_update_time),
        run_ids: runs.map((r) => r.run_uuid).sort(),
        logged_model_ids: models.map((m) => m.model_id).sort(),
      });
    }
    return out;
  });
}

/** Queues artifact locations inside the purge's transaction. */
async function queue(
  db: Db,
  items: readonly { uri: string; owner: string }[],
  now: number,
): Promise<PendingArtifactDeletion[]> {
  const out: PendingArtifactDeletion[] = [];
  for (const chunk of batches(items.filter((item) => item.uri !== ''))) {
    const rows = await db
      .insertInto('gc_pending_artifacts')
      .values(chunk.map((item) => ({ artifact_uri: item.uri, owner: item.owner, queued_time: now })))
      .returning(['pending_id', 'artifact_uri', 'owner', 'queued_time'])
      .execute();
    out.push(
      ...rows.map((row) => ({ ...row, pending_id: Number(row.pending_id), queued_time: Number(row.queued_time) })),
    );
  }
  return out;
}

export async function purgeRuns(
  ctx: SqlStoreContext,
  runIds: readonly string[],
  deletedBefore?: number,
): Promise<PurgeResult> {
  const removed: string[] = [];
  const artifacts: PendingArtifactDeletion[] = [];
  for (const ids of batches([...new Set(runIds)])) {
    await ctx.database.transaction(async (db) => {
      let purge = db.deleteFrom('runs').where('run_uuid', 'in', ids).where('lifecycle_stage', '=', 'deleted');
      if (deletedBefore !== undefined) purge = purge.where('deleted_time', '<=', deletedBefore);
      const gone = await purge.returning(['run_uuid', 'artifact_uri']).execute();
      const queued = await queue(
        db,
        gone.map((row) => ({ uri: row.artifact_uri, owner: `run ${row.run_uuid}` })),
        ctx.now(),
      );
      removed.push(...gone.map((row) => row.run_uuid));
      artifacts.push(...queued);
    });
  }
  return { removed, artifacts };
}

export async function purgeExperiments(
  ctx: SqlStoreContext,
  ids: readonly string[],
  deletedBefore?: number,
): Promise<PurgeResult> {
  const removed: string[] = [];
  const artifacts: PendingArtifactDeletion[] = [];
  for (const id of experimentIds([...new Set(ids)])) {
    await ctx.database.transaction(async (db) => {
      // Read what goes with the experiment first; it is queued only if the DELETE below removes it.
      const [runs, models] = await Promise.all([
        db.selectFrom('runs').select(['run_uuid', 'artifact_uri']).where('experiment_id', '=', id).execute(),
        db
          .selectFrom('logged_models')
          .select(['model_id', 'artifact_location'])
          .where('experiment_id', '=', id)
          .execute(),
      ]);
      let purge = db.deleteFrom('experiments').where('experiment_id', '=', id).where('lifecycle_stage', '=', 'deleted');
      if (deletedBefore !== undefined) purge = purge.where('last_update_time', '<=', deletedBefore);
      const gone = await purge.returning('experiment_id').execute();
      if (gone.length === 0) return;
      const queued = await queue(
        db,
        [
          ...runs.map((run) => ({ uri: run.artifact_uri, owner: `run ${run.run_uuid}` })),
          ...models.map((model) => ({ uri: model.artifact_location, owner: `logged model ${model.model_id}` })),
        ],
        ctx.now(),
      );
      removed.push(String(id));
      artifacts.push(...queued);
    });
  }
  return { removed, artifacts };
}

export async function listPendingArtifactDeletions(ctx: SqlStoreContext): Promise<PendingArtifactDeletion[]> {
  const rows = await ctx.database.read((db) =>
    db.selectFrom('gc_pending_artifacts').selectAll().orderBy('pending_id').execute(),
  );
  return rows.map((row) => ({ ...row, pending_id: Number(row.pending_id), queued_time: Number(row.queued_time) }));
}

export async function completeArtifactDeletion(ctx: SqlStoreContext, pendingId: number): Promise<void> {
  await ctx.database.transaction(async (db) => {
    await db.deleteFrom('gc_pending_artifacts').where('pending_id', '=', pendingId).execute();
  });
}
