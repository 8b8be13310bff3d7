/**
 * Turns a decoded `Assessment` message into what the trace store records: protobuf timestamps to
 * milliseconds, an expectation's `serialized_value` to its JSON value, and an update mask (in
 * either case) to the fields it names.
 */
import { invalidParameter, type MessageOf, parseTimestamp, type traces } from '@keel/contract';
import type { AssessmentInput, AssessmentUpdateField } from '../store/trace-store.js';

type AssessmentMessage = MessageOf<typeof traces.AssessmentMsg>;

function expectationValue(expectation: NonNullable<AssessmentMessage['expectation']>): { value: unknown } {
  const serialized = expectation.serialized_value;
  if (serialized === undefined) return { value: expectation.value ?? null };
  const format = serialized.serialization_format ?? 'JSON_FORMAT';
  if (format !== 'JSON_FORMAT') {
    throw invalidParameter(`Unsupported serialization format '${format}' for an expectation value; use JSON_FORMAT.`);
  }
  try {
    return { value: JSON.parse(serialized.value ?? 'null') };
  } catch {
    throw invalidParameter('The serialized value of the expectation is not valid JSON.');
  }
}

/** The store input of a decoded assessment message. */
export function assessmentInputOf(message: AssessmentMessage): AssessmentInput {
  const input: Record<string, unknown> = {};
  if (message.assessment_name !== undefined) input.assessment_name = message.assessment_name;
  if (message.span_id !== undefined) input.span_id = message.span_id;
  if (message.source !== undefined) input.source = message.source;
  if (message.create_time !== undefined) input.create_time_ms = parseTimestamp(message.create_time);
  if (message.last_update_time !== undefined) input.last_update_time_ms = parseTimestamp(message.last_update_time);
  if (message.feedback !== undefined) {
    input.feedback = {
      value: message.feedback.value ?? null,
      ...(message.feedback.error === undefined ? {} : { error: message.feedback.error }),
    };
  }
  if (message.expectation !== undefined) input.expectation = expectationValue(message.expectation);
  if (message.rationale !== undefined) input.rationale = message.rationale;
  if (message.metadata !== undefined) input.metadata = message.metadata;
  if (message.overrides !== undefined && message.overrides !== '') input.overrides = message.overrides;
  if (message.run_id !== undefined) input.run_id = message.run_id;
  return input as AssessmentInput;
}

const UPDATABLE: readonly AssessmentUpdateField[] = [
  'assessment_name',
  'feedback',
  'expectation',
  'rationale',
  'metadata',
];

/** The fields of an update mask (`"assessmentName,feedback"`: protobuf's JSON form, or snake case). */
export function updateFieldsOf(mask: string): AssessmentUpdateField[] {
  const fields = mask
    .split(',')
    .map((path) => path.trim())
    .filter((path) => path !== '')
    .map((path) => path.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`));
  for (const field of fields) {
    if (!(UPDATABLE as readonly string[]).includes(field)) {
      throw invalidParameter(`Invalid field '${field}' in update_mask. Updatable fields are: ${UPDATABLE.join(', ')}.`);
    }
  }
  if (fields.length === 0) throw invalidParameter('The update_mask names no field to update.');
  return fields as AssessmentUpdateField[];
}
