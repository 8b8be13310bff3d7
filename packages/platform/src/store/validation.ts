/**
 * MLflow's validation rules for keys, values and limits (limits-and-errors.md §4-§6), shared
 * by every store implementation so that the embedded store and the server refuse the same input
 * with the same messages.
 */
import { invalidParameter, type WireDouble } from '@keel/contract';

export const LIMITS = {
  experimentName: 500,
  entityKey: 250,
  paramValue: 6000,
  runTagValue: 8000,
  experimentTagValue: 5000,
  runName: 250,
  artifactLocation: 2048,
  batchMetrics: 1000,
  batchParams: 100,
  batchTags: 100,
  batchTotal: 1000,
  datasetName: 500,
  datasetDigest: 36,
  datasetSource: 65_535,
  datasetSchema: 1_048_575,
  datasetProfile: 16_777_215,
  inputTagKey: 255,
  inputTagValue: 500,
} as const;

const BAD_CHARACTERS =
  'Names may only contain alphanumerics, underscores (_), dashes (-), periods (.), spaces ( ), colon(:) and slashes (/).';
// Python's \w is Unicode-aware: letters, digits, combining marks and underscore.
const VALID_NAME = /^[/\p{L}\p{N}\p{Mn}\p{Mc}_.\- :]*$/u;

/** `posixpath.normpath`, used to refuse keys that would name a different file. */
export function normalizePosixPath(path: string): string {
  if (path === '') return '.';
  const leading = path.startsWith('/') ? (path.startsWith('//') && !path.startsWith('///') ? 2 : 1) : 0;
  const parts: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part !== '..' || (leading === 0 && parts.length === 0) || parts.at(-1) === '..') parts.push(part);
    else if (parts.length > 0) parts.pop();
  }
  const joined = '/'.repeat(leading) + parts.join('/');
  return joined === '' ? '.' : joined;
}

function invalidValue(path: string, value: unknown, message: string): Error {
  return invalidParameter(`Invalid value ${JSON.stringify(value)} for parameter '${path}' supplied: ${message}`);
}

/**
 * Checks a metric, param or tag key: allowed characters, and a normalised relative path
 * (`a//b`, `/a`, `..x`, `.` are refused). `path` names the field in the error message.
 */
export function validateKeyName(key: string, path: string): void {
  if (!VALID_NAME.test(key)) throw invalidValue(path, key, BAD_CHARACTERS);
  const normalized = normalizePosixPath(key);
  if (normalized !== key || normalized === '.' || normalized.startsWith('..') || normalized.startsWith('/')) {
    throw invalidValue(
      path,
      key,
      `Names may be treated as files in certain cases, and must not resolve to other names when treated as such. This name would resolve to '${normalized}'`,
    );
  }
}

/**
 * Where the string's first `limit` characters end, in UTF-16 units; `value.length` when it has
 * no more than `limit`. Characters are code points, as MLflow (Python) counts them: an emoji is
 * one character, and a cut never falls between the two halves of a surrogate pair.
 */
function endOfCharacters(value: string, limit: number): number {
  // Fewer units than the limit means fewer characters too: the common case costs nothing.
  if (value.length <= limit) return value.length;
  let units = 0;
  for (let chars = 0; chars < limit && units < value.length; chars++) {
    const c = value.charCodeAt(units);
    units += c >= 0xd800 && c <= 0xdbff && units + 1 < value.length ? 2 : 1;
  }
  return units;
}

function exceeds(value: string, limit: number): boolean {
  return endOfCharacters(value, limit) < value.length;
}

/** Refuses a value longer than `limit` characters. */
export function checkLength(field: string, value: string | undefined, limit: number): void {
  if (value !== undefined && exceeds(value, limit)) {
    throw invalidParameter(`'${field}' exceeds the maximum length of ${limit} characters`);
  }
}

/** Truncates an over-long param or tag value when allowed (MLflow's default), refuses it otherwise. */
export function limitValue(field: string, value: string, limit: number, truncate: boolean): string {
  const end = endOfCharacters(value, limit);
  if (end === value.length) return value;
  if (truncate) return value.slice(0, end);
  throw invalidParameter(`'${field}' exceeds the maximum length of ${limit} characters`);
}

/**
 * Refuses a run name over 250 characters (the reference database column's width), whether it
 * comes as `run_name` or as the `mlflow.runName` tag that mirrors it.
 */
export function checkRunName(field: string, name: string | undefined): void {
  checkLength(field, name, LIMITS.runName);
}

/** Python's `repr` of a float, as MLflow's messages print metric values (`1.0`, `nan`, `inf`). */
export function pythonFloat(value: WireDouble): string {
  const n = typeof value === 'number' ? value : value === 'NaN' ? Number.NaN : value === 'Infinity' ? 1 / 0 : -1 / 0;
  if (Number.isNaN(n)) return 'nan';
  if (!Number.isFinite(n)) return n > 0 ? 'inf' : '-inf';
  if (Number.isInteger(n) && Math.abs(n) < 1e16) return `${n}.0`;
  return String(n).replace(/e([+-])(\d)$/, 'e$10$2');
}

/** Checks a metric point's timestamp (the key is checked with `validateKeyName`). */
export function validateMetricPoint(key: string, value: WireDouble, timestamp: number, path: string): void {
  if (timestamp < 0) {
    throw invalidParameter(
      `Invalid value ${timestamp} for parameter '${path}timestamp' supplied: metric '${key}' (value=${pythonFloat(value)}). Timestamp must be a nonnegative long (64-bit integer) `,
    );
  }
}

/** Refuses batches over MLflow's per-request limits, before anything is written. */
export function validateBatchLimits(metrics: number, params: number, tags: number): void {
  const over = (what: string, limit: number, got: number) =>
    invalidParameter(
      `A batch logging request can contain at most ${limit} ${what}. Got ${got} ${what}. Please split up ${what} across multiple requests and try again.`,
    );
  if (metrics > LIMITS.batchMetrics) throw over('metrics', LIMITS.batchMetrics, metrics);
  if (params > LIMITS.batchParams) throw over('params', LIMITS.batchParams, params);
  if (tags > LIMITS.batchTags) throw over('tags', LIMITS.batchTags, tags);
  const total = metrics + params + tags;
  if (total > LIMITS.batchTotal) throw over('metrics, params, and tags', LIMITS.batchTotal, total);
}

/** Run IDs referenced by logging calls: `^[a-zA-Z0-9][\w\-]{0,255}$`. */
const RUN_ID = /^[a-zA-Z0-9][\w-]{0,255}$/;
export function isValidRunId(runId: string): boolean {
  return RUN_ID.test(runId);
}
