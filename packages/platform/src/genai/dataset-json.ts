/**
 * The JSON that evaluation-dataset requests carry inside strings (MLflow sends `tags` and
 * `records` as JSON text): parsing it with clear INVALID_PARAMETER_VALUE errors, the canonical
 * form records are keyed by, and the bounds that keep one request from exhausting the server.
 */
import { createHash } from 'node:crypto';
import {
  DATASET_RECORD_SOURCE_TYPES,
  type DatasetRecordSource,
  type DatasetRecordSourceType,
  echoValue,
  invalidParameter,
  invalidParameterValue,
} from '@keel/contract';

/** Most records one upsert may carry (a larger import is split by the client). */
export const MAX_RECORDS_PER_UPSERT = 10_000;
/** Longest tag key and value of a dataset or record. */
export const MAX_TAG_KEY_LENGTH = 250;
export const MAX_TAG_VALUE_LENGTH = 8000;

/** One record as a client sends it, validated. */
export interface DatasetRecordInput {
  readonly inputs: Readonly<Record<string, unknown>>;
  readonly outputs?: Readonly<Record<string, unknown>>;
  readonly expectations?: Readonly<Record<string, unknown>>;
  readonly tags?: Readonly<Record<string, string>>;
  readonly source?: DatasetRecordSource;
}

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function parseJsonText(text: string, field: string, expected: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw invalidParameterValue(field, text, `it must be ${expected} in JSON.`);
  }
}

/** A tag value as stored: strings as they are, numbers and booleans in their JSON spelling. */
function tagValue(value: unknown, field: string, key: string): string {
  const text =
    typeof value === 'string'
      ? value
      : typeof value === 'number' || typeof value === 'boolean'
        ? JSON.stringify(value)
        : undefined;
  if (text === undefined) throw invalidParameter(`Tag '${key}' in '${field}' must have a string value.`);
  if (text.length > MAX_TAG_VALUE_LENGTH) {
    throw invalidParameter(
      `The value of tag '${key}' in '${field}' exceeds the maximum length of ${MAX_TAG_VALUE_LENGTH} characters.`,
    );
  }
  return text;
}

function checkTagKey(key: string, field: string): void {
  if (key === '') throw invalidParameter(`Tag keys in '${field}' must not be empty.`);
  if (key.length > MAX_TAG_KEY_LENGTH) {
    throw invalidParameter(
      `Tag key '${key.slice(0, 40)}...' in '${field}' exceeds the maximum length of ${MAX_TAG_KEY_LENGTH} characters.`,
    );
  }
}

/**
 * Parses dataset tags (`{"key": "value"}` in a string). With `allowNull`, a null value means
 * "delete this tag" (MLflow's set-tags semantics).
 */
export function parseTagsJson(text: string, field: string, allowNull: true): Record<string, string | null>;
export function parseTagsJson(text: string, field: string, allowNull?: false): Record<string, string>;
export function parseTagsJson(text: string, field: string, allowNull = false): Record<string, string | null> {
  const value = parseJsonText(text, field, 'an object of tags');
  if (!isObject(value)) throw invalidParameterValue(field, text, 'it must be an object of tags in JSON.');
  const out: Record<string, string | null> = {};
  for (const [key, raw] of Object.entries(value)) {
    checkTagKey(key, field);
    out[key] = raw === null && allowNull ? null : tagValue(raw, field, key);
  }
  return out;
}

/** Deepest nesting a record's values may have (a bound on the work of hashing and storing them). */
export const MAX_RECORD_DEPTH = 64;

/** The nesting depth of a JSON value, counted without recursion (stopping past `limit`). */
function depthOf(value: unknown, limit: number): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [current, depth] = stack.pop() as [unknown, number];
    if (depth > deepest) deepest = depth;
    if (deepest > limit) return deepest;
    if (current !== null && typeof current === 'object') {
      for (const child of Object.values(current as object)) stack.push([child, depth + 1]);
    }
  }
  return deepest;
}

