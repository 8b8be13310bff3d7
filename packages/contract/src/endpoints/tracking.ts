/** Tracking endpoints (tracking-api.md §3, §7-§9, §11). */
import {
  type DatasetSummary,
  type Experiment,
  type FileInfo,
  LOGGED_MODEL_STATUS,
  type LoggedModel,
  METRIC_X_AXIS,
  type Metric,
  type MetricBuckets,
  type MetricWithRunId,
  RUN_STATUS,
  type Run,
  type RunInfo,
  VIEW_TYPE,
} from '../entities/tracking.js';
import { f, message } from '../message.js';
import { endpoint } from './endpoint.js';

// Shared sub-messages.
/** Params and tags: the key is required; the value may be omitted (stored as ""). */
export const KeyValueMsg = message('KeyValue', { key: f.string({ required: true }), value: f.string({ default: '' }) });
export const MetricMsg = message('Metric', {
  key: f.string({ required: true }),
  value: f.double({ required: true }),
  timestamp: f.int64({ required: true }),
  step: f.int64(),
  model_id: f.string(),
  dataset_name: f.string(),
  dataset_digest: f.string(),
  run_id: f.string(),
});
export const DatasetMsg = message('Dataset', {
  name: f.string({ required: true }),
  digest: f.string({ required: true }),
  source_type: f.string({ required: true }),
  source: f.string({ required: true }),
  schema: f.string(),
  profile: f.string(),
});
export const InputTagMsg = message('InputTag', {
  key: f.string({ required: true }),
  value: f.string({ required: true }),
});
export const DatasetInputMsg = message('DatasetInput', {
  tags: f.list(f.message(InputTagMsg)),
  dataset: f.message(DatasetMsg, { required: true }),
});
export const ModelInputMsg = message('ModelInput', { model_id: f.string({ required: true }) });
export const ModelOutputMsg = message('ModelOutput', { model_id: f.string({ required: true }), step: f.int64() });

const runId = f.string({ required: true, alias: 'run_uuid' });
const experimentId = f.string({ required: true, acceptsNumber: true });
const viewType = f.enum(VIEW_TYPE);

type Empty = Record<string, never>;

// Experiments (E1-E9).
export const createExperiment = endpoint<{ experiment_id: string }>()(
  'createExperiment',
  'POST',
  '/experiments/create',
  message('CreateExperiment', {
    name: f.string({ required: true }),
    artifact_location: f.string(),
    tags: f.list(f.message(KeyValueMsg)),
  }),
);
export const getExperiment = endpoint<{ experiment: Experiment }>()(
  'getExperiment',
  'GET',
  '/experiments/get',
  message('GetExperiment', { experiment_id: experimentId }),
);
export const getExperimentByName = endpoint<{ experiment: Experiment }>()(
  'getExperimentByName',
  'GET',
  '/experiments/get-by-name',
  message('GetExperimentByName', { experiment_name: f.string({ required: true }) }),
);
export const searchExperiments = endpoint<{ experiments?: Experiment[]; next_page_token?: string }>()(
  'searchExperiments',
  ['POST', 'GET'],
  '/experiments/search',
  message('SearchExperiments', {
    max_results: f.int64(),
    page_token: f.string(),
    filter: f.string(),
    order_by: f.list(f.string()),
    view_type: viewType,
  }),
);
export const updateExperiment = endpoint<Empty>()(
  'updateExperiment',
  'POST',
  '/experiments/update',
  message('UpdateExperiment', { experiment_id: experimentId, new_name: f.string({ required: true }) }),
);
export const deleteExperiment = endpoint<Empty>()(
  'deleteExperiment',
  'POST',
  '/experiments/delete',
  message('DeleteExperiment', { experiment_id: experimentId }),
);
export const restoreExperiment = endpoint<Empty>()(
  'restoreExperiment',
  'POST',
  '/experiments/restore',
  message('RestoreExperiment', { experiment_id: experimentId }),
);
export const setExperimentTag = endpoint<Empty>()(
  'setExperimentTag',
  'POST',
  '/experiments/set-experiment-tag',
  message('SetExperimentTag', {
    experiment_id: experimentId,
    key: f.string({ required: true }),
    value: f.string({ default: '' }),
  }),
);
export const deleteExperimentTag = endpoint<Empty>()(
  'deleteExperimentTag',
  'POST',
  '/experiments/delete-experiment-tag',
  message('DeleteExperimentTag', { experiment_id: experimentId, key: f.string({ required: true }) }),
);

