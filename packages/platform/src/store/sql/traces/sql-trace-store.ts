/**
 * The SQL implementation of `TraceStore`, one codebase for SQLite and PostgreSQL. It shares the
 * tracking store's database (traces belong to experiments and link to runs); each family of
 * methods lives in its own module and this class wires them to one context.
 */
import type {
  AssessmentInput,
  AssessmentUpdateField,
  DeleteTracesInput,
  EndTraceInput,
  SearchTracesInput,
  SpanRecord,
  StartTraceInput,
  TraceStore,
} from '../../trace-store.js';
import { migrateToLatest } from '../migrations/index.js';
import { PreparedQueries } from '../prepared.js';
import type { SqlDatabase } from '../sql-database.js';
import * as assessments from './assessments.js';
import type { SqlTraceContext, TraceStoreSchema } from './context.js';
import { requireTraceRow } from './context.js';
import * as spans from './spans.js';
import { loadTraceInfo, loadTraceInfos } from './trace-loader.js';
import * as search from './trace-search.js';
import * as writes from './trace-writes.js';

export interface SqlTraceStoreOptions {
  /** Clock, in epoch milliseconds (tests pin it). */
  readonly now?: () => number;
}

export class SqlTraceStore implements TraceStore {
  private readonly ctx: SqlTraceContext;

  private constructor(database: SqlDatabase<TraceStoreSchema>, options: SqlTraceStoreOptions) {
    this.ctx = { database, now: options.now ?? Date.now, prepared: new PreparedQueries(database.db) };
  }

  /** Applies pending migrations (a no-op when the tracking store already did) and returns the store. */
  static async open(
    database: SqlDatabase<TraceStoreSchema>,
    options: SqlTraceStoreOptions = {},
  ): Promise<SqlTraceStore> {
    await migrateToLatest(database as SqlDatabase<unknown>);
    return new SqlTraceStore(database, Object.freeze({ ...options }));
  }

  startTrace(input: StartTraceInput) {
    return writes.startTrace(this.ctx, input);
  }
  getTraceInfo(traceId: string) {
    return this.ctx.database.read(async (db) => loadTraceInfo(this.ctx, db, await requireTraceRow(db, traceId)));
  }
  getTraceInfos(traceIds: readonly string[]) {
    return this.ctx.database.read(async (db) => {
      const unique = [...new Set(traceIds)];
      if (unique.length === 0) return [];
      const rows = await db.selectFrom('trace_info').selectAll().where('request_id', 'in', unique).execute();
      const byId = new Map(rows.map((row) => [row.request_id, row]));
      return loadTraceInfos(
        this.ctx,
        db,
        unique.flatMap((id) => byId.get(id) ?? []),
      );
    });
  }
  searchTraces(input: SearchTracesInput) {
    return search.searchTraces(this.ctx, input);
  }
  countTraces(experimentIds: readonly string[], filters: readonly (string | undefined)[]) {
    return search.countTraces(this.ctx, experimentIds, filters);
  }
  deleteTraces(input: DeleteTracesInput) {
    return writes.deleteTraces(this.ctx, input);
  }
  setTraceTag(traceId: string, key: string, value: string) {
    return writes.setTraceTag(this.ctx, traceId, key, value);
  }
  deleteTraceTag(traceId: string, key: string) {
    return writes.deleteTraceTag(this.ctx, traceId, key);
  }
  linkTracesToRun(runId: string, traceIds: readonly string[]) {
    return writes.linkTracesToRun(this.ctx, runId, traceIds);
  }
  startTraceV2(
    experimentId: string,
    timestampMs: number,
    metadata: Readonly<Record<string, string>>,
    tags: Readonly<Record<string, string>>,
  ) {
    return writes.startTraceV2(this.ctx, experimentId, timestampMs, metadata, tags);
  }
  endTraceV2(traceId: string, input: EndTraceInput) {
    return writes.endTraceV2(this.ctx, traceId, input);
  }
  logSpans(experimentId: string, records: readonly SpanRecord[]) {
    return spans.logSpans(this.ctx, experimentId, records);
  }
  getSpans(traceIds: readonly string[]) {
    return spans.getSpans(this.ctx, traceIds);
  }
  createAssessment(traceId: string, input: AssessmentInput) {
    return assessments.createAssessment(this.ctx, traceId, input);
  }
  getAssessment(traceId: string, assessmentId: string) {
    return assessments.getAssessment(this.ctx, traceId, assessmentId);
  }
  updateAssessment(
    traceId: string,
    assessmentId: string,
    input: AssessmentInput,
    fields: readonly AssessmentUpdateField[],
  ) {
    return assessments.updateAssessment(this.ctx, traceId, assessmentId, input, fields);
  }
  deleteAssessment(traceId: string, assessmentId: string) {
    return assessments.deleteAssessment(this.ctx, traceId, assessmentId);
  }
}