function objectField(record: JsonObject, name: string, index: number): Record<string, unknown> | undefined {
  const value = record[name];
  if (value === undefined || value === null) return undefined;
  if (!isObject(value)) {
    throw invalidParameter(`Record ${index} of 'records': '${name}' must be a JSON object, got ${echoValue(value)}.`);
  }
  if (depthOf(value, MAX_RECORD_DEPTH) > MAX_RECORD_DEPTH) {
    throw invalidParameter(
      `Record ${index} of 'records': '${name}' is nested more than ${MAX_RECORD_DEPTH} levels deep.`,
    );
  }
  return value;
}

function recordTags(record: JsonObject, index: number): Record<string, string> | undefined {
  const tags = objectField(record, 'tags', index);
  if (tags === undefined) return undefined;
  const field = `records[${index}].tags`;
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(tags)) {
    checkTagKey(key, field);
    out[key] = tagValue(value, field, key);
  }
  return out;
}

function recordSource(record: JsonObject, index: number): DatasetRecordSource | undefined {
  const source = objectField(record, 'source', index);
  if (source === undefined) return undefined;
  const type = source.source_type ?? 'SOURCE_TYPE_UNSPECIFIED';
  if (typeof type !== 'string' || !(DATASET_RECORD_SOURCE_TYPES as readonly string[]).includes(type)) {
    throw invalidParameter(
      `Record ${index} of 'records': unknown source_type ${JSON.stringify(type)}; expected one of ${DATASET_RECORD_SOURCE_TYPES.join(', ')}.`,
    );
  }
  const data = objectField(source, 'source_data', index);
  return { source_type: type as DatasetRecordSourceType, ...(data === undefined ? {} : { source_data: data }) };
}

/** Parses the records of an upsert (a JSON array of record objects in a string). */
export function parseRecordsJson(text: string): DatasetRecordInput[] {
  const value = parseJsonText(text, 'records', 'an array of records');
  if (!Array.isArray(value)) throw invalidParameterValue('records', text, 'it must be an array of records in JSON.');
  if (value.length > MAX_RECORDS_PER_UPSERT) {
    throw invalidParameter(
      `An upsert may carry at most ${MAX_RECORDS_PER_UPSERT} records, got ${value.length}. Send them in several requests.`,
    );
  }
  return value.map((item, index): DatasetRecordInput => {
    if (!isObject(item)) throw invalidParameter(`Record ${index} of 'records' must be a JSON object.`);
    const outputs = objectField(item, 'outputs', index);
    const expectations = objectField(item, 'expectations', index);
    const tags = recordTags(item, index);
    const source = recordSource(item, index);
    return {
      inputs: objectField(item, 'inputs', index) ?? {},
      ...(outputs === undefined ? {} : { outputs }),
      ...(expectations === undefined ? {} : { expectations }),
      ...(tags === undefined ? {} : { tags }),
      ...(source === undefined ? {} : { source }),
    };
  });
}

/** JSON with object keys sorted at every level, so equal values have one spelling. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (isObject(value)) {
    const keys = Object.keys(value).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** The key records are upserted by: the SHA-256 of their inputs' canonical JSON. */
export function inputHash(inputs: Readonly<Record<string, unknown>>): string {
  return createHash('sha256').update(canonicalJson(inputs)).digest('hex');
}

/** A dataset's digest: eight hex digits of its name and last update time, so it changes with every upsert. */
export function datasetDigest(name: string, lastUpdateTime: number): string {
  return createHash('sha256').update(`${name}:${lastUpdateTime}`).digest('hex').slice(0, 8);
}

/**
 * JSON as Python's `json.dumps` writes it by default (`", "` and `": "` separators, non-ASCII
 * escaped), the spelling MLflow answers JSON-in-string fields with.
 */
export function toPythonJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(toPythonJson).join(', ')}]`;
  if (isObject(value)) {
    return `{${Object.entries(value)
      .map(([k, v]) => `${asciiJson(k)}: ${toPythonJson(v)}`)
      .join(', ')}}`;
  }
  if (typeof value === 'string') return asciiJson(value);
  return JSON.stringify(value) ?? 'null';
}

function asciiJson(text: string): string {
  return JSON.stringify(text).replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
