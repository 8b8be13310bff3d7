/**
 * Model versions: create (numbering), read, describe, soft delete, stage transitions, download
 * URI and tags.
 */
import { invalidParameter, type KeyValue, type ModelVersion } from '@keel/contract';
import type { Actor, CreateModelVersionInput } from '../../registry-store.js';
import { checkLength } from '../../validation.js';
import { forEachPiece } from '../in-pieces.js';
import { type RegistryChange, recordEvent, recordEvents } from './audit.js';
import {
  ACTIVE_STAGES,
  canonicalStage,
  DELETED_STAGE,
  modelNotFound,
  type RegistryContext,
  requireModelVersion,
} from './context.js';
import { dedupeRegistryTags, validateRegistryTag } from './registered-models.js';
import { loadVersionAliases, loadVersionTags, toModelVersion, versionKey } from './rows.js';
import type { ModelVersionsTable } from './schema.js';

/** MLflow's DB column widths, enforced so every dialect accepts the same input. */
const SOURCE_LIMIT = 500;
const DESCRIPTION_LIMIT = 5000;

/** What a soft-deleted version keeps of its origin (MLflow's redaction markers). */
const REDACTED = { source: 'REDACTED-SOURCE-PATH', run_id: 'REDACTED-RUN-ID', run_link: 'REDACTED-RUN-LINK' };

export async function createModelVersion(
  ctx: RegistryContext,
  input: CreateModelVersionInput,
  storageLocation: string,
  actor: Actor,
): Promise<ModelVersion> {
  checkLength('source', input.source, SOURCE_LIMIT);
  checkLength('run_link', input.run_link, SOURCE_LIMIT);
  checkLength('description', input.description, DESCRIPTION_LIMIT);
  const tags = dedupeRegistryTags(input.tags ?? []);
  for (const tag of tags) validateRegistryTag(tag);
  // Group-committed: concurrent creates share one transaction, each in its own savepoint.
  return ctx.database.write(async (db) => {
    const now = ctx.now();
    // One UPDATE allocates the number and stamps the model: it takes the model's row lock on
    // PostgreSQL and runs under BEGIN IMMEDIATE on SQLite, so concurrent creates serialise here.
    const allocated = await db
      .updateTable('registered_models')
      .set((eb) => ({ max_version: eb('max_version', '+', 1), last_updated_timestamp: now }))
      .where('name', '=', input.name)
      .returning('max_version')
      .executeTakeFirst();
    if (allocated === undefined) throw modelNotFound(input.name);
    const row: ModelVersionsTable = {
      name: input.name,
      version: allocated.max_version,
      creation_timestamp: now,
      last_updated_timestamp: now,
      description: input.description ?? '',
      user_id: null,
      current_stage: 'None',
      source: input.source,
      storage_location: storageLocation,
      run_id: input.run_id ?? '',
      run_link: input.run_link ?? '',
      status: 'READY',
      status_message: null,
      model_id: input.model_id ?? null,
    };
    await db.insertInto('model_versions').values(row).execute();
    if (tags.length > 0) {
      await forEachPiece(tags, (piece) =>
        db
          .insertInto('model_version_tags')
          .values(piece.map((t) => ({ name: row.name, version: row.version, key: t.key, value: t.value })))
          .execute(),
      );
    }
    const details: Record<string, string> = { source: row.source };
    if (row.run_id) details.run_id = row.run_id;
    if (row.model_id) details.model_id = row.model_id;
    await recordEvent(db, now, actor, { kind: 'create_model_version', name: row.name, version: row.version, details });
    return toModelVersion(row, tags);
  });
}

/** One live version with its tags and aliases. */
export function getModelVersion(ctx: RegistryContext, name: string, version: string): Promise<ModelVersion> {
  return ctx.database.read(async (db) => {
    const row = await requireModelVersion(db, name, version);
    const key = versionKey(row.name, row.version);
    const [tags, aliases] = await Promise.all([loadVersionTags(db, [row]), loadVersionAliases(db, [row])]);
    return toModelVersion(row, tags.get(key), aliases.get(key) ?? []);
  });
}

export async function updateModelVersion(
  ctx: RegistryContext,
  name: string,
  version: string,
  description: string | undefined,
  actor: Actor,
): Promise<ModelVersion> {
  checkLength('description', description, DESCRIPTION_LIMIT);
  return ctx.database.transaction(async (db) => {
    const row = await requireModelVersion(db, name, version);
    const now = ctx.now();
    // Only a description that was sent changes; the timestamp moves either way, as in MLflow.
    const next = description ?? row.description;
    await db
      .updateTable('model_versions')
      .set({ description: next, last_updated_timestamp: now })
      .where('name', '=', name)
      .where('version', '=', row.version)
      .execute();
    await recordEvent(db, now, actor, {
      kind: 'update_model_version',
      name,
      version: row.version,
      details: { old_description: row.description ?? '', new_description: next ?? '' },
    });
    const tags = await loadVersionTags(db, [row]);
    return toModelVersion(
      { ...row, description: next, last_updated_timestamp: now },
      tags.get(versionKey(name, row.version)),
    );
  });
}

