/**
 * The trace store seam (MLflow 3 tracing): trace infos with their tags, metadata and run links,
 * spans, and assessments. Every backend (SQLite, PostgreSQL) implements it and passes the shared
 * contract suite (`trace-store.contract.ts`). It shares the tracking store's database (traces
 * live in experiments) but is a seam of its own: servers without tracing needs never touch it,
 * and the tracking store stays the size it is. Methods take decoded requests, enforce MLflow's
 * validation and return wire entities; errors are `MlflowError`s with MLflow's codes.
 */
import type { Assessment, AssessmentSourceType, TraceInfoV3, TraceState } from '@keel/contract';
import type { Page } from './tracking-store.js';

/** What starting (logging) a v3 trace records. Times are epoch milliseconds. */
export interface StartTraceInput {
  readonly trace_id: string;
  readonly experiment_id: string;
  readonly request_time_ms: number;
  readonly execution_time_ms?: number;
  readonly state: TraceState;
  readonly client_request_id?: string;
  readonly request_preview?: string;
  readonly response_preview?: string;
  readonly trace_metadata?: Readonly<Record<string, string>>;
  readonly tags?: Readonly<Record<string, string>>;
}

export interface SearchTracesInput {
  readonly experiment_ids: readonly string[];
  readonly filter?: string;
  /** 1 to 500; absent means 100. */
  readonly max_results?: number;
  readonly order_by?: readonly string[];
  readonly page_token?: string;
}

/** Deletes by ids, or the oldest traces up to a time (at most `max_traces` of them). */
export interface DeleteTracesInput {
  readonly experiment_id: string;
  readonly max_timestamp_millis?: number;
  readonly max_traces?: number;
  readonly trace_ids?: readonly string[];
}

/** What ending a v2 trace records. */
export interface EndTraceInput {
  readonly timestamp_ms?: number;
  readonly state?: TraceState;
  readonly request_metadata?: Readonly<Record<string, string>>;
  readonly tags?: Readonly<Record<string, string>>;
}

/**
 * One span to store, already converted from OTLP. `content` is MLflow's span dictionary (the
 * `traces.json` form) as JSON text; the other fields are what searches and trace infos use.
 */
export interface SpanRecord {
  /** MLflow trace id (`tr-` + the OTel trace id in hex). */
  readonly trace_id: string;
  /** Hex span id. */
  readonly span_id: string;
  readonly parent_span_id?: string;
  readonly name: string;
  readonly type?: string;
  /** OK, ERROR or UNSET. */
  readonly status: 'OK' | 'ERROR' | 'UNSET';
  /** Nanoseconds since the epoch, as decimal text (exact). */
  readonly start_time_unix_nano: string;
  readonly end_time_unix_nano?: string;
  readonly content: string;
}

/**
 * A stored span: MLflow's span dictionary as JSON text, exactly as stored (its nanosecond
 * times are integers past 2^53, which a JavaScript number would round).
 */
export type StoredSpan = string;

/** A new assessment: feedback (a value or an error) or an expectation. */
export interface AssessmentInput {
  readonly assessment_name?: string;
  readonly span_id?: string;
  readonly source?: { readonly source_type?: AssessmentSourceType; readonly source_id?: string };
  readonly create_time_ms?: number;
  readonly last_update_time_ms?: number;
  readonly feedback?: { readonly value?: unknown; readonly error?: { error_code?: string; error_message?: string } };
  readonly expectation?: { readonly value: unknown };
  readonly rationale?: string;
  readonly metadata?: Readonly<Record<string, string>>;
  readonly overrides?: string;
  readonly run_id?: string;
}

/** The fields an update may change (MLflow's update mask names, in snake case). */
export type AssessmentUpdateField = 'assessment_name' | 'feedback' | 'expectation' | 'rationale' | 'metadata';

export interface TraceStore {
  // Trace infos.
  /** Creates the trace, or replaces the info of an existing one (MLflow's merge on start). */
  startTrace(input: StartTraceInput): Promise<TraceInfoV3>;
  /** The trace's info with its assessments; unknown -> RESOURCE_DOES_NOT_EXIST. */
  getTraceInfo(traceId: string): Promise<TraceInfoV3>;
  /** Infos of the traces that exist among `traceIds`, in the order asked. */
  getTraceInfos(traceIds: readonly string[]): Promise<readonly TraceInfoV3[]>;
  searchTraces(input: SearchTracesInput): Promise<Page<TraceInfoV3>>;
  /** Counts an experiment set's traces matching a filter (all of them when absent). */
  countTraces(experimentIds: readonly string[], filters: readonly (string | undefined)[]): Promise<number>;
  /** Returns how many traces were deleted. */
  deleteTraces(input: DeleteTracesInput): Promise<number>;
  setTraceTag(traceId: string, key: string, value: string): Promise<void>;
  deleteTraceTag(traceId: string, key: string): Promise<void>;
  /** At most 100 traces; unknown traces or run -> errors, nothing linked. */
  linkTracesToRun(runId: string, traceIds: readonly string[]): Promise<void>;

  // The legacy v2 lifecycle.
  /** Starts an IN_PROGRESS trace with a generated 32-hex id. */
  startTraceV2(
    experimentId: string,
    timestampMs: number,
    metadata: Readonly<Record<string, string>>,
    tags: Readonly<Record<string, string>>,
  ): Promise<TraceInfoV3>;
  endTraceV2(traceId: string, input: EndTraceInput): Promise<TraceInfoV3>;

  // Spans.
  /**
   * Stores spans sent over OTLP into `experimentId`, creating or updating each trace's info
   * (time range; state from its root span). One transaction: all or nothing.
   */
  logSpans(experimentId: string, spans: readonly SpanRecord[]): Promise<void>;
  /** The stored spans of each trace, ordered by start time. */
  getSpans(traceIds: readonly string[]): Promise<ReadonlyMap<string, readonly StoredSpan[]>>;

  // Assessments.
  createAssessment(traceId: string, input: AssessmentInput): Promise<Assessment>;
  getAssessment(traceId: string, assessmentId: string): Promise<Assessment>;
  updateAssessment(
    traceId: string,
    assessmentId: string,
    input: AssessmentInput,
    fields: readonly AssessmentUpdateField[],
  ): Promise<Assessment>;
  deleteAssessment(traceId: string, assessmentId: string): Promise<void>;
}
