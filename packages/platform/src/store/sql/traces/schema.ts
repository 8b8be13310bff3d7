/**
 * Row types of the tracing tables (migration 0004). Times are epoch milliseconds, except span
 * times, which are nanoseconds (written exactly as decimal text, read only for ordering).
 */
export interface TraceInfoTable {
  request_id: string;
  experiment_id: number;
  timestamp_ms: number;
  execution_time_ms: number | null;
  /** A v3 state name: OK, ERROR, IN_PROGRESS or STATE_UNSPECIFIED. */
  status: string;
  client_request_id: string | null;
  request_preview: string | null;
  response_preview: string | null;
}

export interface TraceKeyValueTable {
  request_id: string;
  key: string;
  value: string;
}

export interface SpansTable {
  trace_id: string;
  span_id: string;
  experiment_id: number;
  parent_span_id: string | null;
  name: string;
  type: string | null;
  /** OK, ERROR or UNSET. */
  status: string;
  start_time_unix_nano: number | string;
  end_time_unix_nano: number | string | null;
  /** The span as MLflow's span dictionary (the `traces.json` form), JSON text. */
  content: string;
}

export interface TraceRunLinksTable {
  request_id: string;
  run_uuid: string;
}

export interface AssessmentsTable {
  assessment_id: string;
  request_id: string;
  name: string;
  /** `feedback` or `expectation`. */
  assessment_type: string;
  /** The JSON value (feedback value or expectation value). */
  value: string | null;
  /** JSON of the feedback error, if any. */
  error: string | null;
  created_timestamp: number;
  last_updated_timestamp: number;
  source_type: string;
  source_id: string | null;
  run_id: string | null;
  span_id: string | null;
  rationale: string | null;
  overrides: string | null;
  valid: number;
  /** JSON object of string values, or null. */
  metadata: string | null;
}

/** The tracing part of the schema. */
export interface TraceSchema {
  trace_info: TraceInfoTable;
  trace_tags: TraceKeyValueTable;
  trace_request_metadata: TraceKeyValueTable;
  spans: SpansTable;
  trace_run_links: TraceRunLinksTable;
  assessments: AssessmentsTable;
}
