/** Registered models: create, read, rename, describe, delete, tags, and their latest versions. */
import { alreadyExists, type KeyValue, type ModelVersion, type RegisteredModel, STAGES } from '@keel/contract';
import type { Actor } from '../../registry-store.js';
import { checkLength, LIMITS, validateKeyName } from '../../validation.js';
import { forEachPiece } from '../in-pieces.js';
import { recordEvent, renameEvents } from './audit.js';
import {
  canonicalStage,
  DELETED_STAGE,
  type RegistryContext,
  type RegistryDb,
  requireRegisteredModel,
} from './context.js';
import { modelsWithDetails, versionsWithDetails } from './rows.js';

/** Longest registry tag value (MLflow's limit; its own DB column is narrower). */
export const REGISTRY_TAG_VALUE_LIMIT = 100_000;
/** Longest registered model name (MLflow's DB column). */
const NAME_LIMIT = 256;

/** Checks a registered-model or model-version tag (key rules of run tags, registry limits). */
export function validateRegistryTag(tag: KeyValue): void {
  validateKeyName(tag.key, 'key');
  checkLength('key', tag.key, LIMITS.entityKey);
  checkLength('value', tag.value, REGISTRY_TAG_VALUE_LIMIT);
}

/** Last value wins for repeated keys, as MLflow's dict-based merge does. */
export function dedupeRegistryTags(tags: readonly KeyValue[]): KeyValue[] {
  const byKey = new Map<string, KeyValue>();
  for (const tag of tags) byKey.set(tag.key, { key: tag.key, value: tag.value ?? '' });
  return [...byKey.values()];
}

/** Loads one model with its tags, aliases and latest versions. */
export async function loadRegisteredModel(db: RegistryDb, name: string): Promise<RegisteredModel> {
  const row = await requireRegisteredModel(db, name);
  return (await modelsWithDetails(db, [row]))[0] as RegisteredModel;
}

export async function createRegisteredModel(
  ctx: RegistryContext,
  input: { readonly name: string; readonly tags?: readonly KeyValue[]; readonly description?: string },
  actor: Actor,
): Promise<RegisteredModel> {
  checkLength('name', input.name, NAME_LIMIT);
  const tags = dedupeRegistryTags(input.tags ?? []);
  for (const tag of tags) validateRegistryTag(tag);
  return ctx.database.transaction(async (db) => {
    const now = ctx.now();
    const description = input.description ?? '';
    // ON CONFLICT rather than a prior SELECT: two concurrent creates of one name (clients
    // registering in parallel) must give the loser RESOURCE_ALREADY_EXISTS on every database.
    const inserted = await db
      .insertInto('registered_models')
      .values({ name: input.name, creation_timestamp: now, last_updated_timestamp: now, description })
      .onConflict((oc) => oc.column('name').doNothing())
      .returning('name')
      .executeTakeFirst();
    if (inserted === undefined) throw alreadyExists(`Registered Model (name=${input.name}) already exists.`);
    if (tags.length > 0) {
      await forEachPiece(tags, (piece) =>
        db
          .insertInto('registered_model_tags')
          .values(piece.map((t) => ({ name: input.name, key: t.key, value: t.value })))
          .execute(),
      );
    }
    await recordEvent(db, now, actor, {
      kind: 'create_registered_model',
      name: input.name,
      ...(description === '' ? {} : { details: { description } }),
    });
    return loadRegisteredModel(db, input.name);
  });
}

export function getRegisteredModel(ctx: RegistryContext, name: string): Promise<RegisteredModel> {
  return ctx.database.read((db) => loadRegisteredModel(db, name));
}

export async function renameRegisteredModel(
  ctx: RegistryContext,
  name: string,
  newName: string,
  actor: Actor,
): Promise<RegisteredModel> {
  checkLength('name', newName, NAME_LIMIT);
  return ctx.database.transaction(async (db) => {
    await requireRegisteredModel(db, name);
    if (newName !== name) {
      const clash = await db
        .selectFrom('registered_models')
        .select('name')
        .where('name', '=', newName)
        .executeTakeFirst();
      if (clash !== undefined) throw alreadyExists(`Registered Model (name=${newName}) already exists.`);
    }
    const now = ctx.now();
    // Versions, tags and aliases follow through ON UPDATE CASCADE.
    await db
      .updateTable('registered_models')
      .set({ name: newName, last_updated_timestamp: now })
      .where('name', '=', name)
      .execute();
    // MLflow also stamps every version of a renamed model.
    await db
      .updateTable('model_versions')
      .set({ last_updated_timestamp: now })
      .where('name', '=', newName)
      .where('current_stage', '<>', DELETED_STAGE)
      .execute();
    await renameEvents(db, name, newName);
    await recordEvent(db, now, actor, {
      kind: 'rename_registered_model',
      name: newName,
      details: { old_name: name, new_name: newName },
    });
    return loadRegisteredModel(db, newName);
  });
}

