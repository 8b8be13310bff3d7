/**
 * Assessments of traces: feedback and expectations, created, read, updated (by field mask) and
 * deleted. An assessment may override another, which is then invalid until its overrider is
 * deleted.
 */
import { randomUUID } from 'node:crypto';
import { type Assessment, invalidParameter, notFound } from '@keel/contract';
import type { AssessmentInput, AssessmentUpdateField } from '../../trace-store.js';
import { assessmentFromRow } from './assessment-rows.js';
import type { SqlTraceContext, TraceDb } from './context.js';
import { traceNotFound } from './context.js';

function assessmentNotFound(assessmentId: string, traceId: string): Error {
  return notFound(`Assessment with ID '${assessmentId}' not found for trace '${traceId}'`);
}

async function requireAssessmentRow(db: TraceDb, traceId: string, assessmentId: string) {
  const row = await db
    .selectFrom('assessments')
    .selectAll()
    .where('assessment_id', '=', assessmentId)
    .where('request_id', '=', traceId)
    .executeTakeFirst();
  if (row === undefined) throw assessmentNotFound(assessmentId, traceId);
  return row;
}

function toJson(value: unknown): string {
  return JSON.stringify(value === undefined ? null : value);
}

function metadataJson(metadata: Readonly<Record<string, string>> | undefined): string | null {
  return metadata === undefined || Object.keys(metadata).length === 0 ? null : JSON.stringify(metadata);
}

function errorJson(error: { error_code?: string; error_message?: string } | undefined): string | null {
  return error === undefined ? null : JSON.stringify(error);
}

export async function createAssessment(
  ctx: SqlTraceContext,
  traceId: string,
  input: AssessmentInput,
): Promise<Assessment> {
  // MLflow's message: neither a feedback nor an expectation was given.
  if (input.feedback === undefined && input.expectation === undefined) {
    throw invalidParameter('Unknown assessment type: None');
  }
  return ctx.database.transaction(async (db) => {
    const trace = await db
      .selectFrom('trace_info')
      .select('request_id')
      .where('request_id', '=', traceId)
      .executeTakeFirst();
    if (trace === undefined) throw traceNotFound(traceId);
    if (input.overrides !== undefined) {
      await requireAssessmentRow(db, traceId, input.overrides);
      await db
        .updateTable('assessments')
        .set({ valid: 0 })
        .where('assessment_id', '=', input.overrides)
        .where('request_id', '=', traceId)
        .execute();
    }
    const now = ctx.now();
    const isFeedback = input.feedback !== undefined;
    const row = {
      assessment_id: `a-${randomUUID().replaceAll('-', '')}`,
      request_id: traceId,
      name: input.assessment_name ?? '',
      assessment_type: isFeedback ? 'feedback' : 'expectation',
      value: toJson(isFeedback ? input.feedback?.value : input.expectation?.value),
      error: errorJson(input.feedback?.error),
      created_timestamp: input.create_time_ms ?? now,
      last_updated_timestamp: input.last_update_time_ms ?? now,
      source_type: input.source?.source_type ?? 'SOURCE_TYPE_UNSPECIFIED',
      source_id: input.source?.source_id ?? null,
      run_id: input.run_id ?? null,
      span_id: input.span_id ?? null,
      rationale: input.rationale ?? null,
      overrides: input.overrides ?? null,
      valid: 1,
      metadata: metadataJson(input.metadata),
    };
    await db.insertInto('assessments').values(row).execute();
    return assessmentFromRow(row);
  });
}

export async function getAssessment(ctx: SqlTraceContext, traceId: string, assessmentId: string): Promise<Assessment> {
  return ctx.database.read(async (db) => assessmentFromRow(await requireAssessmentRow(db, traceId, assessmentId)));
}

export async function updateAssessment(
  ctx: SqlTraceContext,
  traceId: string,
  assessmentId: string,
  input: AssessmentInput,
  fields: readonly AssessmentUpdateField[],
): Promise<Assessment> {
  return ctx.database.transaction(async (db) => {
    const row = await requireAssessmentRow(db, traceId, assessmentId);
    const update: Record<string, unknown> = {};
    for (const field of fields) {
      switch (field) {
        case 'assessment_name':
          update.name = input.assessment_name ?? '';
          break;
        case 'rationale':
          update.rationale = input.rationale ?? null;
          break;
        case 'metadata':
          update.metadata = metadataJson(input.metadata);
          break;
        case 'feedback':
          if (row.assessment_type !== 'feedback') {
            throw invalidParameter('Cannot update feedback value on an Expectation assessment.');
          }
          update.value = toJson(input.feedback?.value);
          update.error = errorJson(input.feedback?.error);
          break;
        case 'expectation':
          if (row.assessment_type !== 'expectation') {
            throw invalidParameter('Cannot update expectation value on a Feedback assessment.');
          }
          update.value = toJson(input.expectation?.value);
          break;
      }
    }
    update.last_updated_timestamp = ctx.now();
    await db.updateTable('assessments').set(update).where('assessment_id', '=', assessmentId).execute();
    return assessmentFromRow(await requireAssessmentRow(db, traceId, assessmentId));
  });
}

/** Deletes an assessment; the one it overrode becomes valid again. */
export async function deleteAssessment(ctx: SqlTraceContext, traceId: string, assessmentId: string): Promise<void> {
  await ctx.database.transaction(async (db) => {
    const row = await requireAssessmentRow(db, traceId, assessmentId);
    await db.deleteFrom('assessments').where('assessment_id', '=', assessmentId).execute();
    if (row.overrides !== null) {
      await db
        .updateTable('assessments')
        .set({ valid: 1 })
        .where('assessment_id', '=', row.overrides)
        .where('request_id', '=', traceId)
        .execute();
    }
  });
}
