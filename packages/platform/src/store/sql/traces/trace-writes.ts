/**
 * Writing trace infos: the v3 start (create or replace), tags, deletion, links to runs, and the
 * legacy v2 start/end pair.
 */
import { randomUUID } from 'node:crypto';
import { badRequest, invalidParameter, notFound, type TraceInfoV3 } from '@keel/contract';
import type { Selectable } from 'kysely';
import type { DeleteTracesInput, EndTraceInput, StartTraceInput } from '../../trace-store.js';
import { chunkSizes } from '../prepared.js';
import { requireRun } from '../tracking/context.js';
import { requireActiveExperiment } from '../tracking/experiments.js';
import { assessmentFromRow } from './assessment-rows.js';
import {
  ARTIFACT_LOCATION_TAG,
  activeExperiment,
  chunked,
  requireTraceRow,
  type SqlTraceContext,
  type TraceDb,
  traceArtifactLocation,
  traceNotFound,
} from './context.js';
import type { AssessmentsTable } from './schema.js';
import { loadTraceInfo, toTraceInfo } from './trace-loader.js';

/** MLflow's limits on trace tags. */
const MAX_TAG_KEY_LENGTH = 250;
const MAX_TAG_VALUE_LENGTH = 8000;
/** At most this many traces are linked to a run per request (MLflow's limit). */
const MAX_LINKED_TRACES = 100;
const IDS_PER_QUERY = 500;

/** Sets keys of a trace's tags or metadata, keeping the others. */
export async function upsertKeyValues(
  db: TraceDb,
  table: 'trace_tags' | 'trace_request_metadata',
  traceId: string,
  values: Readonly<Record<string, string>>,
): Promise<void> {
  const rows = Object.entries(values).map(([key, value]) => ({ request_id: traceId, key, value }));
  for (const chunk of chunked(rows, 1000)) {
    await db
      .insertInto(table)
      .values(chunk)
      .onConflict((oc) => oc.columns(['request_id', 'key']).doUpdateSet((eb) => ({ value: eb.ref('excluded.value') })))
      .execute();
  }
}

/** Keys of tags and metadata are bounded like tag keys (they are part of a primary key). */
function checkKeys(map: Readonly<Record<string, string>> | undefined, field: string): void {
  for (const key of Object.keys(map ?? {})) {
    if (key.length > MAX_TAG_KEY_LENGTH) {
      throw invalidParameter(`A key of '${field}' exceeds the maximum length of ${MAX_TAG_KEY_LENGTH} characters`);
    }
  }
}

/** Replaces a trace's tags or metadata by `values`, with statements compiled once per shape. */
async function replaceKeyValuesPrepared(
  ctx: SqlTraceContext,
  db: TraceDb,
  table: 'trace_tags' | 'trace_request_metadata',
  traceId: string,
  values: Readonly<Record<string, string>>,
): Promise<void> {
  await db.executeQuery(
    ctx.prepared.bind(`delete-${table}`, [traceId], (q, p) => q.deleteFrom(table).where('request_id', '=', p(0))),
  );
  const flat: unknown[] = [];
  for (const [key, value] of Object.entries(values)) flat.push(traceId, key, value);
  let offset = 0;
  for (const size of chunkSizes(flat.length / 3, 500)) {
    await db.executeQuery(
      ctx.prepared.bind(`insert-${table}-${size}`, flat.slice(offset * 3, (offset + size) * 3), (q, p) =>
        q
          .insertInto(table)
          .values(
            Array.from({ length: size }, (_, r) => ({ request_id: p(3 * r), key: p(3 * r + 1), value: p(3 * r + 2) })),
          ),
      ),
    );
    offset += size;
  }
}

