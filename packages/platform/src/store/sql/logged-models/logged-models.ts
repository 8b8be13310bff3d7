/**
 * Logged models (MLflow 3): create, read, finalize, soft delete, tags and params. Search lives
 * in `logged-model-search.ts`; metrics arrive through log-metric/log-batch (`logging.ts`).
 *
 * A deleted model is gone for every operation except a repeated delete, which succeeds as in
 * MLflow. (MLflow 3.5 still lets finalize, tags and params change a deleted model; hiding it
 * consistently is the safer reading of "soft delete".)
 */
import { invalidParameter, type KeyValue, type LoggedModel, type LoggedModelStatus, notFound } from '@keel/contract';
import type { Kysely } from 'kysely';
import { appendToUri } from '../../../artifacts/uri.js';
import { generateName, newLoggedModelId } from '../../../tracking/names.js';
import { pythonRepr } from '../../python-format.js';
import type { CreateLoggedModelInput, Page, SearchLoggedModelsInput } from '../../tracking-store.js';
import { checkLength, LIMITS, limitValue, validateKeyName } from '../../validation.js';
import { forEachPiece } from '../in-pieces.js';
import type { LoggedModelsTable, TrackingSchema } from '../schema.js';
import type { SqlStoreContext } from '../tracking/context.js';
import { requireActiveExperiment } from '../tracking/experiments.js';
import { loadLoggedModels, statusNumber } from './logged-model-loader.js';
import { runLoggedModelSearch } from './logged-model-search.js';

type Db = Kysely<TrackingSchema>;

/** The reference DB column is 500 characters wide. */
const NAME_MAX_LENGTH = 500;
const FORBIDDEN_NAME_CHARACTERS = ['/', ':', '.', '%', '"', "'"];

function modelNotFound(modelId: string): Error {
  return notFound(`Logged model with ID '${modelId}' not found.`);
}

/** The model's row when it exists and is not deleted; otherwise RESOURCE_DOES_NOT_EXIST. */
async function requireActiveModel(db: Db, modelId: string): Promise<LoggedModelsTable> {
  const row = await db
    .selectFrom('logged_models')
    .selectAll()
    .where('model_id', '=', modelId)
    .where('lifecycle_stage', '=', 'active')
    .executeTakeFirst();
  if (row === undefined) throw modelNotFound(modelId);
  return row;
}

async function loadOne(db: Db, row: LoggedModelsTable): Promise<LoggedModel> {
  return (await loadLoggedModels(db, [row]))[0] as LoggedModel;
}

/** The name to store: generated when absent or empty (MLflow treats "" as absent), else checked. */
function resolveName(name: string | undefined): string {
  if (name === undefined || name === '') return generateName();
  if (FORBIDDEN_NAME_CHARACTERS.some((c) => name.includes(c))) {
    const listed = `(${FORBIDDEN_NAME_CHARACTERS.map((c) => pythonRepr(c)).join(', ')})`;
    throw invalidParameter(
      `Invalid model name (${pythonRepr(name)}) provided. Model name must be a non-empty string and cannot contain the following characters: ${listed}`,
    );
  }
  checkLength('name', name, NAME_MAX_LENGTH);
  return name;
}

/** Validates params like run params: key rules, value limit, no key twice in one request. */
function prepareParams(ctx: SqlStoreContext, params: readonly KeyValue[]): KeyValue[] {
  const seen = new Set<string>();
  const duplicates = new Set<string>();
  const prepared = params.map((p, i) => {
    validateKeyName(p.key, `params[${i}].key`);
    checkLength('key', p.key, LIMITS.entityKey);
    if (seen.has(p.key)) duplicates.add(p.key);
    seen.add(p.key);
    return { key: p.key, value: limitValue('value', p.value ?? '', LIMITS.paramValue, ctx.options.truncateLongValues) };
  });
  if (duplicates.size > 0) {
    throw invalidParameter(
      `Duplicate parameter keys have been submitted: ${pythonRepr([...duplicates])}. Please ensure the request contains only one param value per param key.`,
    );
  }
  return prepared;
}

/** Validates tags like run tags; a key given twice keeps its last value. */
function prepareTags(ctx: SqlStoreContext, tags: readonly KeyValue[]): KeyValue[] {
  const byKey = new Map<string, KeyValue>();
  tags.forEach((t, i) => {
    validateKeyName(t.key, `tags[${i}].key`);
    checkLength('key', t.key, LIMITS.entityKey);
    byKey.set(t.key, {
      key: t.key,
      value: limitValue('value', t.value ?? '', LIMITS.runTagValue, ctx.options.truncateLongValues),
    });
  });
  return [...byKey.values()];
}

/** Params are write-once, as on runs: the same value again is a no-op, another value an error. */
async function writeParams(db: Db, modelId: string, params: readonly KeyValue[]): Promise<void> {
  if (params.length === 0) return;
  const existing: { key: string; value: string }[] = [];
  await forEachPiece(params, async (piece) => {
    const found = await db
      .selectFrom('logged_model_params')
      .select(['key', 'value'])
      .where('model_id', '=', modelId)
      .where(
        'key',
        'in',
        piece.map((p) => p.key),
      )
      .execute();
    existing.push(...found);
  });
  const known = new Map(existing.map((r) => [r.key, r.value]));
  const conflict = params.find((p) => known.has(p.key) && known.get(p.key) !== p.value);
  if (conflict !== undefined) {
    throw invalidParameter(
      `Changing param values is not allowed. Param with key='${conflict.key}' was already logged with value='${known.get(conflict.key)}' for logged model ID='${modelId}'. Attempted logging new value '${conflict.value}'.`,
    );
  }
  const fresh = params.filter((p) => !known.has(p.key));
  if (fresh.length === 0) return;
  await forEachPiece(fresh, (piece) =>
    db
      .insertInto('logged_model_params')
      .values(piece.map((p) => ({ model_id: modelId, key: p.key, value: p.value })))
      .execute(),
  );
}