/** Soft delete: hidden everywhere, origin redacted, aliases and tags removed, number kept. */
export async function deleteModelVersion(
  ctx: RegistryContext,
  name: string,
  version: string,
  actor: Actor,
): Promise<void> {
  await ctx.database.transaction(async (db) => {
    const row = await requireModelVersion(db, name, version);
    const now = ctx.now();
    const aliases = await db
      .deleteFrom('registered_model_aliases')
      .where('name', '=', name)
      .where('version', '=', row.version)
      .returning('alias')
      .execute();
    await db.deleteFrom('model_version_tags').where('name', '=', name).where('version', '=', row.version).execute();
    await db
      .updateTable('model_versions')
      .set({
        current_stage: DELETED_STAGE,
        last_updated_timestamp: now,
        description: null,
        user_id: null,
        source: REDACTED.source,
        storage_location: REDACTED.source,
        run_id: REDACTED.run_id,
        run_link: REDACTED.run_link,
        status_message: null,
        model_id: null,
      })
      .where('name', '=', name)
      .where('version', '=', row.version)
      .execute();
    await db.updateTable('registered_models').set({ last_updated_timestamp: now }).where('name', '=', name).execute();
    const details: Record<string, string> = { stage: row.current_stage };
    if (aliases.length > 0) details.removed_aliases = aliases.map((a) => a.alias).join(',');
    await recordEvent(db, now, actor, { kind: 'delete_model_version', name, version: row.version, details });
  });
}

export async function transitionModelVersionStage(
  ctx: RegistryContext,
  name: string,
  version: string,
  stage: string,
  archiveExistingVersions: boolean,
  actor: Actor,
): Promise<ModelVersion> {
  const target = canonicalStage(stage);
  if (archiveExistingVersions && !ACTIVE_STAGES.includes(target)) {
    // MLflow reports this as INTERNAL_ERROR (500), which makes clients retry; it is a caller error.
    throw invalidParameter(
      `Model version transition cannot archive existing model versions because '${stage}' is not an Active stage. Valid stages are ['Staging', 'Production']`,
    );
  }
  return ctx.database.transaction(async (db) => {
    const row = await requireModelVersion(db, name, version);
    const now = ctx.now();
    // Consequences first, so that newest-first the transition itself leads.
    const changes: RegistryChange[] = [];
    if (archiveExistingVersions) {
      const archived = await db
        .updateTable('model_versions')
        .set({ current_stage: 'Archived', last_updated_timestamp: now })
        .where('name', '=', name)
        .where('version', '<>', row.version)
        .where('current_stage', '=', target)
        .returning('version')
        .execute();
      for (const other of archived) {
        changes.push({
          kind: 'transition_model_version_stage',
          name,
          version: other.version,
          details: { from_stage: target, to_stage: 'Archived', archived_by_version: String(row.version) },
        });
      }
    }
    await db
      .updateTable('model_versions')
      .set({ current_stage: target, last_updated_timestamp: now })
      .where('name', '=', name)
      .where('version', '=', row.version)
      .execute();
    await db.updateTable('registered_models').set({ last_updated_timestamp: now }).where('name', '=', name).execute();
    changes.push({
      kind: 'transition_model_version_stage',
      name,
      version: row.version,
      details: {
        from_stage: row.current_stage,
        to_stage: target,
        archive_existing_versions: String(archiveExistingVersions),
      },
    });
    await recordEvents(db, now, actor, changes);
    const tags = await loadVersionTags(db, [row]);
    return toModelVersion(
      { ...row, current_stage: target, last_updated_timestamp: now },
      tags.get(versionKey(name, row.version)),
    );
  });
}

/** Where a version's artifacts are: its storage location, else its source. */
export function getModelVersionDownloadUri(ctx: RegistryContext, name: string, version: string): Promise<string> {
  return ctx.database.read(async (db) => {
    const row = await requireModelVersion(db, name, version);
    return row.storage_location || row.source;
  });
}

export async function setModelVersionTag(
  ctx: RegistryContext,
  name: string,
  version: string,
  tag: KeyValue,
  actor: Actor,
): Promise<void> {
  const value = tag.value ?? '';
  validateRegistryTag({ key: tag.key, value });
  await ctx.database.transaction(async (db) => {
    const row = await requireModelVersion(db, name, version);
    await db
      .insertInto('model_version_tags')
      .values({ name, version: row.version, key: tag.key, value })
      .onConflict((oc) => oc.columns(['name', 'version', 'key']).doUpdateSet({ value }))
      .execute();
    await recordEvent(db, ctx.now(), actor, {
      kind: 'set_model_version_tag',
      name,
      version: row.version,
      details: { key: tag.key, value },
    });
  });
}

export async function deleteModelVersionTag(
  ctx: RegistryContext,
  name: string,
  version: string,
  key: string,
  actor: Actor,
): Promise<void> {
  await ctx.database.transaction(async (db) => {
    const row = await requireModelVersion(db, name, version);
    // A missing tag is not an error for registry tags.
    const result = await db
      .deleteFrom('model_version_tags')
      .where('name', '=', name)
      .where('version', '=', row.version)
      .where('key', '=', key)
      .executeTakeFirst();
    if (result.numDeletedRows > 0n) {
      await recordEvent(db, ctx.now(), actor, {
        kind: 'delete_model_version_tag',
        name,
        version: row.version,
        details: { key },
      });
    }
  });
}