/** Creates the trace, or replaces every part of its info (tags and metadata included). */
export async function startTrace(ctx: SqlTraceContext, input: StartTraceInput): Promise<TraceInfoV3> {
  checkKeys(input.tags, 'tags');
  checkKeys(input.trace_metadata, 'trace_metadata');
  // Group-committed: every traced call of an application ends in one of these.
  return ctx.database.write(async (db) => {
    const experiment = await activeExperiment(ctx, db, input.experiment_id);
    const row = {
      request_id: input.trace_id,
      experiment_id: experiment.experiment_id,
      timestamp_ms: input.request_time_ms,
      execution_time_ms: input.execution_time_ms ?? null,
      status: input.state,
      client_request_id: input.client_request_id ?? null,
      request_preview: input.request_preview ?? null,
      response_preview: input.response_preview ?? null,
    };
    await db.executeQuery(
      ctx.prepared.bind('upsert-trace-info', Object.values(row), (q, p) =>
        q
          .insertInto('trace_info')
          .values({
            request_id: p(0),
            experiment_id: p(1),
            timestamp_ms: p(2),
            execution_time_ms: p(3),
            status: p(4),
            client_request_id: p(5),
            request_preview: p(6),
            response_preview: p(7),
          })
          .onConflict((oc) =>
            oc.column('request_id').doUpdateSet((eb) => ({
              experiment_id: eb.ref('excluded.experiment_id'),
              timestamp_ms: eb.ref('excluded.timestamp_ms'),
              execution_time_ms: eb.ref('excluded.execution_time_ms'),
              status: eb.ref('excluded.status'),
              client_request_id: eb.ref('excluded.client_request_id'),
              request_preview: eb.ref('excluded.request_preview'),
              response_preview: eb.ref('excluded.response_preview'),
            })),
          ),
      ),
    );
    const tags = {
      ...input.tags,
      [ARTIFACT_LOCATION_TAG]: traceArtifactLocation(experiment.artifact_location, input.trace_id),
    };
    const metadata = input.trace_metadata ?? {};
    await replaceKeyValuesPrepared(ctx, db, 'trace_request_metadata', input.trace_id, metadata);
    await replaceKeyValuesPrepared(ctx, db, 'trace_tags', input.trace_id, tags);
    // The answer is what was just written; only assessments (kept across a restart) are read back.
    const { rows: assessments } = await db.executeQuery<Selectable<AssessmentsTable>>(
      ctx.prepared.bind('select-trace-assessments', [input.trace_id], (q, p) =>
        q
          .selectFrom('assessments')
          .selectAll()
          .where('request_id', '=', p(0))
          .orderBy('created_timestamp')
          .orderBy('assessment_id'),
      ),
    );
    return toTraceInfo(row, metadata, tags, assessments.map(assessmentFromRow));
  });
}

function checkTag(key: string, value: string): void {
  if (key.length > MAX_TAG_KEY_LENGTH) {
    throw invalidParameter(`'key' exceeds the maximum length of ${MAX_TAG_KEY_LENGTH} characters`);
  }
  if (value.length > MAX_TAG_VALUE_LENGTH) {
    throw invalidParameter(`'value' exceeds the maximum length of ${MAX_TAG_VALUE_LENGTH} characters`);
  }
}

export async function setTraceTag(ctx: SqlTraceContext, traceId: string, key: string, value: string): Promise<void> {
  checkTag(key, value);
  await ctx.database.transaction(async (db) => {
    const found = await db
      .selectFrom('trace_info')
      .select('request_id')
      .where('request_id', '=', traceId)
      .executeTakeFirst();
    // MLflow answers 400 BAD_REQUEST here (a failed foreign key), not 404.
    if (found === undefined) throw badRequest(`Trace with ID '${traceId}' not found.`);
    await upsertKeyValues(db, 'trace_tags', traceId, { [key]: value });
  });
}

export async function deleteTraceTag(ctx: SqlTraceContext, traceId: string, key: string): Promise<void> {
  const result = await ctx.database.transaction((db) =>
    db.deleteFrom('trace_tags').where('request_id', '=', traceId).where('key', '=', key).executeTakeFirst(),
  );
  if (Number(result.numDeletedRows) === 0) {
    throw notFound(`No trace tag with key '${key}' for trace with ID '${traceId}'`);
  }
}

function checkDeleteCriteria(input: DeleteTracesInput): void {
  const hasIds = input.trace_ids !== undefined && input.trace_ids.length > 0;
  const hasTime = input.max_timestamp_millis !== undefined;
  if (!hasIds && !hasTime) throw invalidParameter('Either `max_timestamp_millis` or `trace_ids` must be specified.');
  if (hasIds && hasTime) throw invalidParameter('Only one of `max_timestamp_millis` and `trace_ids` can be specified.');
  if (hasIds && input.max_traces !== undefined) {
    throw invalidParameter("`max_traces` can't be specified if `trace_ids` is specified.");
  }
  if (input.max_traces !== undefined && input.max_traces <= 0) {
    throw invalidParameter(`\`max_traces\` must be a positive integer, received ${input.max_traces}.`);
  }
}