// Runs (R1-R6).
export const createRun = endpoint<{ run: Run }>()(
  'createRun',
  'POST',
  '/runs/create',
  message('CreateRun', {
    experiment_id: f.string({ acceptsNumber: true }),
    user_id: f.string(),
    run_name: f.string(),
    start_time: f.int64(),
    tags: f.list(f.message(KeyValueMsg)),
  }),
);
export const getRun = endpoint<{ run: Run }>()('getRun', 'GET', '/runs/get', message('GetRun', { run_id: runId }));
export const updateRun = endpoint<{ run_info: RunInfo }>()(
  'updateRun',
  'POST',
  '/runs/update',
  message('UpdateRun', {
    run_id: runId,
    status: f.enum(RUN_STATUS),
    end_time: f.int64(),
    run_name: f.string(),
  }),
);
export const deleteRun = endpoint<Empty>()(
  'deleteRun',
  'POST',
  '/runs/delete',
  message('DeleteRun', { run_id: f.string({ required: true }) }),
);
export const restoreRun = endpoint<Empty>()(
  'restoreRun',
  'POST',
  '/runs/restore',
  message('RestoreRun', { run_id: f.string({ required: true }) }),
);
export const searchRuns = endpoint<{ runs?: Run[]; next_page_token?: string }>()(
  'searchRuns',
  'POST',
  '/runs/search',
  message('SearchRuns', {
    experiment_ids: f.list(f.string({ acceptsNumber: true })),
    filter: f.string(),
    run_view_type: viewType,
    max_results: f.int32(),
    order_by: f.list(f.string()),
    page_token: f.string(),
  }),
);

// Logging (L1-L8).
export const logMetric = endpoint<Empty>()(
  'logMetric',
  'POST',
  '/runs/log-metric',
  message('LogMetric', {
    run_id: runId,
    key: f.string({ required: true }),
    value: f.double({ required: true }),
    timestamp: f.int64({ required: true }),
    step: f.int64(),
    model_id: f.string(),
    dataset_name: f.string(),
    dataset_digest: f.string(),
  }),
);
export const logParam = endpoint<Empty>()(
  'logParam',
  'POST',
  '/runs/log-parameter',
  message('LogParam', { run_id: runId, key: f.string({ required: true }), value: f.string({ default: '' }) }),
);
export const setTag = endpoint<Empty>()(
  'setTag',
  'POST',
  '/runs/set-tag',
  message('SetTag', { run_id: runId, key: f.string({ required: true }), value: f.string({ default: '' }) }),
);
export const deleteTag = endpoint<Empty>()(
  'deleteTag',
  'POST',
  '/runs/delete-tag',
  message('DeleteTag', { run_id: f.string({ required: true }), key: f.string({ required: true }) }),
);
export const logBatch = endpoint<Empty>()(
  'logBatch',
  'POST',
  '/runs/log-batch',
  message('LogBatch', {
    run_id: f.string({ required: true }),
    metrics: f.list(f.message(MetricMsg)),
    params: f.list(f.message(KeyValueMsg)),
    tags: f.list(f.message(KeyValueMsg)),
  }),
);
export const logModel = endpoint<Empty>()(
  'logModel',
  'POST',
  '/runs/log-model',
  message('LogModel', { run_id: f.string({ required: true }), model_json: f.string({ required: true }) }),
);
export const logInputs = endpoint<Empty>()(
  'logInputs',
  'POST',
  '/runs/log-inputs',
  message('LogInputs', {
    run_id: f.string({ required: true }),
    datasets: f.list(f.message(DatasetInputMsg)),
    models: f.list(f.message(ModelInputMsg)),
  }),
);
export const logOutputs = endpoint<Empty>()(
  'logOutputs',
  'POST',
  '/runs/outputs',
  message('LogOutputs', {
    run_id: f.string({ required: true }),
    models: f.list(f.message(ModelOutputMsg), { required: true }),
  }),
);

