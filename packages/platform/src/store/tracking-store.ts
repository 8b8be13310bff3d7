/**
 * The tracking store seam. Every backend (SQLite, PostgreSQL) implements this interface and
 * passes the shared contract suite (`tracking-store.contract.ts`). Methods take already
 * decoded requests, enforce MLflow's validation and semantics, and return wire entities.
 * Errors are `MlflowError`s with MLflow's codes and messages.
 */
import type {
  DatasetSummary,
  Experiment,
  KeyValue,
  LoggedModel,
  LoggedModelStatus,
  Metric,
  MetricBuckets,
  MetricWithRunId,
  MetricXAxis,
  Run,
  RunInfo,
  RunStatus,
  ViewType,
  WireDouble,
} from '@keel/contract';

/** One page of results; `next_page_token` is absent on the last page. */
export interface Page<T> {
  readonly items: readonly T[];
  readonly next_page_token?: string;
}

export interface CreateExperimentInput {
  readonly name: string;
  /** Absent: `<default artifact root>/<new id>`. */
  readonly artifact_location?: string;
  readonly tags?: readonly KeyValue[];
}

export interface SearchExperimentsInput {
  readonly filter?: string;
  readonly order_by?: readonly string[];
  readonly view_type?: ViewType;
  /** 1 to 50,000; absent means 1000. */
  readonly max_results?: number;
  readonly page_token?: string;
}

export interface CreateRunInput {
  readonly experiment_id: string;
  readonly user_id?: string;
  readonly run_name?: string;
  /** Absent: now. */
  readonly start_time?: number;
  readonly tags?: readonly KeyValue[];
}

export interface UpdateRunInput {
  readonly status?: RunStatus;
  readonly end_time?: number;
  readonly run_name?: string;
}

export interface SearchRunsInput {
  readonly experiment_ids: readonly string[];
  readonly filter?: string;
  readonly run_view_type?: ViewType;
  /** 1 to 50,000; absent means 1000. */
  readonly max_results?: number;
  readonly order_by?: readonly string[];
  readonly page_token?: string;
}

/** A metric point to log; `model_id` and `dataset_*` also record it on a logged model. */
export interface MetricInput {
  readonly key: string;
  readonly value: WireDouble;
  readonly timestamp: number;
  readonly step?: number;
  readonly model_id?: string;
  readonly dataset_name?: string;
  readonly dataset_digest?: string;
}

export interface LogBatchInput {
  readonly metrics?: readonly MetricInput[];
  readonly params?: readonly KeyValue[];
  readonly tags?: readonly KeyValue[];
}

export interface DatasetInputInput {
  readonly dataset: {
    readonly name: string;
    readonly digest: string;
    readonly source_type: string;
    readonly source: string;
    readonly schema?: string;
    readonly profile?: string;
  };
  readonly tags?: readonly KeyValue[];
}

export interface MetricHistoryInput {
  /** Absent or 0: every point in one page. */
  readonly max_results?: number;
  readonly page_token?: string;
}

export interface BulkIntervalInput {
  readonly run_ids: readonly string[];
  readonly metric_key: string;
  readonly start_step?: number;
  readonly end_step?: number;
  /** 1 to 2500 sampled steps; absent means 2500. */
  readonly max_results?: number;
}

/** Keel's bucketed history request (see `getMetricBuckets` in the contract). */
export interface MetricBucketsInput {
  readonly run_ids: readonly string[];
  readonly metric_key: string;
  /** Default `step`. */
  readonly x_axis?: MetricXAxis;
  /** The x range; each end absent means the runs' own first or last x. */
  readonly start?: number;
  readonly end?: number;
  /** 1 to 5000; absent means 1000. */
  readonly buckets?: number;
}

/** The bucketed histories and the x range they span (absent when no run has the key). */
export interface MetricBucketsPage {
  readonly series: readonly MetricBuckets[];
  readonly start?: number;
  readonly end?: number;
}

export interface CreateLoggedModelInput {
  readonly experiment_id: string;
  readonly name?: string;
  readonly model_type?: string;
  readonly source_run_id?: string;
  readonly params?: readonly KeyValue[];
  readonly tags?: readonly KeyValue[];
}

export interface SearchLoggedModelsInput {
  readonly experiment_ids: readonly string[];
  readonly filter?: string;
  readonly datasets?: readonly { readonly dataset_name: string; readonly dataset_digest?: string }[];
  readonly max_results?: number;
  readonly order_by?: readonly {
    readonly field_name: string;
    readonly ascending?: boolean;
    readonly dataset_name?: string;
    readonly dataset_digest?: string;
  }[];
  readonly page_token?: string;
}

/** Which deleted items a permanent removal considers; absent fields do not narrow. */
export interface DeletedItemsQuery {
  /** Only items deleted at or before this time (epoch ms): runs by `deleted_time`, experiments by last update. */
  readonly deletedBefore?: number;
  /** Only items in (runs) or of (experiments) these experiments. */
  readonly experimentIds?: readonly string[];
  /** Only these runs (runs only). */
  readonly runIds?: readonly string[];
}

/** A run in the deleted stage, as permanent removal sees it. */
export interface DeletedRun {
  readonly run_id: string;
  readonly experiment_id: string;
  readonly artifact_uri: string;
  readonly deleted_time: number;
}

/** An experiment in the deleted stage with what removing it takes along. */
export interface DeletedExperiment {
  readonly experiment_id: string;
  readonly name: string;
  readonly last_update_time: number;
  /** Every run of the experiment, whatever its stage. */
  readonly run_ids: readonly string[];
  readonly logged_model_ids: readonly string[];
}

