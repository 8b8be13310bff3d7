/**
 * Spans received over OTLP: stored one row per span, keyed by trace, each trace's info created
 * or widened to cover its spans' time range, with its state taken from the root span.
 */
import type { SpanRecord, StoredSpan } from '../../trace-store.js';
import { requireActiveExperiment } from '../tracking/experiments.js';
import {
  ARTIFACT_LOCATION_TAG,
  chunked,
  type SqlTraceContext,
  type TraceDb,
  traceArtifactLocation,
} from './context.js';

const IDS_PER_QUERY = 500;
/** Columns per span row; rows per statement stay within the dialect's parameter budget. */
const SPAN_COLUMNS = 10;

interface TraceSpan {
  startMs: number;
  endMs?: number;
  root?: SpanRecord;
}

/** Whole milliseconds of a nanosecond time written in decimal (exact: no float rounding). */
function millis(nanos: string): number {
  return nanos.length <= 6 ? 0 : Number(nanos.slice(0, -6));
}

/** Time range (in milliseconds) and root span of each trace in a batch. */
function summarize(spans: readonly SpanRecord[]): Map<string, TraceSpan> {
  const out = new Map<string, TraceSpan>();
  for (const span of spans) {
    const start = millis(span.start_time_unix_nano);
    const end = span.end_time_unix_nano === undefined ? undefined : millis(span.end_time_unix_nano);
    let summary = out.get(span.trace_id);
    if (summary === undefined) {
      summary = { startMs: start };
      out.set(span.trace_id, summary);
    }
    if (start < summary.startMs) summary.startMs = start;
    if (end !== undefined && (summary.endMs === undefined || end > summary.endMs)) summary.endMs = end;
    if (span.parent_span_id === undefined) summary.root = span;
  }
  return out;
}

/** A finished root span without an explicit error counts as a success, as MLflow's spans end. */
function stateOfRoot(root: SpanRecord): string {
  return root.status === 'ERROR' ? 'ERROR' : 'OK';
}

export async function logSpans(
  ctx: SqlTraceContext,
  experimentId: string,
  spans: readonly SpanRecord[],
): Promise<void> {
  if (spans.length === 0) return;
  const traces = summarize(spans);
  // Group-committed: concurrent exports share one transaction, each in its own savepoint.
  await ctx.database.write(async (db) => {
    const experiment = await requireActiveExperiment(db, experimentId);
    const existing = new Map<string, { timestamp_ms: number; execution_time_ms: number | null; status: string }>();
    for (const chunk of chunked([...traces.keys()], IDS_PER_QUERY)) {
      const rows = await db
        .selectFrom('trace_info')
        .select(['request_id', 'timestamp_ms', 'execution_time_ms', 'status'])
        .where('request_id', 'in', chunk)
        .execute();
      for (const row of rows) existing.set(row.request_id, row);
    }
    await writeTraceInfos(db, experiment, traces, existing);
    await insertSpans(db, experiment.experiment_id, spans, ctx.database.maxParameters);
  });
}

/** Creates the traces first seen in this batch and widens the others (one statement per table for new ones). */
async function writeTraceInfos(
  db: TraceDb,
  experiment: { experiment_id: number; artifact_location: string },
  traces: ReadonlyMap<string, TraceSpan>,
  existing: ReadonlyMap<string, { timestamp_ms: number; execution_time_ms: number | null; status: string }>,
): Promise<void> {
  const created = [];
  for (const [traceId, summary] of traces) {
    const current = existing.get(traceId);
    let startMs = summary.startMs;
    let endMs = summary.endMs;
    if (current !== undefined) {
      const currentStart = Number(current.timestamp_ms);
      const currentEnd =
        current.execution_time_ms === null ? undefined : currentStart + Number(current.execution_time_ms);
      startMs = Math.min(startMs, currentStart);
      if (currentEnd !== undefined) endMs = endMs === undefined ? currentEnd : Math.max(endMs, currentEnd);
    }
    const executionMs = endMs === undefined ? null : endMs - startMs;
    const status = summary.root !== undefined ? stateOfRoot(summary.root) : (current?.status ?? 'IN_PROGRESS');
    if (current !== undefined) {
      await db
        .updateTable('trace_info')
        .set({ timestamp_ms: startMs, execution_time_ms: executionMs, status })
        .where('request_id', '=', traceId)
        .execute();
      continue;
    }
    created.push({
      request_id: traceId,
      experiment_id: experiment.experiment_id,
      timestamp_ms: startMs,
      execution_time_ms: executionMs,
      status,
      client_request_id: null,
      request_preview: null,
      response_preview: null,
    });
  }
  for (const chunk of chunked(created, 1000)) {
    await db.insertInto('trace_info').values(chunk).execute();
    await db
      .insertInto('trace_tags')
      .values(
        chunk.map((row) => ({
          request_id: row.request_id,
          key: ARTIFACT_LOCATION_TAG,
          value: traceArtifactLocation(experiment.artifact_location, row.request_id),
        })),
      )
      .execute();
  }
}

async function insertSpans(
  db: TraceDb,
  experimentId: number,
  spans: readonly SpanRecord[],
  maxParameters: number,
): Promise<void> {
  // A span sent twice (an exporter's retry) replaces the first copy; within one batch the last wins.
  const unique = new Map<string, SpanRecord>();
  for (const span of spans) unique.set(`${span.trace_id}\u0000${span.span_id}`, span);
  const rows = [...unique.values()].map((span) => ({
    trace_id: span.trace_id,
    span_id: span.span_id,
    experiment_id: experimentId,
    parent_span_id: span.parent_span_id ?? null,
    name: span.name,
    type: span.type ?? null,
    status: span.status,
    start_time_unix_nano: span.start_time_unix_nano,
    end_time_unix_nano: span.end_time_unix_nano ?? null,
    content: span.content,
  }));
  for (const chunk of chunked(rows, Math.floor(maxParameters / SPAN_COLUMNS))) {
    await db
      .insertInto('spans')
      .values(chunk)
      .onConflict((oc) =>
        oc.columns(['trace_id', 'span_id']).doUpdateSet((eb) => ({
          parent_span_id: eb.ref('excluded.parent_span_id'),
          name: eb.ref('excluded.name'),
          type: eb.ref('excluded.type'),
          status: eb.ref('excluded.status'),
          start_time_unix_nano: eb.ref('excluded.start_time_unix_nano'),
          end_time_unix_nano: eb.ref('excluded.end_time_unix_nano'),
          content: eb.ref('excluded.content'),
        })),
      )
      .execute();
  }
}

/** Each trace's spans (their dictionaries as JSON text), ordered by start time. */
export async function getSpans(
  ctx: SqlTraceContext,
  traceIds: readonly string[],
): Promise<ReadonlyMap<string, readonly StoredSpan[]>> {
  const out = new Map<string, StoredSpan[]>();
  await ctx.database.read(async (db) => {
    for (const chunk of chunked([...new Set(traceIds)], IDS_PER_QUERY)) {
      const rows = await db
        .selectFrom('spans')
        .select(['trace_id', 'content'])
        .where('trace_id', 'in', chunk)
        .orderBy('trace_id')
        .orderBy('start_time_unix_nano')
        .orderBy('span_id')
        .execute();
      for (const row of rows) {
        const list = out.get(row.trace_id) ?? [];
        list.push(row.content);
        out.set(row.trace_id, list);
      }
    }
  });
  return out;
}
