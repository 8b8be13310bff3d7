/**
 * Tracing endpoints (MLflow 3): v3 trace infos and search under `/api/3.0/mlflow`, the legacy
 * v2 calls older clients still send under `/api/2.0/mlflow`, and assessments. OTLP ingest
 * (`POST /v1/traces`) and the trace-data download are byte routes, described in `TRACE_ROUTES`.
 */
import {
  ASSESSMENT_SOURCE_TYPE,
  type Assessment,
  TRACE_LOCATION_TYPE,
  TRACE_STATE,
  TRACE_STATUS,
  type Trace,
  type TraceFilterCorrelation,
  type TraceInfoV2,
  type TraceInfoV3,
} from '../entities/traces.js';
import { f, message } from '../message.js';
import { endpoint } from './endpoint.js';
import { KeyValueMsg } from './tracking.js';

type Empty = Record<string, never>;

/** Byte routes of the tracing service (not JSON message endpoints). */
export const TRACE_ROUTES = {
  /** OTLP/HTTP trace export: protobuf or JSON `ExportTraceServiceRequest`. */
  otlpTraces: '/v1/traces',
  /** Header naming the experiment OTLP spans are stored in. */
  experimentIdHeader: 'x-mlflow-experiment-id',
  /** `GET ?request_id=` downloads the trace data (`traces.json`) as an attachment. */
  traceArtifact: '/get-trace-artifact',
} as const;

// Shared sub-messages.
export const TraceLocationMsg = message('TraceLocation', {
  type: f.enum(TRACE_LOCATION_TYPE),
  mlflow_experiment: f.message(
    message('MlflowExperimentLocation', { experiment_id: f.string({ acceptsNumber: true }) }),
  ),
  inference_table: f.message(message('InferenceTableLocation', { full_table_name: f.string() })),
});

export const AssessmentSourceMsg = message('AssessmentSource', {
  source_type: f.enum(ASSESSMENT_SOURCE_TYPE),
  source_id: f.string(),
});

const AssessmentErrorMsg = message('AssessmentError', { error_code: f.string(), error_message: f.string() });

export const AssessmentMsg = message('Assessment', {
  assessment_id: f.string(),
  assessment_name: f.string(),
  trace_id: f.string(),
  span_id: f.string(),
  source: f.message(AssessmentSourceMsg),
  create_time: f.timestamp(),
  last_update_time: f.timestamp(),
  feedback: f.message(message('Feedback', { value: f.value(), error: f.message(AssessmentErrorMsg) })),
  expectation: f.message(
    message('Expectation', {
      value: f.value(),
      serialized_value: f.message(
        message('ExpectationSerializedValue', { serialization_format: f.string(), value: f.string() }),
      ),
    }),
  ),
  rationale: f.string(),
  metadata: f.map(),
  overrides: f.string(),
  valid: f.bool(),
  run_id: f.string(),
});

export const TraceInfoV3Msg = message('TraceInfoV3', {
  trace_id: f.string(),
  client_request_id: f.string(),
  trace_location: f.message(TraceLocationMsg),
  request_preview: f.string(),
  response_preview: f.string(),
  request_time: f.timestamp(),
  execution_duration: f.duration(),
  state: f.enum(TRACE_STATE),
  trace_metadata: f.map(),
  tags: f.map(),
});

const traceId = f.string({ required: true });
const requestId = f.string({ required: true });
const experimentId = f.string({ required: true, acceptsNumber: true });

// v3 traces.
export const startTraceV3 = endpoint<{ trace: Trace }>()(
  'startTraceV3',
  'POST',
  '/traces',
  message('StartTraceV3', {
    trace: f.message(
      message('Trace', { trace_info: f.message(TraceInfoV3Msg, { required: true }), spans: f.list(f.value()) }),
      { required: true },
    ),
  }),
  'mlflow3',
);
export const searchTracesV3 = endpoint<{ traces?: TraceInfoV3[]; next_page_token?: string }>()(
  'searchTracesV3',
  'POST',
  '/traces/search',
  message('SearchTracesV3', {
    locations: f.list(f.message(TraceLocationMsg), { required: true }),
    filter: f.string(),
    max_results: f.int32(),
    order_by: f.list(f.string()),
    page_token: f.string(),
  }),
  'mlflow3',
);
const deleteTracesFields = {
  experiment_id: experimentId,
  max_timestamp_millis: f.int64(),
  max_traces: f.int32(),
  request_ids: f.list(f.string()),
};
export const deleteTracesV3 = endpoint<{ traces_deleted: number }>()(
  'deleteTracesV3',
  'POST',
  '/traces/delete-traces',
  message('DeleteTracesV3', deleteTracesFields),
  'mlflow3',
);
export const batchGetTraces = endpoint<{ traces?: Trace[] }>()(
  'batchGetTraces',
  'GET',
  '/traces/batchGet',
  message('BatchGetTraces', { trace_ids: f.list(f.string(), { required: true }) }),
  'mlflow3',
);
export const getTrace = endpoint<{ trace: Trace }>()(
  'getTrace',
  'GET',
  '/traces/get',
  message('GetTrace', { trace_id: traceId, allow_partial: f.bool() }),
  'mlflow3',
);
export const calculateTraceFilterCorrelation = endpoint<TraceFilterCorrelation>()(
  'calculateTraceFilterCorrelation',
  'POST',
  '/traces/calculate-filter-correlation',
  message('CalculateTraceFilterCorrelation', {
    experiment_ids: f.list(f.string({ acceptsNumber: true }), { required: true }),
    filter_string1: f.string({ required: true }),
    filter_string2: f.string({ required: true }),
    base_filter: f.string(),
  }),
  'mlflow3',
);
export const getTraceInfoV3 = endpoint<{ trace: Trace }>()(
  'getTraceInfoV3',
  'GET',
  '/traces/{trace_id}',
  message('GetTraceInfoV3', { trace_id: traceId }),
  'mlflow3',
);
export const setTraceTagV3 = endpoint<Empty>()(
  'setTraceTagV3',
  'PATCH',
  '/traces/{trace_id}/tags',
  message('SetTraceTagV3', { trace_id: traceId, key: f.string({ required: true }), value: f.string({ default: '' }) }),
  'mlflow3',
);
export const deleteTraceTagV3 = endpoint<Empty>()(
  'deleteTraceTagV3',
  'DELETE',
  '/traces/{trace_id}/tags',
  message('DeleteTraceTagV3', { trace_id: traceId, key: f.string({ required: true }) }),
  'mlflow3',
);