/** Artifacts whose metadata is gone, queued for deletion (mark-then-sweep). */
export interface PendingArtifactDeletion {
  readonly pending_id: number;
  readonly artifact_uri: string;
  /** What the artifacts belonged to: `run <id>` or `logged model <id>`. */
  readonly owner: string;
  readonly queued_time: number;
}

/** What one purge removed; `artifacts` lists what it queued for deletion. */
export interface PurgeResult {
  readonly removed: readonly string[];
  readonly artifacts: readonly PendingArtifactDeletion[];
}

/** Which param-conflict message to use: MLflow words log-parameter and log-batch differently. */
export type ParamConflictStyle = 'single' | 'batch';

export interface TrackingStore {
  // Experiments.
  createExperiment(input: CreateExperimentInput): Promise<string>;
  getExperiment(experimentId: string): Promise<Experiment>;
  /** Finds deleted experiments too; absent -> RESOURCE_DOES_NOT_EXIST. */
  getExperimentByName(name: string): Promise<Experiment>;
  searchExperiments(input: SearchExperimentsInput): Promise<Page<Experiment>>;
  renameExperiment(experimentId: string, newName: string): Promise<void>;
  /** Soft delete, cascading to every run of the experiment. */
  deleteExperiment(experimentId: string): Promise<void>;
  /** Restores the experiment and all of its runs. */
  restoreExperiment(experimentId: string): Promise<void>;
  setExperimentTag(experimentId: string, tag: KeyValue): Promise<void>;
  deleteExperimentTag(experimentId: string, key: string): Promise<void>;

  // Runs.
  createRun(input: CreateRunInput): Promise<Run>;
  getRun(runId: string): Promise<Run>;
  updateRun(runId: string, input: UpdateRunInput): Promise<RunInfo>;
  deleteRun(runId: string): Promise<void>;
  restoreRun(runId: string): Promise<void>;
  searchRuns(input: SearchRunsInput): Promise<Page<Run>>;

  // Logging. `logBatch` is the core write; single-item endpoints are batches of one.
  logBatch(runId: string, batch: LogBatchInput, style?: ParamConflictStyle): Promise<void>;
  deleteTag(runId: string, key: string): Promise<void>;
  logInputs(
    runId: string,
    datasets: readonly DatasetInputInput[],
    models?: readonly { readonly model_id: string }[],
  ): Promise<void>;
  logOutputs(runId: string, models: readonly { readonly model_id: string; readonly step?: number }[]): Promise<void>;
  /** Appends an MLmodel summary to the run's `mlflow.log-model.history` tag (legacy). */
  logModelHistory(runId: string, modelJson: string): Promise<void>;

  // Metric history.
  getMetricHistory(runId: string, key: string, input?: MetricHistoryInput): Promise<Page<Metric>>;
  getMetricHistoryBulkInterval(input: BulkIntervalInput): Promise<readonly MetricWithRunId[]>;
  /** Keel extension: min/max/last per x bucket of up to 100 runs' histories of one key. */
  getMetricBuckets(input: MetricBucketsInput): Promise<MetricBucketsPage>;
  /** Full histories of up to 100 runs, capped at `maxResults` points (at most 25,000). */
  getMetricHistoryBulk(
    runIds: readonly string[],
    key: string,
    maxResults?: number,
  ): Promise<readonly MetricWithRunId[]>;
  searchDatasets(experimentIds: readonly string[]): Promise<readonly DatasetSummary[]>;

  // Logged models (MLflow 3).
  createLoggedModel(input: CreateLoggedModelInput): Promise<LoggedModel>;
  /** Unknown or deleted -> RESOURCE_DOES_NOT_EXIST. */
  getLoggedModel(modelId: string): Promise<LoggedModel>;
  finalizeLoggedModel(modelId: string, status: LoggedModelStatus): Promise<LoggedModel>;
  deleteLoggedModel(modelId: string): Promise<void>;
  searchLoggedModels(input: SearchLoggedModelsInput): Promise<Page<LoggedModel>>;
  setLoggedModelTags(modelId: string, tags: readonly KeyValue[]): Promise<void>;
  deleteLoggedModelTag(modelId: string, key: string): Promise<void>;
  logLoggedModelParams(modelId: string, params: readonly KeyValue[]): Promise<void>;

  // Permanent removal (`keel gc`). Artifacts are marked, then swept: a purge removes the rows
  // and queues their artifact locations in the same transaction; the caller deletes the bytes
  // and then completes each queued entry, so a crash in between leaves a queue, never orphans.
  /** Runs in the deleted stage matching `query`, oldest deletion first. */
  findDeletedRuns(query?: DeletedItemsQuery): Promise<readonly DeletedRun[]>;
  /** Experiments in the deleted stage matching `query` (its `runIds` is ignored). */
  findDeletedExperiments(query?: DeletedItemsQuery): Promise<readonly DeletedExperiment[]>;
  /**
   * Permanently removes those of `runIds` still deleted (and deleted at or before `deletedBefore`)
   * with their params, tags, metrics and inputs; a run restored meanwhile is left alone.
   */
  purgeRuns(runIds: readonly string[], deletedBefore?: number): Promise<PurgeResult>;
  /** Permanently removes those of `experimentIds` still deleted, with all their runs, logged models and datasets. */
  purgeExperiments(experimentIds: readonly string[], deletedBefore?: number): Promise<PurgeResult>;
  /** Artifact locations queued by purges and not yet deleted, oldest first. */
  listPendingArtifactDeletions(): Promise<readonly PendingArtifactDeletion[]>;
  /** Drops a queued entry once its artifacts are deleted. */
  completeArtifactDeletion(pendingId: number): Promise<void>;
}