// Metric history (M1, M2, and the UI's bulk route).
export const getMetricHistory = endpoint<{ metrics?: Metric[]; next_page_token?: string }>()(
  'getMetricHistory',
  'GET',
  '/metrics/get-history',
  message('GetMetricHistory', {
    run_id: runId,
    metric_key: f.string({ required: true }),
    max_results: f.int32(),
    page_token: f.string(),
  }),
);
export const getMetricHistoryBulkInterval = endpoint<{ metrics?: MetricWithRunId[] }>()(
  'getMetricHistoryBulkInterval',
  'GET',
  '/metrics/get-history-bulk-interval',
  message('GetMetricHistoryBulkInterval', {
    run_ids: f.list(f.string(), { required: true }),
    metric_key: f.string({ required: true }),
    start_step: f.int32(),
    end_step: f.int32(),
    max_results: f.int32(),
  }),
);
export const getMetricHistoryBulk = endpoint<{ metrics?: MetricWithRunId[] }>()(
  'getMetricHistoryBulk',
  'GET',
  '/metrics/get-history-bulk',
  message('GetMetricHistoryBulk', {
    run_id: f.list(f.string()),
    metric_key: f.string(),
    max_results: f.int32(),
  }),
  'ajax',
);

/**
 * Keel extension: up to 100 runs' histories of one metric, each summarised in `buckets` (1-5000,
 * default 1000) equal-width buckets with min, max and last value, over `[start, end]` of the x
 * axis (`step` by default, `timestamp` in epoch ms, or `relative_time` in ms since each run's
 * first point). Without a range the buckets span all the runs' points, so a chart of 10 runs x
 * 1,000,000 points moves a few thousand numbers per run.
 */
export const getMetricBuckets = endpoint<{ series?: MetricBuckets[]; start?: number; end?: number }>()(
  'getMetricBuckets',
  'GET',
  '/metrics/get-history-buckets',
  message('GetMetricBuckets', {
    run_ids: f.list(f.string(), { required: true }),
    metric_key: f.string({ required: true }),
    x_axis: f.enum(METRIC_X_AXIS),
    start: f.double(),
    end: f.double(),
    buckets: f.int32(),
  }),
  'keel',
);

// Artifacts listing through the tracking API (A1).
export const listArtifacts = endpoint<{ root_uri?: string; files?: FileInfo[]; next_page_token?: string }>()(
  'listArtifacts',
  'GET',
  '/artifacts/list',
  message('ListArtifacts', { run_id: runId, path: f.string(), page_token: f.string() }),
);

// UI helper: dataset summaries of experiments.
export const searchDatasets = endpoint<{ dataset_summaries?: DatasetSummary[] }>()(
  'searchDatasets',
  'POST',
  '/experiments/search-datasets',
  message('SearchDatasets', { experiment_ids: f.list(f.string({ acceptsNumber: true })) }),
  'ajax',
);

// Logged models (G1-G9).
const LoggedModelSearchDataset = message('LoggedModelSearchDataset', {
  dataset_name: f.string({ required: true }),
  dataset_digest: f.string(),
});
const LoggedModelOrderBy = message('LoggedModelOrderBy', {
  field_name: f.string({ required: true }),
  ascending: f.bool(),
  dataset_name: f.string(),
  dataset_digest: f.string(),
});

