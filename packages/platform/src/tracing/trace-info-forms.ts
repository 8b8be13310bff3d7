/**
 * Translations between the wire forms of a trace's info: the v3 form the store returns and the
 * legacy v2 form (epoch milliseconds, key/value lists) older client calls answer with, and the
 * experiment a v3 trace location names.
 */
import {
  badRequest,
  type KeyValue,
  parseDuration,
  parseTimestamp,
  type TraceInfoV2,
  type TraceInfoV3,
  type TraceLocation,
  type TraceState,
  type TraceStatus,
} from '@keel/contract';

function keyValues(map: Readonly<Record<string, string>> | undefined): KeyValue[] | undefined {
  if (map === undefined) return undefined;
  const list = Object.entries(map).map(([key, value]) => ({ key, value }));
  return list.length === 0 ? undefined : list;
}

/** The v2 status of a v3 state. */
export function statusOfState(state: TraceState): TraceStatus {
  return state === 'STATE_UNSPECIFIED' ? 'TRACE_STATUS_UNSPECIFIED' : state;
}

/** The v3 state of a v2 status. */
export function stateOfStatus(status: TraceStatus): TraceState {
  return status === 'TRACE_STATUS_UNSPECIFIED' ? 'STATE_UNSPECIFIED' : status;
}

/** The v2 form of a trace info; an unknown execution time reads 0, as MLflow's does. */
export function toTraceInfoV2(info: TraceInfoV3): TraceInfoV2 {
  const out: Record<string, unknown> = {
    request_id: info.trace_id,
    experiment_id: info.trace_location.mlflow_experiment?.experiment_id ?? '',
    timestamp_ms: parseTimestamp(info.request_time) ?? 0,
    execution_time_ms: info.execution_duration === undefined ? 0 : (parseDuration(info.execution_duration) ?? 0),
    status: statusOfState(info.state),
  };
  const metadata = keyValues(info.trace_metadata);
  if (metadata !== undefined) out.request_metadata = metadata;
  const tags = keyValues(info.tags);
  if (tags !== undefined) out.tags = tags;
  return out as unknown as TraceInfoV2;
}

/** A key/value list as a map (later keys win). */
export function mapOf(list: readonly KeyValue[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const { key, value } of list ?? []) out[key] = value;
  return out;
}

/**
 * The experiment a v3 trace location names. A trace without one cannot be stored: MLflow fails
 * on its experiment column and answers BAD_REQUEST, and so does Keel, saying why.
 */
export function experimentOfLocation(
  location:
    | { readonly type?: TraceLocation['type']; readonly mlflow_experiment?: { readonly experiment_id?: string } }
    | undefined,
): string {
  const experimentId = location?.mlflow_experiment?.experiment_id;
  if (experimentId === undefined || experimentId === '') {
    throw badRequest('trace_info.trace_location must name an MLflow experiment (mlflow_experiment.experiment_id).');
  }
  if (location?.type !== undefined && location.type !== 'MLFLOW_EXPERIMENT') {
    throw badRequest(`Traces can only be stored in MLflow experiments, not in a location of type ${location.type}.`);
  }
  return experimentId;
}
