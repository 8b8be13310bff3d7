/**
 * Trace endpoints: MLflow 3's v3 calls (start, get, batch get, search, delete, tags, filter
 * correlation) and the legacy v2 calls (start/end, info, search, tags, delete, link to run).
 * The store answers in the v3 form; v2 answers are translated here.
 */
import {
  invalidParameter,
  type MessageOf,
  missingParameter,
  parseDuration,
  parseTimestamp,
  type Trace,
  type TraceInfoV3,
  traces,
} from '@keel/contract';
import type { StartTraceInput } from '../../store/trace-store.js';
import { filterCorrelation } from '../../tracing/filter-correlation.js';
import { toOtlpSpan } from '../../tracing/span-forms.js';
import { experimentOfLocation, mapOf, stateOfStatus, toTraceInfoV2 } from '../../tracing/trace-info-forms.js';
import type { AppDeps } from '../deps.js';
import { bind, pageResponse } from '../handler.js';

/** Longest trace id accepted (MLflow's ids are `tr-` + 32 hex digits; v2 ids 32 hex digits). */
const MAX_TRACE_ID_LENGTH = 256;
/** Most traces one batchGet returns with their spans. */
const MAX_BATCH_GET = 100;

type TraceInfoMessage = MessageOf<typeof traces.TraceInfoV3Msg>;

function startInputOf(info: TraceInfoMessage, now: number): StartTraceInput {
  const traceId = info.trace_id;
  if (traceId === undefined || traceId === '') throw missingParameter('trace.trace_info.trace_id');
  if (traceId.length > MAX_TRACE_ID_LENGTH) {
    throw invalidParameter(`Trace id is longer than ${MAX_TRACE_ID_LENGTH} characters.`);
  }
  const input: Record<string, unknown> = {
    trace_id: traceId,
    experiment_id: experimentOfLocation(info.trace_location),
    request_time_ms: info.request_time === undefined ? now : parseTimestamp(info.request_time),
    state: info.state ?? 'STATE_UNSPECIFIED',
  };
  if (info.execution_duration !== undefined) input.execution_time_ms = parseDuration(info.execution_duration);
  if (info.client_request_id !== undefined) input.client_request_id = info.client_request_id;
  if (info.request_preview !== undefined) input.request_preview = info.request_preview;
  if (info.response_preview !== undefined) input.response_preview = info.response_preview;
  if (info.trace_metadata !== undefined) input.trace_metadata = info.trace_metadata;
  if (info.tags !== undefined) input.tags = info.tags;
  return input as unknown as StartTraceInput;
}

/** Traces with their stored spans (a trace whose spans are elsewhere has none). */
async function withSpans(deps: AppDeps, infos: readonly TraceInfoV3[]): Promise<Trace[]> {
  const spans = await deps.traces.getSpans(infos.map((info) => info.trace_id));
  return infos.map((trace_info) => {
    const stored = spans.get(trace_info.trace_id) ?? [];
    return stored.length === 0 ? { trace_info } : { trace_info, spans: stored.map(toOtlpSpan) };
  });
}

export const traceRoutes = [
  bind(traces.startTraceV3, async (req, { deps }) => ({
    trace: { trace_info: await deps.traces.startTrace(startInputOf(req.trace.trace_info, Date.now())) },
  })),
  bind(traces.searchTracesV3, async (req, { deps }) => {
    const experimentIds = req.locations.map((location) => experimentOfLocation(location));
    return pageResponse('traces', await deps.traces.searchTraces({ ...req, experiment_ids: experimentIds }));
  }),
  bind(traces.deleteTracesV3, async (req, { deps }) => ({
    traces_deleted: await deps.traces.deleteTraces({ ...req, trace_ids: req.request_ids ?? [] }),
  })),
  bind(traces.batchGetTraces, async (req, { deps }) => {
    if (req.trace_ids.length > MAX_BATCH_GET) {
      throw invalidParameter(`At most ${MAX_BATCH_GET} traces can be fetched at once; got ${req.trace_ids.length}.`);
    }
    const found = await withSpans(deps, await deps.traces.getTraceInfos(req.trace_ids));
    return found.length === 0 ? {} : { traces: found };
  }),
  bind(traces.getTrace, async (req, { deps }) => {
    const [trace] = await withSpans(deps, [await deps.traces.getTraceInfo(req.trace_id)]);
    return { trace: trace as Trace };
  }),
  bind(traces.calculateTraceFilterCorrelation, async (req, { deps }) => {
    const ids = req.experiment_ids;
    const base = req.base_filter;
    const [total, count1, count2, joint] = await Promise.all([
      deps.traces.countTraces(ids, [base]),
      deps.traces.countTraces(ids, [base, req.filter_string1]),
      deps.traces.countTraces(ids, [base, req.filter_string2]),
      deps.traces.countTraces(ids, [base, req.filter_string1, req.filter_string2]),
    ]);
    return filterCorrelation(joint, count1, count2, total);
  }),
  bind(traces.getTraceInfoV3, async (req, { deps }) => ({
    trace: { trace_info: await deps.traces.getTraceInfo(req.trace_id) },
  })),
  bind(traces.setTraceTagV3, async (req, { deps }) => {
    await deps.traces.setTraceTag(req.trace_id, req.key, req.value);
    return {};
  }),
  bind(traces.deleteTraceTagV3, async (req, { deps }) => {
    await deps.traces.deleteTraceTag(req.trace_id, req.key);
    return {};
  }),

  // Legacy v2 calls.
  bind(traces.startTrace, async (req, { deps }) => {
    const info = await deps.traces.startTraceV2(
      req.experiment_id,
      req.timestamp_ms ?? Date.now(),
      mapOf(req.request_metadata),
      mapOf(req.tags),
    );
    return { trace_info: toTraceInfoV2(info) };
  }),
  bind(traces.searchTraces, async (req, { deps }) => {
    const page = await deps.traces.searchTraces(req);
    return pageResponse('traces', { ...page, items: page.items.map(toTraceInfoV2) });
  }),
  bind(traces.deleteTraces, async (req, { deps }) => ({
    traces_deleted: await deps.traces.deleteTraces({ ...req, trace_ids: req.request_ids ?? [] }),
  })),
  bind(traces.linkTracesToRun, async (req, { deps }) => {
    await deps.traces.linkTracesToRun(req.run_id, req.trace_ids ?? []);
    return {};
  }),
  bind(traces.endTrace, async (req, { deps }) => {
    const info = await deps.traces.endTraceV2(req.request_id, {
      ...(req.timestamp_ms === undefined ? {} : { timestamp_ms: req.timestamp_ms }),
      ...(req.status === undefined ? {} : { state: stateOfStatus(req.status) }),
      request_metadata: mapOf(req.request_metadata),
      tags: mapOf(req.tags),
    });
    return { trace_info: toTraceInfoV2(info) };
  }),
  bind(traces.getTraceInfo, async (req, { deps }) => ({
    trace_info: toTraceInfoV2(await deps.traces.getTraceInfo(req.request_id)),
  })),
  bind(traces.setTraceTag, async (req, { deps }) => {
    await deps.traces.setTraceTag(req.request_id, req.key, req.value);
    return {};
  }),
  bind(traces.deleteTraceTag, async (req, { deps }) => {
    await deps.traces.deleteTraceTag(req.request_id, req.key);
    return {};
  }),
];
