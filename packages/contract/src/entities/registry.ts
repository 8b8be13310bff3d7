/** Model registry entities in their wire shape. */
import type { KeyValue } from './tracking.js';

export const MODEL_VERSION_STATUS = { PENDING_REGISTRATION: 1, FAILED_REGISTRATION: 2, READY: 3 } as const;
export type ModelVersionStatus = keyof typeof MODEL_VERSION_STATUS;

/** The four legacy stages, in MLflow's canonical spelling. */
export const STAGES = ['None', 'Staging', 'Production', 'Archived'] as const;
export type Stage = (typeof STAGES)[number];

export type RegisteredModelTag = KeyValue;
export type ModelVersionTag = KeyValue;

export interface RegisteredModelAlias {
  readonly alias: string;
  readonly version: string;
}

export interface ModelVersion {
  readonly name: string;
  readonly version: string;
  readonly creation_timestamp: number;
  readonly last_updated_timestamp: number;
  readonly user_id?: string;
  readonly current_stage: Stage;
  readonly description?: string;
  readonly source: string;
  readonly run_id?: string;
  readonly status: ModelVersionStatus;
  readonly status_message?: string;
  readonly tags?: readonly ModelVersionTag[];
  readonly run_link?: string;
  readonly aliases?: readonly string[];
  readonly model_id?: string;
}

export interface RegisteredModel {
  readonly name: string;
  readonly creation_timestamp: number;
  readonly last_updated_timestamp: number;
  readonly description?: string;
  readonly latest_versions?: readonly ModelVersion[];
  readonly tags?: readonly RegisteredModelTag[];
  readonly aliases?: readonly RegisteredModelAlias[];
}

/** Kinds of registry change kept in Keel's audit trail. */
export const REGISTRY_EVENT_KINDS = [
  'create_registered_model',
  'rename_registered_model',
  'update_registered_model',
  'delete_registered_model',
  'set_registered_model_tag',
  'delete_registered_model_tag',
  'create_model_version',
  'update_model_version',
  'delete_model_version',
  'transition_model_version_stage',
  'set_model_version_tag',
  'delete_model_version_tag',
  'set_alias',
  'delete_alias',
] as const;
export type RegistryEventKind = (typeof REGISTRY_EVENT_KINDS)[number];

/** One entry of the registry audit trail (a Keel extension; MLflow has none). */
export interface RegistryEvent {
  readonly event_id: number;
  readonly timestamp: number;
  readonly user: string;
  readonly kind: RegistryEventKind;
  readonly name: string;
  readonly version?: string;
  /** Kind-specific details, e.g. `{"from_stage": "Staging", "to_stage": "Production"}`. */
  readonly details?: Readonly<Record<string, string>>;
}
