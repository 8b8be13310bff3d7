/**
 * Client-side checks of metric, param and tag keys and values (limits-and-errors.md §4-§6).
 * The server checks again; checking here means a bad key throws at the call that logged it
 * instead of failing a whole background batch of good data later.
 */
import { invalidParameter, type WireDouble } from '@keel/contract';

/**
 * MLflow's batch limits for `runs/log-batch`.
 *
 * @example
 * const chunks = Math.ceil(points.length / BATCH_LIMITS.metrics);
 */
export const BATCH_LIMITS = Object.freeze({ metrics: 1000, params: 100, tags: 100, total: 1000 });

const MAX_KEY_LENGTH = 250;
// Python's \w is Unicode-aware: letters, digits, combining marks and underscore.
const VALID_KEY = /^[/\p{L}\p{N}\p{Mn}\p{Mc}_.\- :]*$/u;
const validKeys = new Set<string>();

/**
 * Throws INVALID_PARAMETER_VALUE unless `key` is a valid metric, param or tag key: allowed
 * characters, at most 250 of them, and a normalised relative path (`a//b`, `/a`, `..x` refused).
 * Valid keys are remembered, so checking a key logged a million times costs one set lookup.
 *
 * @example
 * checkKey('val/loss'); // ok
 */
export function checkKey(key: string): void {
  if (validKeys.has(key)) return;
  if (typeof key !== 'string') throw invalidParameter(`Keys must be strings, got ${typeof key}`);
  if (!VALID_KEY.test(key)) {
    throw invalidParameter(
      `Invalid key '${key}': names may only contain alphanumerics, underscores (_), dashes (-), periods (.), spaces ( ), colon(:) and slashes (/).`,
    );
  }
  const segments = key.split('/');
  if (
    key === '' ||
    key.startsWith('/') ||
    key.startsWith('..') ||
    segments.some((s) => s === '' || s === '.' || s === '..')
  ) {
    throw invalidParameter(`Invalid key '${key}': keys must be normalised relative paths (no '', '.', '..' segments).`);
  }
  if (key.length > MAX_KEY_LENGTH)
    throw invalidParameter(`Key '${key}' exceeds the maximum length of ${MAX_KEY_LENGTH} characters`);
  // Bounded so that a script generating unique keys cannot grow the cache without limit.
  if (validKeys.size < 100_000) validKeys.add(key);
}

/**
 * A metric value in wire form; throws for anything that is not a number.
 *
 * @example
 * wireMetricValue('loss', Number.NaN); // 'NaN'
 */
export function wireMetricValue(key: string, value: number): WireDouble {
  if (typeof value !== 'number') {
    throw invalidParameter(`Metric '${key}' must be a number, got ${typeof value} ${JSON.stringify(value)}`);
  }
  if (Number.isFinite(value)) return value;
  if (Number.isNaN(value)) return 'NaN';
  return value > 0 ? 'Infinity' : '-Infinity';
}

/**
 * Checks a step or timestamp: a safe integer (timestamps also >= 0).
 *
 * @example
 * checkInteger('step', 3);
 */
export function checkInteger(what: 'step' | 'timestamp', value: number): void {
  if (!Number.isSafeInteger(value) || (what === 'timestamp' && value < 0)) {
    throw invalidParameter(
      `Metric ${what} must be ${what === 'timestamp' ? 'a non-negative' : 'an'} integer, got ${value}`,
    );
  }
}

/**
 * Params and tag values travel as strings; other values are converted as MLflow's client does.
 *
 * @example
 * toValueString([1, 2]); // '[1,2]'
 */
export function toValueString(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === null || value === undefined) return String(value);
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}
