/** Run inputs (datasets and logged models consumed), outputs (models produced), log-model history. */
import { randomUUID } from 'node:crypto';
import { type DatasetSummary, invalidParameter } from '@keel/contract';
import { type Kysely, sql } from 'kysely';
import { parseJsonWithinDepth } from '../../bounded-json.js';
import { type PythonValue, pythonJsonDumps } from '../../python-format.js';
import type { DatasetInputInput } from '../../tracking-store.js';
import { checkLength, LIMITS } from '../../validation.js';
import { forEachPiece } from '../in-pieces.js';
import type { TrackingSchema } from '../schema.js';
import { requireActiveRun, type SqlStoreContext } from './context.js';
import { dedupeTags } from './experiments.js';
import { parseExperimentId } from './rows.js';

type Db = Kysely<TrackingSchema>;

function validateDatasetInput(input: DatasetInputInput): void {
  const d = input.dataset;
  checkLength('name', d.name, LIMITS.datasetName);
  checkLength('digest', d.digest, LIMITS.datasetDigest);
  checkLength('source', d.source, LIMITS.datasetSource);
  checkLength('schema', d.schema, LIMITS.datasetSchema);
  checkLength('profile', d.profile, LIMITS.datasetProfile);
  for (const tag of input.tags ?? []) {
    checkLength('key', tag.key, LIMITS.inputTagKey);
    checkLength('value', tag.value, LIMITS.inputTagValue);
  }
}

async function nextPosition(db: Db, table: 'run_inputs' | 'run_model_inputs' | 'run_model_outputs', runId: string) {
  const row = await db
    .selectFrom(table)
    .select(sql<number>`coalesce(max(position), -1)`.as('max'))
    .where('run_uuid', '=', runId)
    .executeTakeFirst();
  return Number(row?.max ?? -1) + 1;
}

export async function logInputs(
  ctx: SqlStoreContext,
  runId: string,
  datasets: readonly DatasetInputInput[],
  models: readonly { readonly model_id: string }[] = [],
): Promise<void> {
  datasets.forEach(validateDatasetInput);
  // Datasets are identified by (name, digest); the first occurrence in a request wins.
  const unique = new Map<string, DatasetInputInput>();
  for (const input of datasets) {
    const id = `${input.dataset.name}\u0000${input.dataset.digest}`;
    if (!unique.has(id)) unique.set(id, input);
  }
  await ctx.database.transaction(async (db) => {
    const run = await requireActiveRun(db, runId);
    let position = await nextPosition(db, 'run_inputs', runId);
    for (const input of unique.values()) {
      const d = input.dataset;
      let datasetId = (
        await db
          .selectFrom('datasets')
          .select('dataset_uuid')
          .where('experiment_id', '=', run.experiment_id)
          .where('name', '=', d.name)
          .where('digest', '=', d.digest)
          .executeTakeFirst()
      )?.dataset_uuid;
      if (datasetId === undefined) {
        datasetId = randomUUID().replaceAll('-', '');
        await db
          .insertInto('datasets')
          .values({
            dataset_uuid: datasetId,
            experiment_id: run.experiment_id,
            name: d.name,
            digest: d.digest,
            source_type: d.source_type,
            source: d.source,
            schema: d.schema ?? null,
            profile: d.profile ?? null,
          })
          .execute();
      }
      const linked = await db
        .selectFrom('run_inputs')
        .select('position')
        .where('run_uuid', '=', runId)
        .where('dataset_uuid', '=', datasetId)
        .executeTakeFirst();
      // Linking the same dataset twice is a no-op: the first link's tags stay.
      if (linked !== undefined) continue;
      await db.insertInto('run_inputs').values({ run_uuid: runId, dataset_uuid: datasetId, position }).execute();
      position += 1;
      const tags = dedupeTags(input.tags ?? []);
      if (tags.length > 0) {
        await forEachPiece(tags, (piece) =>
          db
            .insertInto('input_tags')
            .values(
              piece.map((t) => ({ run_uuid: runId, dataset_uuid: datasetId as string, key: t.key, value: t.value })),
            )
            .execute(),
        );
      }
    }
    if (models.length > 0) {
      let modelPosition = await nextPosition(db, 'run_model_inputs', runId);
      for (const model of models) {
        await db
          .insertInto('run_model_inputs')
          .values({ run_uuid: runId, model_id: model.model_id, position: modelPosition++ })
          .onConflict((oc) => oc.doNothing())
          .execute();
      }
    }
  });
}

