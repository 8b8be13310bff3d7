/** What every part of the SQL trace store works with. */
import { appendToUri, notFound } from '@keel/contract';
import type { Kysely } from 'kysely';
import type { PreparedQueries } from '../prepared.js';
import type { TrackingSchema } from '../schema.js';
import type { SqlDatabase } from '../sql-database.js';
import { requireActiveExperiment } from '../tracking/experiments.js';
import { parseExperimentId } from '../tracking/rows.js';
import type { TraceSchema } from './schema.js';

/** The tables the trace store reads: its own and the experiments and runs traces belong to. */
export type TraceStoreSchema = TrackingSchema & TraceSchema;
export type TraceDb = Kysely<TraceStoreSchema>;

export interface SqlTraceContext {
  readonly database: SqlDatabase<TraceStoreSchema>;
  /** Clock, in epoch milliseconds. */
  now(): number;
  /** Hot statements (span ingest), compiled once per shape. */
  readonly prepared: PreparedQueries<TraceStoreSchema>;
}

/** The tag holding where a trace's data (`traces.json`, attachments) is kept. */
export const ARTIFACT_LOCATION_TAG = 'mlflow.artifactLocation';

/** `<experiment location>/traces/<trace id>/artifacts`, as MLflow lays trace artifacts out. */
export function traceArtifactLocation(experimentLocation: string, traceId: string): string {
  return appendToUri(experimentLocation, 'traces', traceId, 'artifacts');
}

/** MLflow's RESOURCE_DOES_NOT_EXIST for an unknown trace. */
export function traceNotFound(traceId: string): Error {
  return notFound(`Trace with ID '${traceId}' not found.`);
}

/** The trace's row, or RESOURCE_DOES_NOT_EXIST. */
export async function requireTraceRow(db: TraceDb, traceId: string) {
  const row = await db.selectFrom('trace_info').selectAll().where('request_id', '=', traceId).executeTakeFirst();
  if (row === undefined) throw traceNotFound(traceId);
  return row;
}

/** Splits `items` into chunks that fit a statement's bound-parameter budget. */
export function chunked<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Sizes an id list is padded to, so that `in (...)` statements come in few cached shapes. */
const PADDED_SIZES = [1, 10, 50, 100, 500] as const;

/**
 * `ids` padded (repeating the last id) to the next of a few sizes, at most 500; longer lists
 * are split by the caller. Repeating an id in an `in` list changes no answer.
 */
export function padIds(ids: readonly string[]): string[] {
  const size = PADDED_SIZES.find((s) => s >= ids.length) ?? ids.length;
  const padded = ids.slice();
  while (padded.length < size) padded.push(ids[ids.length - 1] as string);
  return padded;
}

/** What trace writes need of their experiment. */
export interface TraceExperiment {
  readonly experiment_id: number;
  readonly artifact_location: string;
}

/**
 * The experiment traces are written to, when it exists and is active: one cached statement on
 * the hot path (every span export and trace start), the tracking store's checks and errors
 * otherwise.
 */
export async function activeExperiment(
  ctx: SqlTraceContext,
  db: TraceDb,
  experimentId: string,
): Promise<TraceExperiment> {
  const id = parseExperimentId(experimentId);
  if (id !== undefined) {
    const query = ctx.prepared.bind('select-trace-experiment', [id], (q, p) =>
      q
        .selectFrom('experiments')
        .select(['experiment_id', 'artifact_location', 'lifecycle_stage'])
        .where('experiment_id', '=', p(0)),
    );
    const { rows } = await db.executeQuery<TraceExperiment & { lifecycle_stage: string }>(query);
    const row = rows[0];
    if (row !== undefined && row.lifecycle_stage === 'active') return row;
  }
  return requireActiveExperiment(db, experimentId);
}
