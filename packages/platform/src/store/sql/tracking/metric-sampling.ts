/** Sampled histories for the UI's charts (tracking-api.md M2, `get-history-bulk-interval`). */
import { invalidParameter, type MetricWithRunId, toWireDouble } from '@keel/contract';
import type { BulkIntervalInput } from '../../tracking-store.js';
import type { SqlStoreContext } from './context.js';
import type { PointColumns } from './metric-chunks.js';
import { checkRunIds, loadPoints } from './metric-history.js';

const MAX_INTERVAL_STEPS = 2500;

/** `count` evenly spaced steps from a sorted list, plus its last step. */
function sampleSteps(steps: readonly number[], count: number): number[] {
  if (steps.length <= count) return [...steps];
  const out: number[] = [];
  const stride = steps.length / count;
  for (let i = 0; i < count; i++) out.push(steps[Math.floor(i * stride)] as number);
  out.push(steps.at(-1) as number);
  return out;
}

function validate(input: BulkIntervalInput): number {
  checkRunIds(input.run_ids, 'GetMetricHistoryBulkInterval');
  const maxResults = input.max_results ?? MAX_INTERVAL_STEPS;
  if (maxResults < 1 || maxResults > MAX_INTERVAL_STEPS) {
    throw invalidParameter(
      `max_results must be between 1 and ${MAX_INTERVAL_STEPS}. See the API docs for more information about request parameters.`,
    );
  }
  const hasStart = input.start_step !== undefined;
  if (hasStart !== (input.end_step !== undefined)) {
    throw invalidParameter('If either start step or end step are specified, both must be specified.');
  }
  if (hasStart && (input.start_step as number) > (input.end_step as number)) {
    throw invalidParameter(
      `end_step must be greater than start_step. Found start_step=${input.start_step} and end_step=${input.end_step}.`,
    );
  }
  return maxResults;
}

/**
 * Samples up to `max_results` steps from the union of the runs' steps in range, always keeping
 * each run's first and last step so every line reaches its ends; returns the points at those
 * steps per run (request order), sorted by (step, timestamp).
 */
export async function getMetricHistoryBulkInterval(
  ctx: SqlStoreContext,
  input: BulkIntervalInput,
): Promise<MetricWithRunId[]> {
  const maxResults = validate(input);
  const runIds = [...new Set(input.run_ids)];
  const range = input.start_step === undefined ? undefined : { min: input.start_step, max: input.end_step as number };
  const byRun = await ctx.database.read((db) => loadPoints(db, runIds, input.metric_key, range));
  if (byRun.size === 0) return [];

  const allSteps = new Set<number>();
  for (const points of byRun.values()) for (let i = 0; i < points.length; i++) allSteps.add(points.steps[i] as number);
  const sorted = [...allSteps].sort((a, b) => a - b);
  const start = input.start_step ?? 0;
  const end = input.end_step ?? (sorted.at(-1) as number);
  const chosen = new Set(
    sampleSteps(
      sorted.filter((s) => s >= start && s <= end),
      maxResults,
    ),
  );
  for (const points of byRun.values()) {
    let first = Number.POSITIVE_INFINITY;
    let last = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < points.length; i++) {
      const step = points.steps[i] as number;
      if (step < start || step > end) continue;
      first = Math.min(first, step);
      last = Math.max(last, step);
    }
    if (first <= last) {
      chosen.add(first);
      chosen.add(last);
    }
  }

  const out: MetricWithRunId[] = [];
  for (const runId of runIds) {
    const points = byRun.get(runId);
    if (points !== undefined) out.push(...pointsAtSteps(points, chosen, input.metric_key, runId));
  }
  return out;
}

function pointsAtSteps(points: PointColumns, steps: Set<number>, key: string, runId: string): MetricWithRunId[] {
  const picked: number[] = [];
  for (let i = 0; i < points.length; i++) if (steps.has(points.steps[i] as number)) picked.push(i);
  picked.sort(
    (a, b) =>
      (points.steps[a] as number) - (points.steps[b] as number) ||
      (points.timestamps[a] as number) - (points.timestamps[b] as number),
  );
  return picked.map((i) => ({
    key,
    value: toWireDouble(points.values[i] as number),
    timestamp: points.timestamps[i] as number,
    step: points.steps[i] as number,
    run_id: runId,
  }));
}
