/**
 * Spans received over OTLP: stored one row per span, keyed by trace, each trace's info created
 * or widened to cover its spans' time range, with its state taken from the root span.
 */
import type { SpanRecord, StoredSpan } from '../../trace-store.js';
import { chunkSizes, placeholderRows } from '../prepared.js';
import {
  ARTIFACT_LOCATION_TAG,
  activeExperiment,
  chunked,
  padIds,
  type SqlTraceContext,
  type TraceDb,
  type TraceExperiment,
  traceArtifactLocation,
} from './context.js';

const IDS_PER_QUERY = 500;
/** Columns per span row; rows per statement stay within the dialect's parameter budget. */
const SPAN_COLUMNS = [
  'trace_id',
  'span_id',
  'experiment_id',
  'parent_span_id',
  'name',
  'type',
  'status',
  'start_time_unix_nano',
  'end_time_unix_nano',
  'content',
] as const;
const TRACE_INFO_COLUMNS = [
  'request_id',
  'experiment_id',
  'timestamp_ms',
  'execution_time_ms',
  'status',
  'client_request_id',
  'request_preview',
  'response_preview',
] as const;

interface TraceSpan {
  startMs: number;
  endMs?: number;
  root?: SpanRecord;
}

interface TraceRange {
  readonly request_id: string;
  readonly timestamp_ms: number;
  readonly execution_time_ms: number | null;
  readonly status: string;
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

/**
 * Stores a batch of spans in one group-committed write: one query for the traces already
 * known, one multi-row insert for the new traces (and one for their artifact-location tags),
 * and one multi-row upsert per 500 spans. Every statement is compiled once per shape.
 */
export async function logSpans(
  ctx: SqlTraceContext,
  experimentId: string,
  spans: readonly SpanRecord[],
): Promise<void> {
  if (spans.length === 0) return;
  const traces = summarize(spans);
  // Group-committed: concurrent exports share one transaction, each in its own savepoint.
  await ctx.database.write(async (db) => {
    const experiment = await activeExperiment(ctx, db, experimentId);
    const existing = await knownTraces(ctx, db, [...traces.keys()]);
    await writeTraceInfos(ctx, db, experiment, traces, existing);
    await insertSpans(ctx, db, experiment.experiment_id, spans);
  });
}

/** The time range and state of those of `ids` already stored. */
async function knownTraces(
  ctx: SqlTraceContext,
  db: TraceDb,
  ids: readonly string[],
): Promise<Map<string, TraceRange>> {
  const existing = new Map<string, TraceRange>();
  for (const chunk of chunked(ids, IDS_PER_QUERY)) {
    const padded = padIds(chunk);
    const query = ctx.prepared.bind(`select-trace-ranges-${padded.length}`, padded, (q, p) =>
      q
        .selectFrom('trace_info')
        .select(['request_id', 'timestamp_ms', 'execution_time_ms', 'status'])
        .where(
          'request_id',
          'in',
          padded.map((_, i) => p(i)),
        ),
    );
    const { rows } = await db.executeQuery<TraceRange>(query);
    for (const row of rows) existing.set(row.request_id, row);
  }
  return existing;
}

/** Creates the traces first seen in this batch and widens the others. */
async function writeTraceInfos(
  ctx: SqlTraceContext,
  db: TraceDb,
  experiment: TraceExperiment,
  traces: ReadonlyMap<string, TraceSpan>,
  existing: ReadonlyMap<string, TraceRange>,
): Promise<void> {
  const created: string[] = [];
  const infoValues: unknown[] = [];
  const tagValues: unknown[] = [];
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
      const query = ctx.prepared.bind('update-trace-range', [startMs, executionMs, status, traceId], (q, p) =>
        q
          .updateTable('trace_info')
          .set({ timestamp_ms: p(0), execution_time_ms: p(1), status: p(2) })
          .where('request_id', '=', p(3)),
      );
      await db.executeQuery(query);
      continue;
    }
    created.push(traceId);
    infoValues.push(traceId, experiment.experiment_id, startMs, executionMs, status, null, null, null);
    tagValues.push(traceId, ARTIFACT_LOCATION_TAG, traceArtifactLocation(experiment.artifact_location, traceId));
  }
  let offset = 0;
  for (const size of chunkSizes(created.length, 1000)) {
    const infos = infoValues.slice(offset * TRACE_INFO_COLUMNS.length, (offset + size) * TRACE_INFO_COLUMNS.length);
    await db.executeQuery(
      ctx.prepared.bind(`insert-trace-infos-${size}`, infos, (q, p) =>
        q.insertInto('trace_info').values(placeholderRows(TRACE_INFO_COLUMNS, size, p)),
      ),
    );
    const tags = tagValues.slice(offset * 3, (offset + size) * 3);
    await db.executeQuery(
      ctx.prepared.bind(`insert-trace-artifact-tags-${size}`, tags, (q, p) =>
        q.insertInto('trace_tags').values(placeholderRows(['request_id', 'key', 'value'], size, p)),
      ),
    );
    offset += size;
  }
}

async function insertSpans(
  ctx: SqlTraceContext,
  db: TraceDb,
  experimentId: number,
  spans: readonly SpanRecord[],
): Promise<void> {
  // A span sent twice (an exporter's retry) replaces the first copy; within one batch the last wins.
  const unique = new Map<string, SpanRecord>();
  for (const span of spans) unique.set(`${span.trace_id}\u0000${span.span_id}`, span);
  const rows = unique.size === spans.length ? spans : [...unique.values()];
  let offset = 0;
  for (const size of chunkSizes(rows.length, Math.floor(ctx.database.maxParameters / SPAN_COLUMNS.length))) {
    const values = new Array<unknown>(size * SPAN_COLUMNS.length);
    for (let r = 0; r < size; r++) {
      const span = rows[offset + r] as SpanRecord;
      const c = r * SPAN_COLUMNS.length;
      values[c] = span.trace_id;
      values[c + 1] = span.span_id;
      values[c + 2] = experimentId;
      values[c + 3] = span.parent_span_id ?? null;
      values[c + 4] = span.name;
      values[c + 5] = span.type ?? null;
      values[c + 6] = span.status;
      values[c + 7] = span.start_time_unix_nano;
      values[c + 8] = span.end_time_unix_nano ?? null;
      values[c + 9] = span.content;
    }
    await db.executeQuery(ctx.prepared.bind(`upsert-spans-${size}`, values, (q, p) => upsertSpans(q, size, p)));
    offset += size;
  }
}

/** `insert into spans ... on conflict (trace_id, span_id) do update` for `size` rows of placeholders. */
function upsertSpans(db: TraceDb, size: number, p: (i: number) => never) {
  return db
    .insertInto('spans')
    .values(placeholderRows(SPAN_COLUMNS, size, p))
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
    );
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
