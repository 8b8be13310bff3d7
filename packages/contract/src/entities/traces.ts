/**
 * Tracing entities in their wire shape (MLflow 3): trace infos (v3, and the legacy v2 form the
 * older client calls still use), traces with their spans, and assessments. Timestamps of the v3
 * forms are protobuf `Timestamp` strings (RFC 3339) and durations protobuf `Duration` strings
 * (`"1.250s"`); the v2 form keeps epoch milliseconds.
 */
import type { KeyValue } from './tracking.js';

/** State of a v3 trace. */
export const TRACE_STATE = { STATE_UNSPECIFIED: 0, OK: 1, ERROR: 2, IN_PROGRESS: 3 } as const;
export type TraceState = keyof typeof TRACE_STATE;

/** Status of a v2 trace (the same states under their v2 names). */
export const TRACE_STATUS = { TRACE_STATUS_UNSPECIFIED: 0, OK: 1, ERROR: 2, IN_PROGRESS: 3 } as const;
export type TraceStatus = keyof typeof TRACE_STATUS;

export const TRACE_LOCATION_TYPE = {
  TRACE_LOCATION_TYPE_UNSPECIFIED: 0,
  MLFLOW_EXPERIMENT: 1,
  INFERENCE_TABLE: 2,
} as const;
export type TraceLocationType = keyof typeof TRACE_LOCATION_TYPE;

/** Where a trace is kept; Keel stores traces in MLflow experiments. */
export interface TraceLocation {
  readonly type: TraceLocationType;
  readonly mlflow_experiment?: { readonly experiment_id: string };
  readonly inference_table?: { readonly full_table_name: string };
}

export const ASSESSMENT_SOURCE_TYPE = { SOURCE_TYPE_UNSPECIFIED: 0, HUMAN: 1, LLM_JUDGE: 2, CODE: 3 } as const;
export type AssessmentSourceType = keyof typeof ASSESSMENT_SOURCE_TYPE;

export interface AssessmentSource {
  readonly source_type: AssessmentSourceType;
  readonly source_id?: string;
}

export interface AssessmentError {
  readonly error_code?: string;
  readonly error_message?: string;
}

/** A JSON value stored as text, how MLflow keeps expectations that are objects or lists. */
export interface SerializedValue {
  readonly serialization_format: string;
  readonly value: string;
}

/** Feedback on a trace: a JSON value, or an error that prevented one (then `value` is null). */
export interface Feedback {
  readonly value?: unknown;
  readonly error?: AssessmentError;
}

/** What a trace's output should have been: a primitive `value`, or a JSON `serialized_value`. */
export interface Expectation {
  readonly value?: unknown;
  readonly serialized_value?: SerializedValue;
}

/** Feedback or an expectation attached to a trace (or one of its spans). */
export interface Assessment {
  readonly assessment_id: string;
  readonly assessment_name: string;
  readonly trace_id: string;
  readonly span_id?: string;
  readonly source: AssessmentSource;
  readonly create_time: string;
  readonly last_update_time: string;
  readonly feedback?: Feedback;
  readonly expectation?: Expectation;
  readonly rationale?: string;
  readonly metadata?: Readonly<Record<string, string>>;
  /** The id of the assessment this one replaces (that one is then `valid: false`). */
  readonly overrides?: string;
  readonly valid: boolean;
  readonly run_id?: string;
}

/** Metadata of one trace (v3). */
export interface TraceInfoV3 {
  readonly trace_id: string;
  readonly client_request_id?: string;
  readonly trace_location: TraceLocation;
  readonly request_preview?: string;
  readonly response_preview?: string;
  /** RFC 3339 start time. */
  readonly request_time: string;
  /** Protobuf duration (`"1.250s"`); absent while unknown. */
  readonly execution_duration?: string;
  readonly state: TraceState;
  readonly trace_metadata?: Readonly<Record<string, string>>;
  readonly assessments?: readonly Assessment[];
  readonly tags?: Readonly<Record<string, string>>;
}

/** A key/value pair of OTLP attributes (`AnyValue` in its protobuf JSON form). */
export interface OtlpKeyValue {
  readonly key: string;
  readonly value: Readonly<Record<string, unknown>>;
}

/**
 * One span in OpenTelemetry's protobuf JSON form with protobuf field names (ids base64,
 * nanosecond times as strings), as MLflow's `Trace` message carries them.
 */
export interface OtlpSpan {
  readonly trace_id: string;
  readonly span_id: string;
  readonly parent_span_id?: string;
  readonly name: string;
  readonly start_time_unix_nano: string;
  readonly end_time_unix_nano?: string;
  readonly attributes?: readonly OtlpKeyValue[];
  readonly events?: readonly {
    readonly time_unix_nano: string;
    readonly name: string;
    readonly attributes?: readonly OtlpKeyValue[];
  }[];
  readonly status?: { readonly code: string; readonly message?: string };
}

/** A trace: its info and, where asked for, its spans. */
export interface Trace {
  readonly trace_info: TraceInfoV3;
  readonly spans?: readonly OtlpSpan[];
}

/** Metadata of one trace in the legacy v2 form. */
export interface TraceInfoV2 {
  readonly request_id: string;
  readonly experiment_id: string;
  readonly timestamp_ms: number;
  readonly execution_time_ms: number;
  readonly status: TraceStatus;
  readonly request_metadata?: readonly KeyValue[];
  readonly tags?: readonly KeyValue[];
}

/** Counts and normalised pointwise mutual information of two trace filters. */
export interface TraceFilterCorrelation {
  readonly npmi: number | 'NaN';
  readonly npmi_smoothed?: number | 'NaN';
  readonly filter1_count: number;
  readonly filter2_count: number;
  readonly joint_count: number;
  readonly total_count: number;
}