export const createLoggedModel = endpoint<{ model: LoggedModel }>()(
  'createLoggedModel',
  'POST',
  '/logged-models',
  message('CreateLoggedModel', {
    experiment_id: experimentId,
    name: f.string(),
    model_type: f.string(),
    source_run_id: f.string(),
    params: f.list(f.message(KeyValueMsg)),
    tags: f.list(f.message(KeyValueMsg)),
  }),
);
export const searchLoggedModels = endpoint<{ models?: LoggedModel[]; next_page_token?: string }>()(
  'searchLoggedModels',
  'POST',
  '/logged-models/search',
  message('SearchLoggedModels', {
    experiment_ids: f.list(f.string({ acceptsNumber: true }), { required: true }),
    filter: f.string(),
    datasets: f.list(f.message(LoggedModelSearchDataset)),
    max_results: f.int32(),
    order_by: f.list(f.message(LoggedModelOrderBy)),
    page_token: f.string(),
  }),
);
export const getLoggedModel = endpoint<{ model: LoggedModel }>()(
  'getLoggedModel',
  'GET',
  '/logged-models/{model_id}',
  message('GetLoggedModel', { model_id: f.string({ required: true }) }),
);
export const finalizeLoggedModel = endpoint<{ model: LoggedModel }>()(
  'finalizeLoggedModel',
  'PATCH',
  '/logged-models/{model_id}',
  message('FinalizeLoggedModel', {
    model_id: f.string({ required: true }),
    status: f.enum(LOGGED_MODEL_STATUS, { required: true }),
  }),
);
export const deleteLoggedModel = endpoint<Empty>()(
  'deleteLoggedModel',
  'DELETE',
  '/logged-models/{model_id}',
  message('DeleteLoggedModel', { model_id: f.string({ required: true }) }),
);
export const setLoggedModelTags = endpoint<Empty>()(
  'setLoggedModelTags',
  'PATCH',
  '/logged-models/{model_id}/tags',
  message('SetLoggedModelTags', { model_id: f.string({ required: true }), tags: f.list(f.message(KeyValueMsg)) }),
);
export const deleteLoggedModelTag = endpoint<Empty>()(
  'deleteLoggedModelTag',
  'DELETE',
  '/logged-models/{model_id}/tags/{tag_key}',
  message('DeleteLoggedModelTag', { model_id: f.string({ required: true }), tag_key: f.string({ required: true }) }),
);
export const logLoggedModelParams = endpoint<Empty>()(
  'logLoggedModelParams',
  'POST',
  '/logged-models/{model_id}/params',
  message('LogLoggedModelParams', {
    model_id: f.string({ required: true }),
    params: f.list(f.message(KeyValueMsg)),
  }),
);
export const listLoggedModelArtifacts = endpoint<{ root_uri?: string; files?: FileInfo[]; next_page_token?: string }>()(
  'listLoggedModelArtifacts',
  'GET',
  '/logged-models/{model_id}/artifacts/directories',
  message('ListLoggedModelArtifacts', {
    model_id: f.string({ required: true }),
    artifact_directory_path: f.string(),
    page_token: f.string(),
  }),
);

/** Every tracking endpoint, in registration order (literal paths before `{param}` paths). */
export const trackingEndpoints = [
  createExperiment,
  getExperiment,
  getExperimentByName,
  searchExperiments,
  updateExperiment,
  deleteExperiment,
  restoreExperiment,
  setExperimentTag,
  deleteExperimentTag,
  createRun,
  getRun,
  updateRun,
  deleteRun,
  restoreRun,
  searchRuns,
  logMetric,
  logParam,
  setTag,
  deleteTag,
  logBatch,
  logModel,
  logInputs,
  logOutputs,
  getMetricHistory,
  getMetricHistoryBulkInterval,
  getMetricHistoryBulk,
  getMetricBuckets,
  listArtifacts,
  searchDatasets,
  createLoggedModel,
  searchLoggedModels,
  getLoggedModel,
  finalizeLoggedModel,
  deleteLoggedModel,
  setLoggedModelTags,
  deleteLoggedModelTag,
  logLoggedModelParams,
  listLoggedModelArtifacts,
] as const;