/** Deletes traces of one experiment (their tags, metadata, spans, links and assessments too). */
export async function deleteTraces(ctx: SqlTraceContext, input: DeleteTracesInput): Promise<number> {
  checkDeleteCriteria(input);
  const experimentId = Number(input.experiment_id);
  if (!Number.isSafeInteger(experimentId)) return 0;
  return ctx.database.transaction(async (db) => {
    let ids: string[];
    if (input.trace_ids !== undefined && input.trace_ids.length > 0) {
      ids = [];
      for (const chunk of chunked([...new Set(input.trace_ids)], IDS_PER_QUERY)) {
        const rows = await db
          .selectFrom('trace_info')
          .select('request_id')
          .where('experiment_id', '=', experimentId)
          .where('request_id', 'in', chunk)
          .execute();
        ids.push(...rows.map((r) => r.request_id));
      }
    } else {
      let query = db
        .selectFrom('trace_info')
        .select('request_id')
        .where('experiment_id', '=', experimentId)
        .where('timestamp_ms', '<=', input.max_timestamp_millis as number)
        .orderBy('timestamp_ms')
        .orderBy('request_id');
      if (input.max_traces !== undefined) query = query.limit(input.max_traces);
      ids = (await query.execute()).map((r) => r.request_id);
    }
    for (const chunk of chunked(ids, IDS_PER_QUERY)) {
      await db.deleteFrom('trace_info').where('request_id', 'in', chunk).execute();
    }
    return ids.length;
  });
}

export async function linkTracesToRun(ctx: SqlTraceContext, runId: string, traceIds: readonly string[]): Promise<void> {
  if (traceIds.length > MAX_LINKED_TRACES) {
    throw invalidParameter(
      `Cannot link more than ${MAX_LINKED_TRACES} traces to a run in a single request. Provided ${traceIds.length} traces.`,
    );
  }
  const unique = [...new Set(traceIds)];
  await ctx.database.transaction(async (db) => {
    await requireRun(db, runId);
    if (unique.length === 0) return;
    const found = new Set(
      (await db.selectFrom('trace_info').select('request_id').where('request_id', 'in', unique).execute()).map(
        (r) => r.request_id,
      ),
    );
    const missing = unique.find((id) => !found.has(id));
    if (missing !== undefined) throw traceNotFound(missing);
    await db
      .insertInto('trace_run_links')
      .values(unique.map((id) => ({ request_id: id, run_uuid: runId })))
      .onConflict((oc) => oc.columns(['request_id', 'run_uuid']).doNothing())
      .execute();
  });
}

/** The v2 start: a new IN_PROGRESS trace with a generated id. */
export async function startTraceV2(
  ctx: SqlTraceContext,
  experimentId: string,
  timestampMs: number,
  metadata: Readonly<Record<string, string>>,
  tags: Readonly<Record<string, string>>,
): Promise<TraceInfoV3> {
  checkKeys(tags, 'tags');
  checkKeys(metadata, 'request_metadata');
  const traceId = randomUUID().replaceAll('-', '');
  return ctx.database.transaction(async (db) => {
    const experiment = await requireActiveExperiment(db, experimentId);
    await db
      .insertInto('trace_info')
      .values({
        request_id: traceId,
        experiment_id: experiment.experiment_id,
        timestamp_ms: timestampMs,
        execution_time_ms: null,
        status: 'IN_PROGRESS',
        client_request_id: null,
        request_preview: null,
        response_preview: null,
      })
      .execute();
    await upsertKeyValues(db, 'trace_request_metadata', traceId, metadata);
    await upsertKeyValues(db, 'trace_tags', traceId, {
      ...tags,
      [ARTIFACT_LOCATION_TAG]: traceArtifactLocation(experiment.artifact_location, traceId),
    });
    return loadTraceInfo(ctx, db, await requireTraceRow(db, traceId));
  });
}

/** The v2 end: the execution time from the end timestamp, the final state, more metadata and tags. */
export async function endTraceV2(ctx: SqlTraceContext, traceId: string, input: EndTraceInput): Promise<TraceInfoV3> {
  checkKeys(input.tags, 'tags');
  checkKeys(input.request_metadata, 'request_metadata');
  return ctx.database.transaction(async (db) => {
    const row = await requireTraceRow(db, traceId);
    const update: { execution_time_ms?: number; status?: string } = {};
    if (input.timestamp_ms !== undefined) update.execution_time_ms = input.timestamp_ms - Number(row.timestamp_ms);
    if (input.state !== undefined) update.status = input.state;
    if (Object.keys(update).length > 0) {
      await db.updateTable('trace_info').set(update).where('request_id', '=', traceId).execute();
    }
    await upsertKeyValues(db, 'trace_request_metadata', traceId, input.request_metadata ?? {});
    await upsertKeyValues(db, 'trace_tags', traceId, input.tags ?? {});
    return loadTraceInfo(ctx, db, await requireTraceRow(db, traceId));
  });
}
