/** Runs: create, read, update, soft delete and restore. */
import { invalidParameter, notFound, type Run, type RunInfo } from '@keel/contract';
import type { Kysely } from 'kysely';
import { appendToUri } from '../../../artifacts/uri.js';
import { generateName, newRunId } from '../../../tracking/names.js';
import type { CreateRunInput, UpdateRunInput } from '../../tracking-store.js';
import { checkLength, checkRunName, LIMITS, limitValue, validateKeyName } from '../../validation.js';
import { forEachPiece } from '../in-pieces.js';
import type { TrackingSchema } from '../schema.js';
import { requireActiveRun, requireRun, type SqlStoreContext } from './context.js';
import { dedupeTags, requireActiveExperiment } from './experiments.js';
import { toRunInfo } from './rows.js';
import { loadRuns } from './run-loader.js';

export const RUN_NAME_TAG = 'mlflow.runName';

export async function createRun(ctx: SqlStoreContext, input: CreateRunInput): Promise<Run> {
  const tags = dedupeTags(input.tags ?? []).map((tag, i) => {
    validateKeyName(tag.key, `tags[${i}].key`);
    checkLength('key', tag.key, LIMITS.entityKey);
    return { key: tag.key, value: limitValue('value', tag.value, LIMITS.runTagValue, ctx.options.truncateLongValues) };
  });
  const tagName = tags.find((t) => t.key === RUN_NAME_TAG)?.value;
  const givenName = input.run_name === '' ? undefined : input.run_name;
  checkRunName('run_name', givenName);
  checkRunName(RUN_NAME_TAG, tagName);
  if (givenName !== undefined && tagName !== undefined && givenName !== tagName) {
    throw invalidParameter(
      `Both 'run_name' argument and '${RUN_NAME_TAG}' tag are specified, but with different values (run_name='${givenName}', ${RUN_NAME_TAG}='${tagName}').`,
    );
  }
  const name = givenName ?? tagName ?? generateName();
  if (tagName === undefined) tags.push({ key: RUN_NAME_TAG, value: name });

  const runId = newRunId();
  // Group-committed, and answered from what was written: creating runs is a hot path (a
  // training sweep starts thousands) and re-reading the run would cost eight queries.
  const row = await ctx.database.write(async (db) => {
    const experiment = await requireActiveExperiment(db, input.experiment_id);
    const values = {
      run_uuid: runId,
      experiment_id: experiment.experiment_id,
      name,
      user_id: input.user_id ?? '',
      status: 'RUNNING',
      // MLflow stores 0 when the client sends no start time; now is what anyone means.
      start_time: input.start_time ?? ctx.now(),
      end_time: null,
      deleted_time: null,
      lifecycle_stage: 'active',
      artifact_uri: appendToUri(experiment.artifact_location, runId, 'artifacts'),
    };
    await db.insertInto('runs').values(values).execute();
    await forEachPiece(tags, (piece) =>
      db
        .insertInto('tags')
        .values(piece.map((t) => ({ run_uuid: runId, key: t.key, value: t.value })))
        .execute(),
    );
    return values;
  });
  return { info: toRunInfo(row), data: { tags }, inputs: {} };
}

async function getRunWith(
  ctx: SqlStoreContext,
  runId: string,
  options: { modelInputs: boolean; outputs: boolean },
): Promise<Run> {
  const [run] = await ctx.database.read((db) => loadRuns(db, [runId], { ...options, dialect: ctx.database.dialect }));
  if (run === undefined) throw notFound(`Run with id=${runId} not found`);
  return run;
}

export function getRun(ctx: SqlStoreContext, runId: string): Promise<Run> {
  return getRunWith(ctx, runId, { modelInputs: true, outputs: true });
}

export async function updateRun(ctx: SqlStoreContext, runId: string, input: UpdateRunInput): Promise<RunInfo> {
  return ctx.database.transaction(async (db) => {
    const row = await requireActiveRun(db, runId);
    const name = input.run_name === undefined || input.run_name === '' ? undefined : input.run_name;
    checkRunName('run_name', name);
    const patch = {
      ...(input.status === undefined ? {} : { status: input.status }),
      ...(input.end_time === undefined ? {} : { end_time: input.end_time }),
      ...(name === undefined ? {} : { name }),
    };
    if (Object.keys(patch).length > 0) {
      await db.updateTable('runs').set(patch).where('run_uuid', '=', runId).execute();
    }
    if (name !== undefined) await setRunNameTag(db, runId, name);
    return toRunInfo({ ...row, ...patch });
  });
}

/** Keeps the `mlflow.runName` tag in step with the run's name. */
export async function setRunNameTag(db: Kysely<TrackingSchema>, runId: string, name: string): Promise<void> {
  await db
    .insertInto('tags')
    .values({ run_uuid: runId, key: RUN_NAME_TAG, value: name })
    .onConflict((oc) => oc.columns(['run_uuid', 'key']).doUpdateSet({ value: name }))
    .execute();
}

export async function deleteRun(ctx: SqlStoreContext, runId: string): Promise<void> {
  await ctx.database.transaction(async (db) => {
    await requireRun(db, runId);
    await db
      .updateTable('runs')
      .set({ lifecycle_stage: 'deleted', deleted_time: ctx.now() })
      .where('run_uuid', '=', runId)
      .execute();
  });
}

export async function restoreRun(ctx: SqlStoreContext, runId: string): Promise<void> {
  await ctx.database.transaction(async (db) => {
    await requireRun(db, runId);
    await db
      .updateTable('runs')
      .set({ lifecycle_stage: 'active', deleted_time: null })
      .where('run_uuid', '=', runId)
      .execute();
  });
}
