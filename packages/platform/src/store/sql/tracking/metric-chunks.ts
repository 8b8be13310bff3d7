/**
 * Metric points are stored in packed chunks: one row per (run, key) per write, holding that
 * write's points as three little-endian float64 columns (timestamps, steps, values). Writing a
 * batch of 1,000 points is then a handful of row inserts instead of 1,000, and reading a 100k-point
 * history decodes a few megabytes with typed arrays instead of materialising 100k rows.
 *
 * Semantics are the row-per-point ones: readers merge a key's chunks, order the points by
 * (timestamp, step, value) and drop identical points, so a point logged twice is seen once.
 * NaN is stored as NaN (and equals NaN for de-duplication); infinities are stored as they are.
 * Timestamps and steps are integers within ±2^53, which float64 holds exactly.
 */
import { endianness } from 'node:os';

if (endianness() !== 'LE') throw new Error('Keel stores metric chunks in little-endian order');

/** A run of points in columns; `length` may be shorter than the arrays. */
export interface PointColumns {
  readonly timestamps: Float64Array;
  readonly steps: Float64Array;
  readonly values: Float64Array;
  readonly length: number;
}

const BYTES_PER_POINT = 24;

/** Packs points (already in the order they should be stored) into a chunk blob. */
export function encodeChunk(points: PointColumns): Buffer {
  const n = points.length;
  const out = Buffer.allocUnsafe(n * BYTES_PER_POINT);
  const view = new Float64Array(out.buffer, out.byteOffset, n * 3);
  view.set(points.timestamps.subarray(0, n), 0);
  view.set(points.steps.subarray(0, n), n);
  view.set(points.values.subarray(0, n), 2 * n);
  return out;
}

/** Unpacks a chunk blob (copied, so the result does not pin the driver's buffer). */
export function decodeChunk(blob: Uint8Array): PointColumns {
  const n = blob.byteLength / BYTES_PER_POINT;
  if (!Number.isInteger(n)) throw new Error('Corrupt metric chunk: size is not a multiple of 24 bytes');
  const all = new Float64Array(n * 3);
  new Uint8Array(all.buffer).set(blob);
  return { timestamps: all.subarray(0, n), steps: all.subarray(n, 2 * n), values: all.subarray(2 * n), length: n };
}

/**
 * A chunk blob's points read in place (no copy) when the blob is 8-byte aligned, for a caller
 * that is done with them before the blob is released; copied otherwise.
 */
export function viewChunk(blob: Uint8Array): PointColumns {
  if (blob.byteOffset % 8 !== 0) return decodeChunk(blob);
  const n = blob.byteLength / BYTES_PER_POINT;
  if (!Number.isInteger(n)) throw new Error('Corrupt metric chunk: size is not a multiple of 24 bytes');
  const all = new Float64Array(blob.buffer, blob.byteOffset, n * 3);
  return { timestamps: all.subarray(0, n), steps: all.subarray(n, 2 * n), values: all.subarray(2 * n), length: n };
}

/** Compares two values the way MLflow orders them, with NaN after every number. */
export function compareValue(a: number, b: number): number {
  const aNaN = Number.isNaN(a);
  const bNaN = Number.isNaN(b);
  if (aNaN || bNaN) return aNaN === bNaN ? 0 : aNaN ? 1 : -1;
  return a < b ? -1 : a > b ? 1 : 0;
}

function comparePoints(p: PointColumns, i: number, j: number): number {
  return (
    (p.timestamps[i] as number) - (p.timestamps[j] as number) ||
    (p.steps[i] as number) - (p.steps[j] as number) ||
    compareValue(p.values[i] as number, p.values[j] as number)
  );
}

function isSortedUnique(p: PointColumns): boolean {
  for (let i = 1; i < p.length; i++) if (comparePoints(p, i - 1, i) >= 0) return false;
  return true;
}

/** Concatenates columns into fresh arrays. */
export function concatPoints(parts: readonly PointColumns[]): PointColumns {
  if (parts.length === 1) return parts[0] as PointColumns;
  const total = parts.reduce((sum, p) => sum + p.length, 0);
  const timestamps = new Float64Array(total);
  const steps = new Float64Array(total);
  const values = new Float64Array(total);
  let at = 0;
  for (const p of parts) {
    timestamps.set(p.timestamps.subarray(0, p.length), at);
    steps.set(p.steps.subarray(0, p.length), at);
    values.set(p.values.subarray(0, p.length), at);
    at += p.length;
  }
  return { timestamps, steps, values, length: total };
}

/**
 * Orders points by (timestamp, step, value) and drops identical ones. The common case (points
 * logged in time order) is detected in one pass and costs no sort.
 */
export function sortUnique(points: PointColumns): PointColumns {
  if (isSortedUnique(points)) return points;
  const order = new Uint32Array(points.length);
  for (let i = 0; i < order.length; i++) order[i] = i;
  order.sort((a, b) => comparePoints(points, a, b));
  const timestamps = new Float64Array(points.length);
  const steps = new Float64Array(points.length);
  const values = new Float64Array(points.length);
  let n = 0;
  for (let k = 0; k < order.length; k++) {
    const i = order[k] as number;
    if (n > 0 && comparePoints(points, order[k - 1] as number, i) === 0) continue;
    timestamps[n] = points.timestamps[i] as number;
    steps[n] = points.steps[i] as number;
    values[n] = points.values[i] as number;
    n++;
  }
  return { timestamps, steps, values, length: n };
}

/** Builds columns from point objects. */
export function columnsOf(points: readonly { timestamp: number; step: number; value: number }[]): PointColumns {
  const n = points.length;
  const timestamps = new Float64Array(n);
  const steps = new Float64Array(n);
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const p = points[i] as { timestamp: number; step: number; value: number };
    timestamps[i] = p.timestamp;
    steps[i] = p.step;
    values[i] = p.value;
  }
  return { timestamps, steps, values, length: n };
}
