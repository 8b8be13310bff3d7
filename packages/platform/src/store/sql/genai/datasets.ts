/** Evaluation datasets: create, get, delete, tags and experiment links. */
import type { EvaluationDataset } from '@keel/contract';
import { datasetDigest } from '../../../genai/dataset-json.js';
import { newDatasetId } from '../../../genai/ids.js';
import type { CreateDatasetInput } from '../../evaluation-dataset-store.js';
import {
  datasetMissing,
  datasetNotFound,
  type GenAiContext,
  type GenAiDb,
  requireDatasetRow,
  requireExperiments,
  toDataset,
} from './context.js';

/** The tag naming who created (or last changed) a dataset, as the Python client sets it. */
const USER_TAG = 'mlflow.user';

async function tagsOf(db: GenAiDb, datasetId: string) {
  return db
    .selectFrom('evaluation_dataset_tags')
    .select(['key', 'value'])
    .where('dataset_id', '=', datasetId)
    .orderBy('key')
    .execute();
}

async function experimentIdsOf(db: GenAiDb, datasetId: string): Promise<number[]> {
  const rows = await db
    .selectFrom('evaluation_dataset_experiments')
    .select('experiment_id')
    .where('dataset_id', '=', datasetId)
    .orderBy('experiment_id')
    .execute();
  return rows.map((r) => Number(r.experiment_id));
}

export async function createDataset(ctx: GenAiContext, input: CreateDatasetInput): Promise<EvaluationDataset> {
  const now = ctx.now();
  const tags = input.tags ?? {};
  const user = tags[USER_TAG] ?? null;
  const row = {
    dataset_id: newDatasetId(),
    name: input.name,
    digest: datasetDigest(input.name, now),
    schema: null,
    profile: null,
    created_time: now,
    last_update_time: now,
    created_by: user,
    last_updated_by: user,
  };
  return ctx.database.transaction(async (db) => {
    const experimentIds = await requireExperiments(db, input.experiment_ids ?? []);
    await db.insertInto('evaluation_datasets').values(row).execute();
    const tagRows = Object.entries(tags).map(([key, value]) => ({ dataset_id: row.dataset_id, key, value }));
    if (tagRows.length > 0) await db.insertInto('evaluation_dataset_tags').values(tagRows).execute();
    if (experimentIds.length > 0) {
      await db
        .insertInto('evaluation_dataset_experiments')
        .values(experimentIds.map((experiment_id) => ({ dataset_id: row.dataset_id, experiment_id })))
        .execute();
    }
    // MLflow answers the experiment ids only when the request gave some.
    return toDataset(row, tagRows, input.experiment_ids?.length ? experimentIds : undefined);
  });
}

export async function getDataset(ctx: GenAiContext, datasetId: string): Promise<EvaluationDataset> {
  return ctx.database.read(async (db) => {
    const row = await requireDatasetRow(db, datasetId, datasetNotFound);
    return toDataset(row, await tagsOf(db, datasetId));
  });
}

export async function deleteDataset(ctx: GenAiContext, datasetId: string): Promise<void> {
  await ctx.database.transaction(async (db) => {
    const deleted = await db.deleteFrom('evaluation_datasets').where('dataset_id', '=', datasetId).executeTakeFirst();
    if (Number(deleted.numDeletedRows) === 0) throw datasetNotFound(datasetId);
  });
}

export async function setDatasetTags(
  ctx: GenAiContext,
  datasetId: string,
  tags: Readonly<Record<string, string | null>>,
): Promise<void> {
  await ctx.database.transaction(async (db) => {
    await requireDatasetRow(db, datasetId, datasetMissing);
    for (const [key, value] of Object.entries(tags)) {
      if (value === null) {
        await db
          .deleteFrom('evaluation_dataset_tags')
          .where('dataset_id', '=', datasetId)
          .where('key', '=', key)
          .execute();
      } else {
        await db
          .insertInto('evaluation_dataset_tags')
          .values({ dataset_id: datasetId, key, value })
          .onConflict((oc) => oc.columns(['dataset_id', 'key']).doUpdateSet({ value }))
          .execute();
      }
    }
  });
}

export async function deleteDatasetTag(ctx: GenAiContext, datasetId: string, key: string): Promise<void> {
  await ctx.database.transaction(async (db) => {
    await requireDatasetRow(db, datasetId, datasetMissing);
    await db.deleteFrom('evaluation_dataset_tags').where('dataset_id', '=', datasetId).where('key', '=', key).execute();
  });
}

export async function getExperimentIds(ctx: GenAiContext, datasetId: string): Promise<string[]> {
  return ctx.database.read(async (db) => {
    await requireDatasetRow(db, datasetId, datasetNotFound);
    return (await experimentIdsOf(db, datasetId)).map(String);
  });
}

/** Adds (`add`) or removes experiment links, and answers the dataset with the links it has then. */
export async function changeExperiments(
  ctx: GenAiContext,
  datasetId: string,
  experimentIds: readonly string[],
  change: 'add' | 'remove',
): Promise<EvaluationDataset> {
  return ctx.database.transaction(async (db) => {
    const row = await requireDatasetRow(db, datasetId, datasetMissing);
    const ids = await requireExperiments(db, experimentIds);
    if (ids.length > 0) {
      if (change === 'add') {
        await db
          .insertInto('evaluation_dataset_experiments')
          .values(ids.map((experiment_id) => ({ dataset_id: datasetId, experiment_id })))
          .onConflict((oc) => oc.columns(['dataset_id', 'experiment_id']).doNothing())
          .execute();
      } else {
        await db
          .deleteFrom('evaluation_dataset_experiments')
          .where('dataset_id', '=', datasetId)
          .where('experiment_id', 'in', ids)
          .execute();
      }
    }
    return toDataset(row, await tagsOf(db, datasetId), await experimentIdsOf(db, datasetId));
  });
}

export { tagsOf };