// Assessments.
export const createAssessment = endpoint<{ assessment: Assessment }>()(
  'createAssessment',
  'POST',
  '/traces/{trace_id}/assessments',
  message('CreateAssessment', { assessment: f.message(AssessmentMsg, { required: true }), trace_id: traceId }),
  'mlflow3',
);
export const getAssessment = endpoint<{ assessment: Assessment }>()(
  'getAssessment',
  'GET',
  '/traces/{trace_id}/assessments/{assessment_id}',
  message('GetAssessmentRequest', { trace_id: traceId, assessment_id: f.string({ required: true }) }),
  'mlflow3',
);
export const updateAssessment = endpoint<{ assessment: Assessment }>()(
  'updateAssessment',
  'PATCH',
  '/traces/{trace_id}/assessments/{assessment_id}',
  message('UpdateAssessment', {
    assessment: f.message(AssessmentMsg, { required: true }),
    update_mask: f.string({ required: true }),
    trace_id: traceId,
    assessment_id: f.string({ required: true }),
  }),
  'mlflow3',
);
export const deleteAssessment = endpoint<Empty>()(
  'deleteAssessment',
  'DELETE',
  '/traces/{trace_id}/assessments/{assessment_id}',
  message('DeleteAssessment', { trace_id: traceId, assessment_id: f.string({ required: true }) }),
  'mlflow3',
);

// Legacy v2 calls (MLflow 2.x clients; the 3.x client still uses some of them).
export const startTrace = endpoint<{ trace_info: TraceInfoV2 }>()(
  'startTrace',
  'POST',
  '/traces',
  message('StartTrace', {
    experiment_id: experimentId,
    timestamp_ms: f.int64(),
    request_metadata: f.list(f.message(KeyValueMsg)),
    tags: f.list(f.message(KeyValueMsg)),
  }),
);
export const searchTraces = endpoint<{ traces?: TraceInfoV2[]; next_page_token?: string }>()(
  'searchTraces',
  'GET',
  '/traces',
  message('SearchTraces', {
    experiment_ids: f.list(f.string({ acceptsNumber: true }), { required: true }),
    filter: f.string(),
    max_results: f.int32(),
    order_by: f.list(f.string()),
    page_token: f.string(),
  }),
);
export const deleteTraces = endpoint<{ traces_deleted: number }>()(
  'deleteTraces',
  'POST',
  '/traces/delete-traces',
  message('DeleteTraces', deleteTracesFields),
);
export const linkTracesToRun = endpoint<Empty>()(
  'linkTracesToRun',
  'POST',
  '/traces/link-to-run',
  message('LinkTracesToRun', { trace_ids: f.list(f.string()), run_id: f.string({ required: true }) }),
);
export const endTrace = endpoint<{ trace_info: TraceInfoV2 }>()(
  'endTrace',
  'PATCH',
  '/traces/{request_id}',
  message('EndTrace', {
    request_id: requestId,
    timestamp_ms: f.int64(),
    status: f.enum(TRACE_STATUS),
    request_metadata: f.list(f.message(KeyValueMsg)),
    tags: f.list(f.message(KeyValueMsg)),
  }),
);
export const getTraceInfo = endpoint<{ trace_info: TraceInfoV2 }>()(
  'getTraceInfo',
  'GET',
  '/traces/{request_id}/info',
  message('GetTraceInfo', { request_id: requestId }),
);
export const setTraceTag = endpoint<Empty>()(
  'setTraceTag',
  'PATCH',
  '/traces/{request_id}/tags',
  message('SetTraceTag', {
    request_id: requestId,
    key: f.string({ required: true }),
    value: f.string({ default: '' }),
  }),
);
export const deleteTraceTag = endpoint<Empty>()(
  'deleteTraceTag',
  'DELETE',
  '/traces/{request_id}/tags',
  message('DeleteTraceTag', { request_id: requestId, key: f.string({ required: true }) }),
);

/** Every tracing endpoint, in registration order (literal paths before `{param}` paths). */
export const traceEndpoints = [
  startTraceV3,
  searchTracesV3,
  deleteTracesV3,
  batchGetTraces,
  getTrace,
  calculateTraceFilterCorrelation,
  getTraceInfoV3,
  setTraceTagV3,
  deleteTraceTagV3,
  createAssessment,
  getAssessment,
  updateAssessment,
  deleteAssessment,
  startTrace,
  searchTraces,
  deleteTraces,
  linkTracesToRun,
  endTrace,
  getTraceInfo,
  setTraceTag,
  deleteTraceTag,
] as const;