export async function logOutputs(
  ctx: SqlStoreContext,
  runId: string,
  models: readonly { readonly model_id: string; readonly step?: number }[],
): Promise<void> {
  await ctx.database.transaction(async (db) => {
    await requireActiveRun(db, runId);
    let position = await nextPosition(db, 'run_model_outputs', runId);
    for (const model of models) {
      await db
        .insertInto('run_model_outputs')
        .values({ run_uuid: runId, model_id: model.model_id, step: model.step ?? 0, position: position++ })
        .onConflict((oc) => oc.doNothing())
        .execute();
    }
  });
}

const LOG_MODEL_HISTORY_TAG = 'mlflow.log-model.history';
const MODEL_JSON_FIELDS = ['artifact_path', 'flavors', 'utc_time_created', 'run_id'] as const;
const MODEL_HISTORY_KEYS = ['run_id', 'artifact_path', 'utc_time_created', 'model_uuid', 'flavors'] as const;

export async function logModelHistory(ctx: SqlStoreContext, runId: string, modelJson: string): Promise<void> {
  let model: unknown;
  try {
    model = parseJsonWithinDepth(modelJson, 'Model json');
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    throw invalidParameter(`Malformed model info. \n ${modelJson} \n is not a valid JSON.`);
  }
  if (model === null || typeof model !== 'object' || Array.isArray(model)) {
    throw invalidParameter(`Malformed model info. \n ${modelJson} \n is not a valid JSON.`);
  }
  // Parsed from JSON, so every value is a JSON (and so a Python) value.
  const doc = model as Record<string, PythonValue>;
  const missing = MODEL_JSON_FIELDS.filter((k) => !(k in doc));
  if (missing.length > 0) {
    throw invalidParameter(`Model json is missing mandatory fields: {${missing.map((k) => `'${k}'`).join(', ')}}`);
  }
  const summary: Record<string, PythonValue> = {};
  for (const key of MODEL_HISTORY_KEYS) {
    const value = doc[key];
    if (value !== undefined) summary[key] = value;
  }
  await ctx.database.transaction(async (db) => {
    await requireActiveRun(db, runId);
    const current = await db
      .selectFrom('tags')
      .select('value')
      .where('run_uuid', '=', runId)
      .where('key', '=', LOG_MODEL_HISTORY_TAG)
      .executeTakeFirst();
    let history: PythonValue[] = [];
    if (current !== undefined) {
      try {
        const parsed = JSON.parse(current.value);
        if (Array.isArray(parsed)) history = parsed;
      } catch {
        history = [];
      }
    }
    history.push(summary);
    const value = pythonJsonDumps(history);
    await db
      .insertInto('tags')
      .values({ run_uuid: runId, key: LOG_MODEL_HISTORY_TAG, value })
      .onConflict((oc) => oc.columns(['run_uuid', 'key']).doUpdateSet({ value }))
      .execute();
  });
}

/** Distinct (dataset, context) pairs used by runs of the experiments, for the UI's filters. */
export async function searchDatasets(
  ctx: SqlStoreContext,
  experimentIds: readonly string[],
): Promise<DatasetSummary[]> {
  if (experimentIds.length > 20) {
    throw invalidParameter(
      `SearchDatasets request cannot specify more than 20 experiment_ids. Received ${experimentIds.length}.`,
    );
  }
  const ids = experimentIds.map(parseExperimentId).filter((id): id is number => id !== undefined);
  if (ids.length === 0) return [];
  const rows = await ctx.database.read((db) =>
    db
      .selectFrom('run_inputs')
      .innerJoin('datasets', 'datasets.dataset_uuid', 'run_inputs.dataset_uuid')
      .leftJoin('input_tags', (join) =>
        join
          .onRef('input_tags.run_uuid', '=', 'run_inputs.run_uuid')
          .onRef('input_tags.dataset_uuid', '=', 'run_inputs.dataset_uuid')
          .on('input_tags.key', '=', 'mlflow.data.context'),
      )
      .select([
        'datasets.experiment_id',
        'datasets.name',
        'datasets.digest',
        sql<string | null>`input_tags.value`.as('context'),
      ])
      .distinct()
      .where('datasets.experiment_id', 'in', ids)
      .orderBy('datasets.experiment_id')
      .orderBy('datasets.name')
      .orderBy('datasets.digest')
      .orderBy('context')
      .limit(1000)
      .execute(),
  );
  return rows.map((r) => ({
    experiment_id: String(r.experiment_id),
    name: r.name,
    digest: r.digest,
    ...(r.context === null ? {} : { context: r.context }),
  }));
}
