/**
 * Turns trace_info rows into v3 trace infos: their tags, request metadata and assessments are
 * read for the whole batch at once (a page of search results costs three small cached queries).
 */
import { type Assessment, formatDuration, formatTimestamp, type TraceInfoV3, type TraceState } from '@keel/contract';
import type { Selectable } from 'kysely';
import { assessmentFromRow } from './assessment-rows.js';
import { chunked, padIds, type SqlTraceContext, type TraceDb } from './context.js';
import type { AssessmentsTable, TraceInfoTable } from './schema.js';

type TraceRow = Selectable<TraceInfoTable>;

/** Ids per `in (...)` list: far below every dialect's parameter limit. */
const IDS_PER_QUERY = 500;

async function keyValuesByTrace(
  ctx: SqlTraceContext,
  db: TraceDb,
  table: 'trace_tags' | 'trace_request_metadata',
  ids: readonly string[],
): Promise<Map<string, Record<string, string>>> {
  const out = new Map<string, Record<string, string>>();
  for (const chunk of chunked(ids, IDS_PER_QUERY)) {
    const padded = padIds(chunk);
    const query = ctx.prepared.bind(`select-${table}-of-${padded.length}`, padded, (q, p) =>
      q
        .selectFrom(table)
        .select(['request_id', 'key', 'value'])
        .where(
          'request_id',
          'in',
          padded.map((_, i) => p(i)),
        ),
    );
    const { rows } = await db.executeQuery<{ request_id: string; key: string; value: string }>(query);
    for (const row of rows) {
      let map = out.get(row.request_id);
      if (map === undefined) {
        map = {};
        out.set(row.request_id, map);
      }
      map[row.key] = row.value;
    }
  }
  return out;
}

async function assessmentsByTrace(
  ctx: SqlTraceContext,
  db: TraceDb,
  ids: readonly string[],
): Promise<Map<string, Assessment[]>> {
  const out = new Map<string, Assessment[]>();
  for (const chunk of chunked(ids, IDS_PER_QUERY)) {
    const padded = padIds(chunk);
    const query = ctx.prepared.bind(`select-assessments-of-${padded.length}`, padded, (q, p) =>
      q
        .selectFrom('assessments')
        .selectAll()
        .where(
          'request_id',
          'in',
          padded.map((_, i) => p(i)),
        )
        .orderBy('created_timestamp')
        .orderBy('assessment_id'),
    );
    const { rows } = await db.executeQuery<Selectable<AssessmentsTable>>(query);
    for (const row of rows) {
      const list = out.get(row.request_id) ?? [];
      list.push(assessmentFromRow(row));
      out.set(row.request_id, list);
    }
  }
  return out;
}

/** v3 infos of `rows`, in their order: three cached statements for a whole page. */
export async function loadTraceInfos(
  ctx: SqlTraceContext,
  db: TraceDb,
  rows: readonly TraceRow[],
): Promise<TraceInfoV3[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.request_id);
  const tags = await keyValuesByTrace(ctx, db, 'trace_tags', ids);
  const metadata = await keyValuesByTrace(ctx, db, 'trace_request_metadata', ids);
  const assessments = await assessmentsByTrace(ctx, db, ids);
  return rows.map((row) =>
    toTraceInfo(row, metadata.get(row.request_id), tags.get(row.request_id), assessments.get(row.request_id)),
  );
}

/** The v3 info of a row and its parts; empty parts are left out, as MLflow leaves them. */
export function toTraceInfo(
  row: TraceRow,
  traceMetadata: Readonly<Record<string, string>> | undefined,
  traceTags: Readonly<Record<string, string>> | undefined,
  traceAssessments: readonly Assessment[] | undefined,
): TraceInfoV3 {
  const info: Record<string, unknown> = {
    trace_id: row.request_id,
    trace_location: { type: 'MLFLOW_EXPERIMENT', mlflow_experiment: { experiment_id: String(row.experiment_id) } },
    request_time: formatTimestamp(Number(row.timestamp_ms)),
    state: row.status as TraceState,
  };
  if (row.client_request_id !== null) info.client_request_id = row.client_request_id;
  if (row.request_preview !== null) info.request_preview = row.request_preview;
  if (row.response_preview !== null) info.response_preview = row.response_preview;
  if (row.execution_time_ms !== null) info.execution_duration = formatDuration(Number(row.execution_time_ms));
  if (traceMetadata !== undefined && Object.keys(traceMetadata).length > 0) info.trace_metadata = traceMetadata;
  if (traceAssessments !== undefined && traceAssessments.length > 0) info.assessments = traceAssessments;
  if (traceTags !== undefined && Object.keys(traceTags).length > 0) info.tags = traceTags;
  return info as unknown as TraceInfoV3;
}

/** The v3 info of one trace row. */
export async function loadTraceInfo(ctx: SqlTraceContext, db: TraceDb, row: TraceRow): Promise<TraceInfoV3> {
  return (await loadTraceInfos(ctx, db, [row]))[0] as TraceInfoV3;
}
