/** What every part of the SQL tracking store works with. */
import { invalidParameter, notFound } from '@keel/contract';
import type { Kysely } from 'kysely';
import type { PreparedQueries } from '../prepared.js';
import type { TrackingSchema } from '../schema.js';
import type { SqlDatabase } from '../sql-database.js';
import type { PagedHistories } from './metric-pages.js';

export interface SqlTrackingStoreOptions {
  /** Root under which experiments without an explicit location get `<root>/<id>`. */
  readonly defaultArtifactRoot: string;
  /** Truncate over-long param and tag values (MLflow's default) instead of refusing them. */
  readonly truncateLongValues: boolean;
  /** Longest experiment `artifact_location` accepted. */
  readonly artifactLocationMaxLength: number;
  /** Directory relative artifact locations are resolved against. */
  readonly cwd: string;
  /**
   * Further checks of a client-given experiment location, run after MLflow's own (the server's
   * artifact-location policy: no traversal, storable schemes, local paths inside the roots).
   */
  readonly checkArtifactLocation?: (location: string) => Promise<void>;
  /** Clock, in epoch milliseconds (tests pin it). */
  readonly now?: () => number;
}

export interface SqlStoreContext {
  readonly database: SqlDatabase<TrackingSchema>;
  readonly options: SqlTrackingStoreOptions;
  /** Hot-path query shapes compiled once (see `prepared.ts`). */
  readonly prepared: PreparedQueries<TrackingSchema>;
  /** Points of histories being read page by page (see `metric-pages.ts`). */
  readonly pagedHistories: PagedHistories;
  now(): number;
}

type Db = Kysely<TrackingSchema>;

/** The run's row, or RESOURCE_DOES_NOT_EXIST with MLflow's message. */
export async function requireRun(db: Db, runId: string) {
  const row = await db.selectFrom('runs').selectAll().where('run_uuid', '=', runId).executeTakeFirst();
  if (row === undefined) throw notFound(`Run with id=${runId} not found`);
  return row;
}

/** The run's row when it is active; a deleted run -> INVALID_PARAMETER_VALUE, as MLflow answers. */
export async function requireActiveRun(db: Db, runId: string) {
  const row = await requireRun(db, runId);
  if (row.lifecycle_stage !== 'active') {
    throw invalidParameter(`The run ${runId} must be in the 'active' state. Current state is ${row.lifecycle_stage}.`);
  }
  return row;
}
