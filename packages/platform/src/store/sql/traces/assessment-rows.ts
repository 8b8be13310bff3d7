/** Row <-> wire mapping of assessments: JSON columns, MLflow's value forms, timestamps. */
import { type Assessment, type AssessmentSourceType, formatTimestamp } from '@keel/contract';
import type { Selectable } from 'kysely';
import type { AssessmentsTable } from './schema.js';

function parseJson(text: string | null): unknown {
  return text === null ? undefined : JSON.parse(text);
}

function isPrimitive(value: unknown): boolean {
  return value === null || typeof value !== 'object';
}

/**
 * The wire form of a stored assessment. Feedback carries its JSON value (null beside an error);
 * an expectation carries a primitive as `value` and anything else as JSON text in
 * `serialized_value`, as MLflow's entity does.
 */
export function assessmentFromRow(row: Selectable<AssessmentsTable>): Assessment {
  const out: Record<string, unknown> = {
    assessment_id: row.assessment_id,
    assessment_name: row.name,
    trace_id: row.request_id,
  };
  if (row.span_id !== null) out.span_id = row.span_id;
  out.source =
    row.source_id === null
      ? { source_type: row.source_type as AssessmentSourceType }
      : { source_type: row.source_type as AssessmentSourceType, source_id: row.source_id };
  out.create_time = formatTimestamp(Number(row.created_timestamp));
  out.last_update_time = formatTimestamp(Number(row.last_updated_timestamp));
  const value = parseJson(row.value);
  if (row.assessment_type === 'feedback') {
    const error = parseJson(row.error);
    out.feedback = error === undefined ? { value: value ?? null } : { value: value ?? null, error };
  } else if (isPrimitive(value)) {
    out.expectation = { value: value ?? null };
  } else {
    out.expectation = { serialized_value: { serialization_format: 'JSON_FORMAT', value: JSON.stringify(value) } };
  }
  if (row.rationale !== null) out.rationale = row.rationale;
  const metadata = parseJson(row.metadata) as Record<string, string> | undefined;
  if (metadata !== undefined && Object.keys(metadata).length > 0) out.metadata = metadata;
  if (row.overrides !== null) out.overrides = row.overrides;
  out.valid = row.valid !== 0;
  if (row.run_id !== null) out.run_id = row.run_id;
  return out as unknown as Assessment;
}
