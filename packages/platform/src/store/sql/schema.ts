/**
 * Row types of Keel's SQL schema, shared by the SQLite and PostgreSQL dialects.
 * Timestamps are integer milliseconds; `is_nan` is 0/1 (metric NaN values are stored as 0 + flag).
 */
import type { Generated } from 'kysely';

export interface ExperimentsTable {
  experiment_id: Generated<number>;
  name: string;
  artifact_location: string;
  lifecycle_stage: string;
  creation_time: number;
  last_update_time: number;
}

export interface ExperimentTagsTable {
  experiment_id: number;
  key: string;
  value: string;
}

export interface RunsTable {
  run_uuid: string;
  experiment_id: number;
  name: string;
  user_id: string;
  status: string;
  start_time: number;
  end_time: number | null;
  deleted_time: number | null;
  lifecycle_stage: string;
  artifact_uri: string;
}

export interface RunKeyValueTable {
  run_uuid: string;
  key: string;
  value: string;
}

export interface MetricsTable {
  run_uuid: string;
  key: string;
  timestamp: number;
  step: number;
  value: number;
  is_nan: number;
}

export type LatestMetricsTable = MetricsTable;

/** A packed run of metric points of one key (see `metric-chunks.ts`). */
export interface MetricChunksTable {
  chunk_id: Generated<number>;
  run_uuid: string;
  key: string;
  point_count: number;
  min_step: number;
  max_step: number;
  data: Uint8Array;
}

/** A chunk's summary for charts (see `tracking/metric-summaries.ts`), added by readers. */
export interface MetricChunkSummariesTable {
  chunk_id: number;
  min_timestamp: number;
  max_timestamp: number;
  group_points: number;
  groups: Uint8Array;
}

export interface DatasetsTable {
  dataset_uuid: string;
  experiment_id: number;
  name: string;
  digest: string;
  source_type: string;
  source: string;
  schema: string | null;
  profile: string | null;
}

export interface RunInputsTable {
  run_uuid: string;
  dataset_uuid: string;
  /** Insertion order, so inputs list in the order they were logged. */
  position: number;
}

export interface InputTagsTable {
  run_uuid: string;
  dataset_uuid: string;
  key: string;
  value: string;
}

export interface RunModelInputsTable {
  run_uuid: string;
  model_id: string;
  position: number;
}

export interface RunModelOutputsTable {
  run_uuid: string;
  model_id: string;
  step: number;
  position: number;
}

export interface LoggedModelsTable {
  model_id: string;
  experiment_id: number;
  name: string;
  artifact_location: string;
  creation_timestamp_ms: number;
  last_updated_timestamp_ms: number;
  status: number;
  lifecycle_stage: string;
  model_type: string | null;
  source_run_id: string | null;
  status_message: string | null;
}

export interface LoggedModelKeyValueTable {
  model_id: string;
  key: string;
  value: string;
}

export interface LoggedModelMetricsTable {
  model_id: string;
  key: string;
  timestamp: number;
  step: number;
  value: number;
  is_nan: number;
  experiment_id: number;
  run_id: string;
  dataset_name: string;
  dataset_digest: string;
}

/** Artifact locations whose rows were purged, waiting for their bytes to be deleted (migration 0006). */
export interface GcPendingArtifactsTable {
  pending_id: Generated<number>;
  artifact_uri: string;
  owner: string;
  queued_time: number;
}

/** The tracking part of the schema (migration 0001). */
export interface TrackingSchema {
  experiments: ExperimentsTable;
  experiment_tags: ExperimentTagsTable;
  runs: RunsTable;
  tags: RunKeyValueTable;
  params: RunKeyValueTable;
  metric_chunks: MetricChunksTable;
  metric_chunk_summaries: MetricChunkSummariesTable;
  latest_metrics: LatestMetricsTable;
  datasets: DatasetsTable;
  run_inputs: RunInputsTable;
  input_tags: InputTagsTable;
  run_model_inputs: RunModelInputsTable;
  run_model_outputs: RunModelOutputsTable;
  logged_models: LoggedModelsTable;
  logged_model_tags: LoggedModelKeyValueTable;
  logged_model_params: LoggedModelKeyValueTable;
  logged_model_metrics: LoggedModelMetricsTable;
  gc_pending_artifacts: GcPendingArtifactsTable;
}
