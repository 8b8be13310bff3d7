/** Experiments: create, read, rename, soft delete/restore (cascading to runs), tags. */
import { isAbsolute, resolve } from 'node:path';
import { alreadyExists, type Experiment, invalidParameter, type KeyValue, MlflowError, notFound } from '@keel/contract';
import type { Kysely } from 'kysely';
import { appendToUri, uriScheme } from '../../../artifacts/uri.js';
import type { CreateExperimentInput } from '../../tracking-store.js';
import { checkLength, LIMITS, validateKeyName } from '../../validation.js';
import { forEachPiece } from '../in-pieces.js';
import type { TrackingSchema } from '../schema.js';
import type { SqlStoreContext } from './context.js';
import { parseExperimentId, toExperiment } from './rows.js';

type Db = Kysely<TrackingSchema>;

export const DEFAULT_EXPERIMENT_ID = 0;
export const DEFAULT_EXPERIMENT_NAME = 'Default';

function decodeRepeatedly(text: string): string {
  let current = text;
  for (let i = 0; i < 10; i++) {
    let next: string;
    try {
      next = decodeURIComponent(current);
    } catch {
      return current;
    }
    if (next === current) return current;
    current = next;
  }
  return current;
}

/** Checks a client-given artifact location and makes a relative local path absolute. */
function normalizeArtifactLocation(location: string, ctx: SqlStoreContext): string {
  if (location.length > ctx.options.artifactLocationMaxLength) {
    throw invalidParameter(
      `Invalid artifact location: the length of the artifact location exceeds the maximum of ${ctx.options.artifactLocationMaxLength} characters.`,
    );
  }
  const scheme = uriScheme(location);
  if (scheme !== '') {
    const hashAt = location.indexOf('#');
    const pathPart = location.split('?', 1)[0] ?? '';
    if (hashAt >= 0 || /;[^/]*$/.test(pathPart)) {
      throw invalidParameter("'artifact_location' URL can't include fragments or params.");
    }
    const queryAt = location.indexOf('?');
    if (queryAt >= 0 && decodeRepeatedly(location.slice(queryAt + 1)).includes('..')) {
      throw invalidParameter('Invalid query string');
    }
    return location;
  }
  return isAbsolute(location) ? location : resolve(ctx.options.cwd, location);
}

function validateExperimentTag(tag: KeyValue): void {
  validateKeyName(tag.key, 'key');
  checkLength('key', tag.key, LIMITS.entityKey);
  checkLength('value', tag.value, LIMITS.experimentTagValue);
}

function experimentNotFound(id: string): Error {
  return notFound(`No Experiment with id=${id} exists`);
}

async function findExperimentRow(db: Db, experimentId: string) {
  const id = parseExperimentId(experimentId);
  if (id === undefined) return undefined;
  return db.selectFrom('experiments').selectAll().where('experiment_id', '=', id).executeTakeFirst();
}

/** The experiment's row; unknown -> RESOURCE_DOES_NOT_EXIST. */
export async function requireExperiment(db: Db, experimentId: string) {
  const row = await findExperimentRow(db, experimentId);
  if (row === undefined) throw experimentNotFound(experimentId);
  return row;
}

/** The experiment's row when active; deleted -> INVALID_PARAMETER_VALUE, as MLflow answers. */
export async function requireActiveExperiment(db: Db, experimentId: string) {
  const row = await requireExperiment(db, experimentId);
  if (row.lifecycle_stage !== 'active') {
    throw invalidParameter(
      `The experiment ${experimentId} must be in the 'active' state. Current state is ${row.lifecycle_stage}.`,
    );
  }
  return row;
}

async function loadExperiment(db: Db, row: Awaited<ReturnType<typeof requireExperiment>>): Promise<Experiment> {
  const tags = await db
    .selectFrom('experiment_tags')
    .select(['key', 'value'])
    .where('experiment_id', '=', row.experiment_id)
    .execute();
  return toExperiment(row, tags);
}

/** Creates the built-in experiment `0` named `Default` when the store has none. */
export async function ensureDefaultExperiment(ctx: SqlStoreContext): Promise<void> {
  await ctx.database.transaction(async (db) => {
    const existing = await db
      .selectFrom('experiments')
      .select('experiment_id')
      .where('experiment_id', '=', DEFAULT_EXPERIMENT_ID)
      .executeTakeFirst();
    if (existing !== undefined) return;
    const now = ctx.now();
    await db
      .insertInto('experiments')
      .values({
        experiment_id: DEFAULT_EXPERIMENT_ID,
        name: DEFAULT_EXPERIMENT_NAME,
        artifact_location: appendToUri(ctx.options.defaultArtifactRoot, String(DEFAULT_EXPERIMENT_ID)),
        lifecycle_stage: 'active',
        creation_time: now,
        last_update_time: now,
      })
      .execute();
  });
}

export async function createExperiment(ctx: SqlStoreContext, input: CreateExperimentInput): Promise<string> {
  checkLength('name', input.name, LIMITS.experimentName);
  const location =
    input.artifact_location === undefined || input.artifact_location === ''
      ? undefined
      : normalizeArtifactLocation(input.artifact_location, ctx);
  if (location !== undefined) await ctx.options.checkArtifactLocation?.(location);
  const tags = dedupeTags(input.tags ?? []);
  for (const tag of tags) validateExperimentTag(tag);

  return ctx.database.transaction(async (db) => {
    const clash = await db
      .selectFrom('experiments')
      .select('experiment_id')
      .where('name', '=', input.name)
      .executeTakeFirst();
    if (clash !== undefined) throw alreadyExists(`Experiment(name=${input.name}) already exists.`);
    const now = ctx.now();
    const inserted = await db
      .insertInto('experiments')
      .values({
        name: input.name,
        artifact_location: location ?? '',
        lifecycle_stage: 'active',
        creation_time: now,
        last_update_time: now,
      })
      .returning('experiment_id')
      .executeTakeFirstOrThrow();
    const id = inserted.experiment_id;
    if (location === undefined) {
      await db
        .updateTable('experiments')
        .set({ artifact_location: appendToUri(ctx.options.defaultArtifactRoot, String(id)) })
        .where('experiment_id', '=', id)
        .execute();
    }
    if (tags.length > 0) {
      await forEachPiece(tags, (piece) =>
        db
          .insertInto('experiment_tags')
          .values(piece.map((t) => ({ experiment_id: id, key: t.key, value: t.value })))
          .execute(),
      );
    }
    return String(id);
  });
}

