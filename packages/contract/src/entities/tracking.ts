/**
 * Tracking entities in their wire shape (MLflow's JSON field names). Optional fields are
 * omitted when unset and empty lists are omitted, exactly as MLflow serialises them.
 */
import type { WireDouble } from '../message.js';

export const RUN_STATUS = { RUNNING: 1, SCHEDULED: 2, FINISHED: 3, FAILED: 4, KILLED: 5 } as const;
export type RunStatus = keyof typeof RUN_STATUS;

export const VIEW_TYPE = { ACTIVE_ONLY: 1, DELETED_ONLY: 2, ALL: 3 } as const;
export type ViewType = keyof typeof VIEW_TYPE;

export type LifecycleStage = 'active' | 'deleted';

export const LOGGED_MODEL_STATUS = {
  LOGGED_MODEL_STATUS_UNSPECIFIED: 0,
  LOGGED_MODEL_PENDING: 1,
  LOGGED_MODEL_READY: 2,
  LOGGED_MODEL_UPLOAD_FAILED: 3,
} as const;
export type LoggedModelStatus = keyof typeof LOGGED_MODEL_STATUS;

/** A key/value pair: experiment, run, input, logged-model and registry tags, and params. */
export interface KeyValue {
  readonly key: string;
  readonly value: string;
}
export type ExperimentTag = KeyValue;
export type RunTag = KeyValue;
export type Param = KeyValue;
export type InputTag = KeyValue;

export interface Experiment {
  readonly experiment_id: string;
  readonly name: string;
  readonly artifact_location: string;
  readonly lifecycle_stage: LifecycleStage;
  readonly last_update_time: number;
  readonly creation_time: number;
  readonly tags?: readonly ExperimentTag[];
}

export interface Metric {
  readonly key: string;
  readonly value: WireDouble;
  readonly timestamp: number;
  readonly step: number;
  readonly dataset_name?: string;
  readonly dataset_digest?: string;
  readonly model_id?: string;
  readonly run_id?: string;
}

/** A metric point carrying the run it belongs to (bulk history responses). */
export interface MetricWithRunId {
  readonly key: string;
  readonly value: WireDouble;
  readonly timestamp: number;
  readonly step: number;
  readonly run_id: string;
}

/** How metric points are placed along a chart's x axis (Keel's bucketed history). */
export const METRIC_X_AXIS = { step: 1, timestamp: 2, relative_time: 3 } as const;
export type MetricXAxis = keyof typeof METRIC_X_AXIS;

/**
 * Keel extension: one run's history of one metric summarised in buckets of equal width along
 * the x axis, in columns (index i of every array is bucket i; empty buckets are left out).
 * Nothing is dropped: `min` and `max` cover every point of a bucket, so peaks survive.
 */
export interface MetricBuckets {
  readonly run_id: string;
  readonly key: string;
  /** Points of the run inside the requested range (before bucketing). */
  readonly point_count: number;
  /** For `relative_time`: the timestamp x = 0 stands for (the run's first point of this key). */
  readonly origin?: number;
  /** x of the first and the last point of each bucket. */
  readonly x_first: readonly number[];
  readonly x_last: readonly number[];
  /** Points in each bucket. */
  readonly count: readonly number[];
  /** Smallest and largest value of each bucket (NaN only when all its values are NaN). */
  readonly min: readonly WireDouble[];
  readonly max: readonly WireDouble[];
  /** Value of the bucket's last point (largest x, then latest timestamp). */
  readonly last: readonly WireDouble[];
}

export interface RunInfo {
  readonly run_id: string;
  readonly run_uuid: string;
  readonly run_name?: string;
  readonly experiment_id: string;
  readonly user_id?: string;
  readonly status: RunStatus;
  readonly start_time: number;
  readonly end_time?: number;
  readonly artifact_uri: string;
  readonly lifecycle_stage: LifecycleStage;
}

export interface RunData {
  readonly metrics?: readonly Metric[];
  readonly params?: readonly Param[];
  readonly tags?: readonly RunTag[];
}

export interface Dataset {
  readonly name: string;
  readonly digest: string;
  readonly source_type: string;
  readonly source: string;
  readonly schema?: string;
  readonly profile?: string;
}

export interface DatasetInput {
  readonly tags?: readonly InputTag[];
  readonly dataset: Dataset;
}

export interface ModelInput {
  readonly model_id: string;
}

export interface ModelOutput {
  readonly model_id: string;
  readonly step: number;
}

export interface RunInputs {
  readonly dataset_inputs?: readonly DatasetInput[];
  readonly model_inputs?: readonly ModelInput[];
}

export interface RunOutputs {
  readonly model_outputs?: readonly ModelOutput[];
}

export interface Run {
  readonly info: RunInfo;
  readonly data: RunData;
  readonly inputs?: RunInputs;
  readonly outputs?: RunOutputs;
}

/** An artifact listing entry; `file_size` is absent for directories. */
export interface FileInfo {
  readonly path: string;
  readonly is_dir: boolean;
  readonly file_size?: number;
}

export interface LoggedModelInfo {
  readonly model_id: string;
  readonly experiment_id: string;
  readonly name: string;
  readonly creation_timestamp_ms: number;
  readonly last_updated_timestamp_ms: number;
  readonly artifact_uri: string;
  readonly status: LoggedModelStatus;
  readonly creator_id?: number;
  readonly model_type?: string;
  readonly source_run_id?: string;
  readonly status_message?: string;
  readonly tags?: readonly KeyValue[];
  readonly registrations?: readonly { readonly name: string; readonly version: string }[];
}

export interface LoggedModelData {
  readonly params?: readonly Param[];
  readonly metrics?: readonly Metric[];
}

export interface LoggedModel {
  readonly info: LoggedModelInfo;
  readonly data: LoggedModelData;
}

/** One entry of the UI's `experiments/search-datasets` answer. */
export interface DatasetSummary {
  readonly experiment_id: string;
  readonly name: string;
  readonly digest: string;
  readonly context?: string;
}