export async function updateRegisteredModel(
  ctx: RegistryContext,
  name: string,
  description: string | undefined,
  actor: Actor,
): Promise<RegisteredModel> {
  return ctx.database.transaction(async (db) => {
    const row = await requireRegisteredModel(db, name);
    const now = ctx.now();
    // MLflow assigns whatever was sent: an absent description clears it.
    const next = description ?? '';
    await db
      .updateTable('registered_models')
      .set({ description: next, last_updated_timestamp: now })
      .where('name', '=', name)
      .execute();
    await recordEvent(db, now, actor, {
      kind: 'update_registered_model',
      name,
      details: { old_description: row.description ?? '', new_description: next },
    });
    return loadRegisteredModel(db, name);
  });
}

export async function deleteRegisteredModel(ctx: RegistryContext, name: string, actor: Actor): Promise<void> {
  await ctx.database.transaction(async (db) => {
    await requireRegisteredModel(db, name);
    // Versions, their tags, model tags and aliases go with it (ON DELETE CASCADE).
    await db.deleteFrom('registered_models').where('name', '=', name).execute();
    await recordEvent(db, ctx.now(), actor, { kind: 'delete_registered_model', name });
  });
}

export async function setRegisteredModelTag(
  ctx: RegistryContext,
  name: string,
  tag: KeyValue,
  actor: Actor,
): Promise<void> {
  const value = tag.value ?? '';
  validateRegistryTag({ key: tag.key, value });
  await ctx.database.transaction(async (db) => {
    await requireRegisteredModel(db, name);
    await db
      .insertInto('registered_model_tags')
      .values({ name, key: tag.key, value })
      .onConflict((oc) => oc.columns(['name', 'key']).doUpdateSet({ value }))
      .execute();
    await recordEvent(db, ctx.now(), actor, {
      kind: 'set_registered_model_tag',
      name,
      details: { key: tag.key, value },
    });
  });
}

export async function deleteRegisteredModelTag(
  ctx: RegistryContext,
  name: string,
  key: string,
  actor: Actor,
): Promise<void> {
  await ctx.database.transaction(async (db) => {
    await requireRegisteredModel(db, name);
    // Deleting a missing registry tag succeeds (unlike run tags).
    const result = await db
      .deleteFrom('registered_model_tags')
      .where('name', '=', name)
      .where('key', '=', key)
      .executeTakeFirst();
    if (result.numDeletedRows > 0n) {
      await recordEvent(db, ctx.now(), actor, { kind: 'delete_registered_model_tag', name, details: { key } });
    }
  });
}

/**
 * The newest live version of each requested stage (all stages when none are given), with
 * aliases; unknown model -> 404 before an unknown stage -> 400, as MLflow checks them.
 */
export async function getLatestVersions(
  ctx: RegistryContext,
  name: string,
  stages?: readonly string[],
): Promise<readonly ModelVersion[]> {
  return ctx.database.read(async (db) => {
    await requireRegisteredModel(db, name);
    const wanted = new Set(stages === undefined || stages.length === 0 ? STAGES : stages.map(canonicalStage));
    const latest = db
      .selectFrom('model_versions')
      .select('current_stage')
      .select((eb) => eb.fn.max('version').as('max_version'))
      .where('name', '=', name)
      .where('current_stage', 'in', [...wanted])
      .groupBy('current_stage')
      .as('latest');
    const rows = await db
      .selectFrom('model_versions as mv')
      .innerJoin(latest, 'latest.max_version', 'mv.version')
      .selectAll('mv')
      .where('mv.name', '=', name)
      .orderBy('mv.version')
      .execute();
    return versionsWithDetails(db, rows, true);
  });
}
