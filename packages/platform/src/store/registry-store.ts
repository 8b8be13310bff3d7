/**
 * The model registry seam. Implementations share the tracking store's database (owned and closed
 * by whoever opened it) and pass the contract suite in `registry-store.contract.ts`. Methods
 * take decoded requests, enforce MLflow's validation and semantics (registry-api.md) and return
 * wire entities; errors are `MlflowError`s with MLflow's codes and messages. Every mutating
 * method records an audit event attributed to `actor`, in the same transaction as the change.
 */
import type { KeyValue, ModelVersion, RegisteredModel, RegistryEvent } from '@keel/contract';
import type { Page } from './tracking-store.js';

/** Who made a change, for the audit trail. */
export interface Actor {
  readonly user: string;
}

/** A create-version request, after the caller has validated its source. */
export interface CreateModelVersionInput {
  readonly name: string;
  readonly source: string;
  readonly run_id?: string;
  readonly tags?: readonly KeyValue[];
  readonly run_link?: string;
  readonly description?: string;
  readonly model_id?: string;
}

/** A registry search request (search-syntax.md §5). */
export interface RegistrySearchInput {
  readonly filter?: string;
  readonly max_results?: number;
  readonly order_by?: readonly string[];
  readonly page_token?: string;
}

/** Registered models, their versions, aliases and tags, and the audit trail of changes to them. */
export interface RegistryStore {
  /** Duplicate name -> RESOURCE_ALREADY_EXISTS (400); repeated tag keys: last wins. */
  createRegisteredModel(
    input: { readonly name: string; readonly tags?: readonly KeyValue[]; readonly description?: string },
    actor: Actor,
  ): Promise<RegisteredModel>;
  /** With `latest_versions` (no aliases on them), `tags` and `aliases`. */
  getRegisteredModel(name: string): Promise<RegisteredModel>;
  /** Versions, tags, aliases and history follow the model to its new name. */
  renameRegisteredModel(name: string, newName: string, actor: Actor): Promise<RegisteredModel>;
  /** Sets the description; `undefined` clears it (MLflow assigns whatever was sent). */
  updateRegisteredModel(name: string, description: string | undefined, actor: Actor): Promise<RegisteredModel>;
  /** Hard delete of the model with its versions, tags and aliases; its history stays. */
  deleteRegisteredModel(name: string, actor: Actor): Promise<void>;
  /** Prompts excluded unless the filter asks for them. */
  searchRegisteredModels(input: RegistrySearchInput): Promise<Page<RegisteredModel>>;
  /** Newest live version per requested stage (all stages when none), with aliases. */
  getLatestVersions(name: string, stages?: readonly string[]): Promise<readonly ModelVersion[]>;
  setRegisteredModelTag(name: string, tag: KeyValue, actor: Actor): Promise<void>;
  /** A missing tag is not an error; an unknown model is. */
  deleteRegisteredModelTag(name: string, key: string, actor: Actor): Promise<void>;

  /** Points `alias` at `version` (moving it if set); `latest` and `v<digits>` are reserved. */
  setRegisteredModelAlias(name: string, alias: string, version: string, actor: Actor): Promise<void>;
  /** A missing alias is not an error. */
  deleteRegisteredModelAlias(name: string, alias: string, actor: Actor): Promise<void>;
  /** `latest` (any case) is the highest live version; an unknown alias -> INVALID_PARAMETER_VALUE. */
  getModelVersionByAlias(name: string, alias: string): Promise<ModelVersion>;

  /**
   * Creates the next version (numbers start at 1 and are never reused, even concurrently).
   * `storageLocation` is where its artifacts are, derived from the source by the caller, which
   * can see the tracking store and the artifact roots.
   */
  createModelVersion(input: CreateModelVersionInput, storageLocation: string, actor: Actor): Promise<ModelVersion>;
  /** With tags and aliases; unknown or deleted -> RESOURCE_DOES_NOT_EXIST. */
  getModelVersion(name: string, version: string): Promise<ModelVersion>;
  /** Changes the description only when given; the timestamp moves either way. */
  updateModelVersion(
    name: string,
    version: string,
    description: string | undefined,
    actor: Actor,
  ): Promise<ModelVersion>;
  /** Soft delete: hidden everywhere, source and run redacted, aliases removed, number kept. */
  deleteModelVersion(name: string, version: string, actor: Actor): Promise<void>;
  /** `archiveExistingVersions` moves the others in the target stage to Archived (Staging/Production only). */
  transitionModelVersionStage(
    name: string,
    version: string,
    stage: string,
    archiveExistingVersions: boolean,
    actor: Actor,
  ): Promise<ModelVersion>;
  /** Deleted versions and prompts excluded; results carry tags but no aliases. */
  searchModelVersions(input: RegistrySearchInput): Promise<Page<ModelVersion>>;
  /** The storage location recorded at creation (else the source). */
  getModelVersionDownloadUri(name: string, version: string): Promise<string>;
  setModelVersionTag(name: string, version: string, tag: KeyValue, actor: Actor): Promise<void>;
  /** A missing tag is not an error; an unknown version is. */
  deleteModelVersionTag(name: string, version: string, key: string, actor: Actor): Promise<void>;

  /** Audit events, newest first; all models when `name` is absent. */
  getHistory(input: {
    readonly name?: string;
    readonly max_results?: number;
    readonly page_token?: string;
  }): Promise<Page<RegistryEvent>>;
}