/** Last value wins when a key repeats. */
export function dedupeTags(tags: readonly KeyValue[]): KeyValue[] {
  const byKey = new Map<string, KeyValue>();
  for (const tag of tags) byKey.set(tag.key, { key: tag.key, value: tag.value ?? '' });
  return [...byKey.values()];
}

export async function getExperiment(ctx: SqlStoreContext, experimentId: string): Promise<Experiment> {
  return ctx.database.read(async (db) => loadExperiment(db, await requireExperiment(db, experimentId)));
}

export async function getExperimentByName(ctx: SqlStoreContext, name: string): Promise<Experiment> {
  return ctx.database.read(async (db) => {
    const row = await db.selectFrom('experiments').selectAll().where('name', '=', name).executeTakeFirst();
    if (row === undefined) throw notFound(`Could not find experiment with name '${name}'`);
    return loadExperiment(db, row);
  });
}

export async function renameExperiment(ctx: SqlStoreContext, experimentId: string, newName: string): Promise<void> {
  checkLength('new_name', newName, LIMITS.experimentName);
  await ctx.database.transaction(async (db) => {
    const row = await requireExperiment(db, experimentId);
    if (row.lifecycle_stage !== 'active') {
      // MLflow's code, but not its HTTP 500: clients retry a 500 for minutes, and renaming a
      // deleted experiment is the caller's mistake, so it is answered 400.
      throw new MlflowError('INVALID_STATE', 'Cannot rename a non-active experiment.', { status: 400 });
    }
    if (row.name === newName) return;
    const clash = await db
      .selectFrom('experiments')
      .select('experiment_id')
      .where('name', '=', newName)
      .executeTakeFirst();
    // MLflow reports this as a raw database error (BAD_REQUEST); RESOURCE_ALREADY_EXISTS says what happened.
    if (clash !== undefined) throw alreadyExists(`Experiment(name=${newName}) already exists.`);
    await db
      .updateTable('experiments')
      .set({ name: newName, last_update_time: ctx.now() })
      .where('experiment_id', '=', row.experiment_id)
      .execute();
  });
}

export async function deleteExperiment(ctx: SqlStoreContext, experimentId: string): Promise<void> {
  await ctx.database.transaction(async (db) => {
    const row = await findExperimentRow(db, experimentId);
    if (row === undefined || row.lifecycle_stage !== 'active') throw experimentNotFound(experimentId);
    if (row.experiment_id === DEFAULT_EXPERIMENT_ID) {
      throw invalidParameter("Cannot delete the default experiment '0'. This is an internally reserved experiment.");
    }
    const now = ctx.now();
    await db
      .updateTable('experiments')
      .set({ lifecycle_stage: 'deleted', last_update_time: now })
      .where('experiment_id', '=', row.experiment_id)
      .execute();
    await db
      .updateTable('runs')
      .set({ lifecycle_stage: 'deleted', deleted_time: now })
      .where('experiment_id', '=', row.experiment_id)
      .where('lifecycle_stage', '=', 'active')
      .execute();
  });
}

export async function restoreExperiment(ctx: SqlStoreContext, experimentId: string): Promise<void> {
  await ctx.database.transaction(async (db) => {
    const row = await findExperimentRow(db, experimentId);
    if (row === undefined || row.lifecycle_stage !== 'deleted') throw experimentNotFound(experimentId);
    await db
      .updateTable('experiments')
      .set({ lifecycle_stage: 'active', last_update_time: ctx.now() })
      .where('experiment_id', '=', row.experiment_id)
      .execute();
    await db
      .updateTable('runs')
      .set({ lifecycle_stage: 'active', deleted_time: null })
      .where('experiment_id', '=', row.experiment_id)
      .execute();
  });
}

export async function setExperimentTag(ctx: SqlStoreContext, experimentId: string, tag: KeyValue): Promise<void> {
  const value = { key: tag.key, value: tag.value ?? '' };
  validateExperimentTag(value);
  await ctx.database.transaction(async (db) => {
    const row = await requireActiveExperiment(db, experimentId);
    await db
      .insertInto('experiment_tags')
      .values({ experiment_id: row.experiment_id, key: value.key, value: value.value })
      .onConflict((oc) => oc.columns(['experiment_id', 'key']).doUpdateSet({ value: value.value }))
      .execute();
  });
}

export async function deleteExperimentTag(ctx: SqlStoreContext, experimentId: string, key: string): Promise<void> {
  await ctx.database.transaction(async (db) => {
    const row = await requireActiveExperiment(db, experimentId);
    const result = await db
      .deleteFrom('experiment_tags')
      .where('experiment_id', '=', row.experiment_id)
      .where('key', '=', key)
      .executeTakeFirst();
    if (Number(result.numDeletedRows) === 0) {
      throw notFound(`No tag with name: ${key} in experiment with id ${experimentId}`);
    }
  });
}
