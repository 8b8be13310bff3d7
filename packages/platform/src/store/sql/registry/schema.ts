/**
 * Row types of the registry tables (migration 0002), and the whole Keel schema. Timestamps are
 * integer milliseconds; version numbers are integers (the wire carries them as strings).
 */
import type { Generated } from 'kysely';
import type { GenAiTables } from '../genai/schema.js';
import type { TrackingSchema } from '../schema.js';
import type { TraceSchema } from '../traces/schema.js';

export interface RegisteredModelsTable {
  name: string;
  creation_timestamp: number;
  last_updated_timestamp: number;
  description: string | null;
  /** Highest version number ever allocated, deleted versions included. */
  max_version: Generated<number>;
}

export interface RegisteredModelTagsTable {
  name: string;
  key: string;
  value: string;
}

export interface ModelVersionsTable {
  name: string;
  version: number;
  creation_timestamp: number;
  last_updated_timestamp: number;
  description: string | null;
  user_id: string | null;
  /** A canonical stage, or the hidden `Deleted_Internal` of a soft-deleted version. */
  current_stage: string;
  source: string;
  /** Where the version's artifacts are: what get-download-uri answers. */
  storage_location: string;
  run_id: string | null;
  run_link: string | null;
  status: string;
  status_message: string | null;
  model_id: string | null;
}

export interface ModelVersionTagsTable {
  name: string;
  version: number;
  key: string;
  value: string;
}

export interface RegisteredModelAliasesTable {
  name: string;
  alias: string;
  version: number;
}

export interface RegistryEventsTable {
  event_id: Generated<number>;
  timestamp: number;
  user_id: string;
  kind: string;
  name: string;
  version: number | null;
  /** JSON object of string values, or null. */
  details: string | null;
}

/** The registry part of the schema. */
export interface RegistrySchema {
  registered_models: RegisteredModelsTable;
  registered_model_tags: RegisteredModelTagsTable;
  model_versions: ModelVersionsTable;
  model_version_tags: ModelVersionTagsTable;
  registered_model_aliases: RegisteredModelAliasesTable;
  registry_events: RegistryEventsTable;
}

/** Every table of a Keel database: tracking, registry, traces and GenAI share one file / schema. */
export type KeelSchema = TrackingSchema & RegistrySchema & TraceSchema & GenAiTables;
