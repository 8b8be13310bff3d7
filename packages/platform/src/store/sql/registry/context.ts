/** What every part of the SQL registry store works with, and the checks they share. */
import { invalidParameter, notFound, STAGES, type Stage } from '@keel/contract';
import type { Kysely } from 'kysely';
import type { SqlDatabase } from '../sql-database.js';
import type { RegistrySchema } from './schema.js';

export interface SqlRegistryStoreOptions {
  /** Clock, in epoch milliseconds (tests pin it). */
  readonly now?: () => number;
}

export interface RegistryContext {
  readonly database: SqlDatabase<RegistrySchema>;
  now(): number;
}

export type RegistryDb = Kysely<RegistrySchema>;

/** The hidden stage of a soft-deleted version; never returned by any API. */
export const DELETED_STAGE = 'Deleted_Internal';

/** Stages whose other versions `archive_existing_versions` may archive. */
export const ACTIVE_STAGES: readonly Stage[] = ['Staging', 'Production'];

export function modelNotFound(name: string): Error {
  return notFound(`Registered Model with name=${name} not found`);
}

export function versionNotFound(name: string, version: string | number): Error {
  return notFound(`Model Version (name=${name}, version=${version}) not found`);
}

/** Parses a wire version (`"3"`); anything that is not an integer is refused with MLflow's message. */
export function parseVersion(version: string): number {
  const text = version.trim();
  // Python's int() accepts a sign and surrounding blanks; so do we.
  if (!/^[+-]?\d{1,15}$/.test(text)) {
    throw invalidParameter(`Parameter 'version' must be an integer, got '${version}'.`);
  }
  return Number(text);
}

const STAGE_BY_LOWER = new Map<string, Stage>(STAGES.map((s) => [s.toLowerCase(), s]));

/** The canonical spelling of a stage (matched case-insensitively); unknown -> INVALID_PARAMETER_VALUE. */
export function canonicalStage(stage: string): Stage {
  const canonical = STAGE_BY_LOWER.get(stage.toLowerCase());
  if (canonical === undefined) {
    throw invalidParameter(`Invalid Model Version stage: ${stage}. Value must be one of ${STAGES.join(', ')}.`);
  }
  return canonical;
}

/** The registered model's row; unknown -> RESOURCE_DOES_NOT_EXIST. */
export async function requireRegisteredModel(db: RegistryDb, name: string) {
  const row = await db.selectFrom('registered_models').selectAll().where('name', '=', name).executeTakeFirst();
  if (row === undefined) throw modelNotFound(name);
  return row;
}

/** The row of a live (not soft-deleted) version; unknown or deleted -> RESOURCE_DOES_NOT_EXIST. */
export async function requireModelVersion(db: RegistryDb, name: string, version: string) {
  const number = parseVersion(version);
  const row = await db
    .selectFrom('model_versions')
    .selectAll()
    .where('name', '=', name)
    .where('version', '=', number)
    .where('current_stage', '<>', DELETED_STAGE)
    .executeTakeFirst();
  if (row === undefined) throw versionNotFound(name, version);
  return row;
}