async function writeTags(db: Db, modelId: string, tags: readonly KeyValue[]): Promise<void> {
  if (tags.length === 0) return;
  await forEachPiece(tags, (piece) =>
    db
      .insertInto('logged_model_tags')
      .values(piece.map((t) => ({ model_id: modelId, key: t.key, value: t.value })))
      .onConflict((oc) => oc.columns(['model_id', 'key']).doUpdateSet({ value: (eb) => eb.ref('excluded.value') }))
      .execute(),
  );
}

/** Creates a PENDING model under `<experiment artifact location>/models/<id>/artifacts`. */
export async function createLoggedModel(ctx: SqlStoreContext, input: CreateLoggedModelInput): Promise<LoggedModel> {
  const name = resolveName(input.name);
  const params = prepareParams(ctx, input.params ?? []);
  const tags = prepareTags(ctx, input.tags ?? []);
  const modelId = newLoggedModelId();
  return ctx.database.transaction(async (db) => {
    const experiment = await requireActiveExperiment(db, input.experiment_id);
    const now = ctx.now();
    const row: LoggedModelsTable = {
      model_id: modelId,
      experiment_id: experiment.experiment_id,
      name,
      artifact_location: appendToUri(experiment.artifact_location, 'models', modelId, 'artifacts'),
      creation_timestamp_ms: now,
      last_updated_timestamp_ms: now,
      status: statusNumber('LOGGED_MODEL_PENDING'),
      lifecycle_stage: 'active',
      // MLflow stores the protobuf default "" for absent strings, and filters see that value.
      model_type: input.model_type ?? '',
      source_run_id: input.source_run_id ?? '',
      status_message: null,
    };
    await db.insertInto('logged_models').values(row).execute();
    await writeParams(db, modelId, params);
    await writeTags(db, modelId, tags);
    return loadOne(db, row);
  });
}

/** Unknown or deleted -> RESOURCE_DOES_NOT_EXIST. */
export async function getLoggedModel(ctx: SqlStoreContext, modelId: string): Promise<LoggedModel> {
  return ctx.database.read(async (db) => loadOne(db, await requireActiveModel(db, modelId)));
}

/** Sets the final status (READY or UPLOAD_FAILED in practice) and bumps the update time. */
export async function finalizeLoggedModel(
  ctx: SqlStoreContext,
  modelId: string,
  status: LoggedModelStatus,
): Promise<LoggedModel> {
  return ctx.database.transaction(async (db) => {
    const row = await requireActiveModel(db, modelId);
    const updated = { ...row, status: statusNumber(status), last_updated_timestamp_ms: ctx.now() };
    await db
      .updateTable('logged_models')
      .set({ status: updated.status, last_updated_timestamp_ms: updated.last_updated_timestamp_ms })
      .where('model_id', '=', modelId)
      .execute();
    return loadOne(db, updated);
  });
}

/** Soft delete. Deleting an already deleted model succeeds, as in MLflow; an unknown id does not. */
export async function deleteLoggedModel(ctx: SqlStoreContext, modelId: string): Promise<void> {
  await ctx.database.transaction(async (db) => {
    const row = await db
      .selectFrom('logged_models')
      .select('lifecycle_stage')
      .where('model_id', '=', modelId)
      .executeTakeFirst();
    if (row === undefined) throw modelNotFound(modelId);
    if (row.lifecycle_stage === 'deleted') return;
    await db
      .updateTable('logged_models')
      .set({ lifecycle_stage: 'deleted', last_updated_timestamp_ms: ctx.now() })
      .where('model_id', '=', modelId)
      .execute();
  });
}

/** Searches active models of the given experiments (see `logged-model-search.ts`). */
export async function searchLoggedModels(
  ctx: SqlStoreContext,
  input: SearchLoggedModelsInput,
): Promise<Page<LoggedModel>> {
  return runLoggedModelSearch(ctx, input);
}

/** Upserts tags. Keys are required: MLflow 3.5 stores a tag with an empty key, Keel refuses it. */
export async function setLoggedModelTags(
  ctx: SqlStoreContext,
  modelId: string,
  tags: readonly KeyValue[],
): Promise<void> {
  const prepared = prepareTags(ctx, tags);
  await ctx.database.transaction(async (db) => {
    await requireActiveModel(db, modelId);
    await writeTags(db, modelId, prepared);
  });
}

/** Deletes one tag; an absent tag -> RESOURCE_DOES_NOT_EXIST with MLflow's message. */
export async function deleteLoggedModelTag(ctx: SqlStoreContext, modelId: string, key: string): Promise<void> {
  await ctx.database.transaction(async (db) => {
    await requireActiveModel(db, modelId);
    const result = await db
      .deleteFrom('logged_model_tags')
      .where('model_id', '=', modelId)
      .where('key', '=', key)
      .executeTakeFirst();
    if (Number(result.numDeletedRows) === 0) {
      throw notFound(`No tag with key ${pythonRepr(key)} found for model with ID ${pythonRepr(modelId)}.`);
    }
  });
}

/** Adds params (clients send batches of 100). */
export async function logLoggedModelParams(
  ctx: SqlStoreContext,
  modelId: string,
  params: readonly KeyValue[],
): Promise<void> {
  const prepared = prepareParams(ctx, params);
  await ctx.database.transaction(async (db) => {
    await requireActiveModel(db, modelId);
    await writeParams(db, modelId, prepared);
  });
}
