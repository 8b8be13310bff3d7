/**
 * Normalised pointwise mutual information of two trace filters (MLflow's
 * `calculate-filter-correlation`): how much more often traces match both filters than chance
 * would have it, from -1 (never together) through 0 (independent) to 1 (always together), NaN
 * when a filter matches nothing. The smoothed value adds Jeffreys' prior (half a trace) to each
 * cell of the 2x2 table. Logarithms are taken of the counts, in MLflow's order, so the values
 * agree with MLflow's to the last bit.
 */
import { type TraceFilterCorrelation, toWireDouble } from '@keel/contract';

const JEFFREYS_PRIOR = 0.5;

/** NPMI of a 2x2 contingency table (both, first only, second only, neither). */
function npmiOfTable(both: number, onlyFirst: number, onlySecond: number, neither: number, prior: number): number {
  const a = both + prior;
  const n = a + onlyFirst + prior + onlySecond + prior + neither + prior;
  const first = a + onlyFirst + prior;
  const second = a + onlySecond + prior;
  if (first <= 0 || second <= 0 || a <= 0) return Number.NaN;
  if (onlyFirst === 0 && onlySecond === 0 && neither === 0) return 1;
  const logBoth = Math.log(a);
  const logN = Math.log(n);
  const pmi = logBoth + logN - (Math.log(first) + Math.log(second));
  return Math.max(-1, Math.min(1, pmi / -(logBoth - logN)));
}

/** Raw and smoothed NPMI of the four counts. */
export function npmi(joint: number, count1: number, count2: number, total: number): { raw: number; smoothed: number } {
  if (count1 === 0 || count2 === 0) return { raw: Number.NaN, smoothed: Number.NaN };
  const onlyFirst = count1 - joint;
  const onlySecond = count2 - joint;
  const neither = total - count1 - count2 + joint;
  if (Math.min(joint, onlyFirst, onlySecond, neither) < 0) return { raw: Number.NaN, smoothed: Number.NaN };
  return {
    raw: joint === 0 ? -1 : npmiOfTable(joint, onlyFirst, onlySecond, neither, 0),
    smoothed: npmiOfTable(joint, onlyFirst, onlySecond, neither, JEFFREYS_PRIOR),
  };
}

/** The correlation answer for the four counts. */
export function filterCorrelation(
  joint: number,
  count1: number,
  count2: number,
  total: number,
): TraceFilterCorrelation {
  const { raw, smoothed } = npmi(joint, count1, count2, total);
  return {
    npmi: toWireDouble(raw) as number | 'NaN',
    npmi_smoothed: toWireDouble(smoothed) as number | 'NaN',
    filter1_count: count1,
    filter2_count: count2,
    joint_count: joint,
    total_count: total,
  };
}
