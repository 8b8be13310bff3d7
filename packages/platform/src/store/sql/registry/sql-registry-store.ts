/**
 * The SQL implementation of `RegistryStore`, one codebase for SQLite and PostgreSQL. It shares
 * the tracking store's database; each family of methods lives in its own module under
 * `registry/`, and this class wires them to one context. Registered-model names enter here and
 * are put in NFC once (`entity-names.ts`), so the modules below only ever see canonical names.
 */
import type { KeyValue } from '@keel/contract';
import { canonicalName } from '../../entity-names.js';
import type { Actor, CreateModelVersionInput, RegistrySearchInput, RegistryStore } from '../../registry-store.js';
import { migrateToLatest } from '../migrations/index.js';
import type { SqlDatabase } from '../sql-database.js';
import * as aliases from './aliases.js';
import * as audit from './audit.js';
import type { RegistryContext, SqlRegistryStoreOptions } from './context.js';
import * as versions from './model-versions.js';
import * as models from './registered-models.js';
import type { RegistrySchema } from './schema.js';
import * as search from './search.js';

export class SqlRegistryStore implements RegistryStore {
  private readonly ctx: RegistryContext;

  private constructor(database: SqlDatabase<RegistrySchema>, options: SqlRegistryStoreOptions) {
    const now = options.now ?? Date.now;
    this.ctx = Object.freeze({ database, now });
  }

  /**
   * Applies pending migrations and returns the store. The database handle stays owned by the
   * caller (usually shared with the tracking store), who closes it.
   *
   * @example
   * const database = await openSqlDatabase<KeelSchema>('sqlite:///mlflow.db', process.cwd());
   * const registry = await SqlRegistryStore.open(database);
   */
  static async open(
    database: SqlDatabase<RegistrySchema>,
    options: SqlRegistryStoreOptions = {},
  ): Promise<SqlRegistryStore> {
    await migrateToLatest(database as SqlDatabase<unknown>);
    return new SqlRegistryStore(database, options);
  }

  createRegisteredModel(
    input: { readonly name: string; readonly tags?: readonly KeyValue[]; readonly description?: string },
    actor: Actor,
  ) {
    return models.createRegisteredModel(this.ctx, { ...input, name: canonicalName(input.name) }, actor);
  }
  getRegisteredModel(name: string) {
    return models.getRegisteredModel(this.ctx, canonicalName(name));
  }
  renameRegisteredModel(name: string, newName: string, actor: Actor) {
    return models.renameRegisteredModel(this.ctx, canonicalName(name), canonicalName(newName), actor);
  }
  updateRegisteredModel(name: string, description: string | undefined, actor: Actor) {
    return models.updateRegisteredModel(this.ctx, canonicalName(name), description, actor);
  }
  deleteRegisteredModel(name: string, actor: Actor) {
    return models.deleteRegisteredModel(this.ctx, canonicalName(name), actor);
  }
  searchRegisteredModels(input: RegistrySearchInput) {
    return search.searchRegisteredModels(this.ctx, input);
  }
  getLatestVersions(name: string, stages?: readonly string[]) {
    return models.getLatestVersions(this.ctx, canonicalName(name), stages);
  }
  setRegisteredModelTag(name: string, tag: KeyValue, actor: Actor) {
    return models.setRegisteredModelTag(this.ctx, canonicalName(name), tag, actor);
  }
  deleteRegisteredModelTag(name: string, key: string, actor: Actor) {
    return models.deleteRegisteredModelTag(this.ctx, canonicalName(name), key, actor);
  }

  setRegisteredModelAlias(name: string, alias: string, version: string, actor: Actor) {
    return aliases.setRegisteredModelAlias(this.ctx, canonicalName(name), alias, version, actor);
  }
  deleteRegisteredModelAlias(name: string, alias: string, actor: Actor) {
    return aliases.deleteRegisteredModelAlias(this.ctx, canonicalName(name), alias, actor);
  }
  getModelVersionByAlias(name: string, alias: string) {
    return aliases.getModelVersionByAlias(this.ctx, canonicalName(name), alias);
  }

  createModelVersion(input: CreateModelVersionInput, storageLocation: string, actor: Actor) {
    return versions.createModelVersion(this.ctx, { ...input, name: canonicalName(input.name) }, storageLocation, actor);
  }
  getModelVersion(name: string, version: string) {
    return versions.getModelVersion(this.ctx, canonicalName(name), version);
  }
  updateModelVersion(name: string, version: string, description: string | undefined, actor: Actor) {
    return versions.updateModelVersion(this.ctx, canonicalName(name), version, description, actor);
  }
  deleteModelVersion(name: string, version: string, actor: Actor) {
    return versions.deleteModelVersion(this.ctx, canonicalName(name), version, actor);
  }
  transitionModelVersionStage(
    name: string,
    version: string,
    stage: string,
    archiveExistingVersions: boolean,
    actor: Actor,
  ) {
    return versions.transitionModelVersionStage(
      this.ctx,
      canonicalName(name),
      version,
      stage,
      archiveExistingVersions,
      actor,
    );
  }
  searchModelVersions(input: RegistrySearchInput) {
    return search.searchModelVersions(this.ctx, input);
  }
  getModelVersionDownloadUri(name: string, version: string) {
    return versions.getModelVersionDownloadUri(this.ctx, canonicalName(name), version);
  }
  setModelVersionTag(name: string, version: string, tag: KeyValue, actor: Actor) {
    return versions.setModelVersionTag(this.ctx, canonicalName(name), version, tag, actor);
  }
  deleteModelVersionTag(name: string, version: string, key: string, actor: Actor) {
    return versions.deleteModelVersionTag(this.ctx, canonicalName(name), version, key, actor);
  }

  getHistory(input: { readonly name?: string; readonly max_results?: number; readonly page_token?: string }) {
    return audit.getHistory(this.ctx, input.name === undefined ? input : { ...input, name: canonicalName(input.name) });
  }
}
