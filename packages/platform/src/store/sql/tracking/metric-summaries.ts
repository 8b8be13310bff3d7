/**
 * Summaries of metric chunks (`metric_chunk_summaries`, migration 0007), so a bucketed history
 * over a wide range reads a few numbers per group of points instead of every point.
 *
 * A chunk's points, in stored order (timestamp, step, value), are cut into groups of
 * `GROUP_POINTS`; each group is one record of `FIELDS` little-endian float64s. Logged in time
 * order, a group covers a narrow step and time range, which is what lets it stand for its points.
 * A chunk never changes once written (compaction replaces chunks with new ids), so a summary,
 * keyed by chunk id, stays true for the chunk's life and is deleted with it.
 */
import { compareValue, type PointColumns } from './metric-chunks.js';

/** Points per group record. */
export const GROUP_POINTS = 64;

/** Offsets of a group record's fields. */
export const F = {
  minStep: 0,
  maxStep: 1,
  minTimestamp: 2,
  maxTimestamp: 3,
  /** Smallest and largest value that is not NaN (NaN when the group holds only NaN). */
  minValue: 4,
  maxValue: 5,
  count: 6,
  /** The point last by (step, timestamp, value): its timestamp and value (its step is `maxStep`). */
  stepLastTimestamp: 7,
  stepLastValue: 8,
  /** The point last by (timestamp, step, value): its step and value (its timestamp is `maxTimestamp`). */
  timeLastStep: 9,
  timeLastValue: 10,
} as const;

/** Float64s per group record. */
export const FIELDS = 11;

/** A chunk's summary as stored, less its chunk id. */
export interface ChunkSummary {
  readonly min_timestamp: number;
  readonly max_timestamp: number;
  readonly group_points: number;
  /** `FIELDS` float64s per group. */
  readonly groups: Float64Array;
}

/** Whether point (x, tie, value) comes after (x2, tie2, value2): NaN values order after numbers. */
export function isLater(x: number, tie: number, value: number, x2: number, tie2: number, value2: number): boolean {
  if (x !== x2) return x > x2;
  if (tie !== tie2) return tie > tie2;
  return compareValue(value, value2) > 0;
}

/** Summarises a chunk's points (already decoded) in groups of `GROUP_POINTS`. */
export function summarizeChunk(points: PointColumns): ChunkSummary {
  const { timestamps, steps, values, length } = points;
  const groupCount = Math.ceil(length / GROUP_POINTS);
  const groups = new Float64Array(groupCount * FIELDS);
  let minTimestamp = Number.POSITIVE_INFINITY;
  let maxTimestamp = Number.NEGATIVE_INFINITY;
  for (let g = 0; g < groupCount; g++) {
    const from = g * GROUP_POINTS;
    const to = Math.min(length, from + GROUP_POINTS);
    let minStep = Number.POSITIVE_INFINITY;
    let maxStep = Number.NEGATIVE_INFINITY;
    let minTs = Number.POSITIVE_INFINITY;
    let maxTs = Number.NEGATIVE_INFINITY;
    let lo = Number.NaN;
    let hi = Number.NaN;
    let stepLastTs = 0;
    let stepLastValue = 0;
    let timeLastStep = 0;
    let timeLastValue = 0;
    for (let i = from; i < to; i++) {
      const ts = timestamps[i] as number;
      const step = steps[i] as number;
      const v = values[i] as number;
      if (!Number.isNaN(v)) {
        if (!(lo <= v)) lo = v;
        if (!(hi >= v)) hi = v;
      }
      if (i === from || isLater(step, ts, v, maxStep, stepLastTs, stepLastValue)) {
        maxStep = step;
        stepLastTs = ts;
        stepLastValue = v;
      }
      if (i === from || isLater(ts, step, v, maxTs, timeLastStep, timeLastValue)) {
        maxTs = ts;
        timeLastStep = step;
        timeLastValue = v;
      }
      if (step < minStep) minStep = step;
      if (ts < minTs) minTs = ts;
    }
    const at = g * FIELDS;
    groups[at + F.minStep] = minStep;
    groups[at + F.maxStep] = maxStep;
    groups[at + F.minTimestamp] = minTs;
    groups[at + F.maxTimestamp] = maxTs;
    groups[at + F.minValue] = lo;
    groups[at + F.maxValue] = hi;
    groups[at + F.count] = to - from;
    groups[at + F.stepLastTimestamp] = stepLastTs;
    groups[at + F.stepLastValue] = stepLastValue;
    groups[at + F.timeLastStep] = timeLastStep;
    groups[at + F.timeLastValue] = timeLastValue;
    if (minTs < minTimestamp) minTimestamp = minTs;
    if (maxTs > maxTimestamp) maxTimestamp = maxTs;
  }
  return { min_timestamp: minTimestamp, max_timestamp: maxTimestamp, group_points: GROUP_POINTS, groups };
}

/** The blob a summary's groups are stored as. */
export function encodeGroups(groups: Float64Array): Buffer {
  return Buffer.from(groups.buffer, groups.byteOffset, groups.byteLength);
}

/** A stored groups blob as float64s (viewed in place when aligned, copied otherwise). */
export function decodeGroups(blob: Uint8Array): Float64Array {
  const n = blob.byteLength / 8;
  if (!Number.isInteger(n / FIELDS)) throw new Error('Corrupt metric chunk summary: wrong size');
  if (blob.byteOffset % 8 === 0) return new Float64Array(blob.buffer, blob.byteOffset, n);
  const copy = new Float64Array(n);
  new Uint8Array(copy.buffer).set(blob);
  return copy;
}
