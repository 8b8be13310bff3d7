/**
 * The model registry seam. Implementations share the tracking store's database (owned and closed
 * by whoever opened it) and pass the
 * contract suite in `registry-store.contract.ts`. Every mutating method records an audit event
 * attributed to `actor`.
 */
import type { KeyValue, ModelVersion, RegisteredModel, RegistryEvent } from '@keel/contract';
import type { Page } from './tracking-store.js';

/** Who made a change, for the audit trail. */
export interface Actor {
  readonly user: string;
}

export interface CreateModelVersionInput {
  readonly name: string;
  readonly source: string;
  readonly run_id?: string;
  readonly tags?: readonly KeyValue[];
  readonly run_link?: string;
  readonly description?: string;
  readonly model_id?: string;
}

export interface RegistrySearchInput {
  readonly filter?: string;
  readonly max_results?: number;
  readonly order_by?: readonly string[];
  readonly page_token?: string;
}

export interface RegistryStore {
  createRegisteredModel(
    input: { readonly name: string; readonly tags?: readonly KeyValue[]; readonly description?: string },
    actor: Actor,
  ): Promise<RegisteredModel>;
  getRegisteredModel(name: string): Promise<RegisteredModel>;
  renameRegisteredModel(name: string, newName: string, actor: Actor): Promise<RegisteredModel>;
  updateRegisteredModel(name: string, description: string | undefined, actor: Actor): Promise<RegisteredModel>;
  deleteRegisteredModel(name: string, actor: Actor): Promise<void>;
  searchRegisteredModels(input: RegistrySearchInput): Promise<Page<RegisteredModel>>;
  getLatestVersions(name: string, stages?: readonly string[]): Promise<readonly ModelVersion[]>;
  setRegisteredModelTag(name: string, tag: KeyValue, actor: Actor): Promise<void>;
  deleteRegisteredModelTag(name: string, key: string, actor: Actor): Promise<void>;

  setRegisteredModelAlias(name: string, alias: string, version: string, actor: Actor): Promise<void>;
  deleteRegisteredModelAlias(name: string, alias: string, actor: Actor): Promise<void>;
  getModelVersionByAlias(name: string, alias: string): Promise<ModelVersion>;

  /**
   * Creates the next version. `storageLocation` is where its artifacts are (derived from the
   * source by the caller, which can see the tracking store and the artifact roots).
   */
  createModelVersion(input: CreateModelVersionInput, storageLocation: string, actor: Actor): Promise<ModelVersion>;
  getModelVersion(name: string, version: string): Promise<ModelVersion>;
  updateModelVersion(
    name: string,
    version: string,
    description: string | undefined,
    actor: Actor,
  ): Promise<ModelVersion>;
  deleteModelVersion(name: string, version: string, actor: Actor): Promise<void>;
  transitionModelVersionStage(
    name: string,
    version: string,
    stage: string,
    archiveExistingVersions: boolean,
    actor: Actor,
  ): Promise<ModelVersion>;
  searchModelVersions(input: RegistrySearchInput): Promise<Page<ModelVersion>>;
  getModelVersionDownloadUri(name: string, version: string): Promise<string>;
  setModelVersionTag(name: string, version: string, tag: KeyValue, actor: Actor): Promise<void>;
  deleteModelVersionTag(name: string, version: string, key: string, actor: Actor): Promise<void>;

  /** Audit events, newest first; all models when `name` is absent. */
  getHistory(input: {
    readonly name?: string;
    readonly max_results?: number;
    readonly page_token?: string;
  }): Promise<Page<RegistryEvent>>;
}
