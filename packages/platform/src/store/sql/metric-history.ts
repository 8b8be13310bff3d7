/** Metric histories: one run (paged), sampled across runs (UI charts), full across runs, dataset summaries. */
import { type DatasetSummary, invalidParameter, type Metric, type MetricWithRunId } from '@keel/contract';
import { sql } from 'kysely';
import { decodeOffsetToken, encodeOffsetToken } from '../page-token.js';
import type { BulkIntervalInput, MetricHistoryInput, Page } from '../tracking-store.js';
import { requireRun, type SqlStoreContext } from './context.js';
import { groupBy, parseExperimentId, wireValue } from './rows.js';

const MAX_BULK_RUNS = 100;
const MAX_INTERVAL_STEPS = 2500;
const MAX_BULK_POINTS = 25_000;

export async function getMetricHistory(
  ctx: SqlStoreContext,
  runId: string,
  key: string,
  input: MetricHistoryInput = {},
): Promise<Page<Metric>> {
  const limit = input.max_results !== undefined && input.max_results > 0 ? input.max_results : undefined;
  const offset = input.page_token ? decodeOffsetToken(input.page_token) : 0;
  return ctx.database.read(async (db) => {
    // MLflow answers {} for an unknown run; saying it does not exist is what every other call does.
    await requireRun(db, runId);
    let query = db
      .selectFrom('metrics')
      .select(['value', 'is_nan', 'timestamp', 'step'])
      .where('run_uuid', '=', runId)
      .where('key', '=', key)
      .orderBy('timestamp')
      .orderBy('step')
      .orderBy('value')
      .orderBy('is_nan');
    if (limit !== undefined) query = query.limit(limit + 1);
    if (offset > 0) query = limit === undefined ? query.limit(-1).offset(offset) : query.offset(offset);
    const rows = await query.execute();
    const more = limit !== undefined && rows.length > limit;
    const page = more ? rows.slice(0, limit) : rows;
    const items = page.map((r) => ({ key, value: wireValue(r.value, r.is_nan), timestamp: r.timestamp, step: r.step }));
    return more ? { items, next_page_token: encodeOffsetToken(offset + page.length) } : { items };
  });
}

function checkRunIds(runIds: readonly string[], what: string): void {
  if (runIds.length > MAX_BULK_RUNS) {
    throw invalidParameter(
      `${what} request must specify at most ${MAX_BULK_RUNS} run_ids. Received ${runIds.length} run_ids. See the API docs for more information about request parameters.`,
    );
  }
}

/** Sampled histories for charts (tracking-api.md M2). */
export async function getMetricHistoryBulkInterval(
  ctx: SqlStoreContext,
  input: BulkIntervalInput,
): Promise<MetricWithRunId[]> {
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
  const runIds = [...new Set(input.run_ids)];
  return ctx.database.read(async (db) => {
    const stepRows = await db
      .selectFrom('metrics')
      .select(['run_uuid', 'step'])
      .distinct()
      .where('run_uuid', 'in', runIds)
      .where('key', '=', input.metric_key)
      .execute();
    if (stepRows.length === 0) return [];
    const allSteps = [...new Set(stepRows.map((r) => r.step))].sort((a, b) => a - b);
    const start = input.start_step ?? 0;
    const end = input.end_step ?? (allSteps.at(-1) as number);
    const inRange = allSteps.filter((s) => s >= start && s <= end);
    const chosen = new Set(sampleSteps(inRange, maxResults));
    // Each run's own first and last step in range are always kept, so every line reaches its ends.
    const byRun = new Map<string, number[]>();
    for (const r of stepRows) {
      if (r.step < start || r.step > end) continue;
      const list = byRun.get(r.run_uuid) ?? [];
      list.push(r.step);
      byRun.set(r.run_uuid, list);
    }
    for (const steps of byRun.values()) {
      chosen.add(Math.min(...steps));
      chosen.add(Math.max(...steps));
    }
    if (chosen.size === 0) return [];
    const points = await db
      .selectFrom('metrics')
      .select(['run_uuid', 'value', 'is_nan', 'timestamp', 'step'])
      .where('run_uuid', 'in', runIds)
      .where('key', '=', input.metric_key)
      .where('step', 'in', [...chosen])
      .orderBy('step')
      .orderBy('timestamp')
      .orderBy('value')
      .execute();
    const pointsByRun = groupBy(points, (p) => p.run_uuid);
    const out: MetricWithRunId[] = [];
    for (const runId of runIds) {
      for (const p of pointsByRun.get(runId) ?? []) {
        out.push({
          key: input.metric_key,
          value: wireValue(p.value, p.is_nan),
          timestamp: p.timestamp,
          step: p.step,
          run_id: runId,
        });
      }
    }
    return out;
  });
}

/** `count` evenly spaced steps from a sorted list, plus its last step. */
function sampleSteps(steps: readonly number[], count: number): number[] {
  if (steps.length <= count) return [...steps];
  const out: number[] = [];
  const stride = steps.length / count;
  for (let i = 0; i < count; i++) out.push(steps[Math.floor(i * stride)] as number);
  out.push(steps.at(-1) as number);
  return out;
}

/** Full histories of several runs, ordered by run id then time (the UI's bulk route). */
export async function getMetricHistoryBulk(
  ctx: SqlStoreContext,
  runIds: readonly string[],
  key: string,
  maxResults?: number,
): Promise<MetricWithRunId[]> {
  if (runIds.length === 0) throw invalidParameter('GetMetricHistoryBulk request must specify at least one run_id.');
  checkRunIds(runIds, 'GetMetricHistoryBulk');
  const limit = Math.min(maxResults !== undefined && maxResults > 0 ? maxResults : MAX_BULK_POINTS, MAX_BULK_POINTS);
  const rows = await ctx.database.read((db) =>
    db
      .selectFrom('metrics')
      .select(['run_uuid', 'value', 'is_nan', 'timestamp', 'step'])
      .where('run_uuid', 'in', [...new Set(runIds)])
      .where('key', '=', key)
      .orderBy('run_uuid')
      .orderBy('timestamp')
      .orderBy('step')
      .orderBy('value')
      .limit(limit)
      .execute(),
  );
  return rows.map((r) => ({
    key,
    value: wireValue(r.value, r.is_nan),
    timestamp: r.timestamp,
    step: r.step,
    run_id: r.run_uuid,
  }));
}

/** Distinct (dataset, context) pairs used by runs of the experiments, for the UI's filters. */
export async function searchDatasets(
  ctx: SqlStoreContext,
  experimentIds: readonly string[],
): Promise<DatasetSummary[]> {
  if (experimentIds.length > 20) {
    throw invalidParameter(
      `SearchDatasets request cannot specify more than 20 experiment_ids. Received ${experimentIds.length}.`,
    );
  }
  const ids = experimentIds.map(parseExperimentId).filter((id): id is number => id !== undefined);
  if (ids.length === 0) return [];
  const rows = await ctx.database.read((db) =>
    db
      .selectFrom('run_inputs')
      .innerJoin('datasets', 'datasets.dataset_uuid', 'run_inputs.dataset_uuid')
      .leftJoin('input_tags', (join) =>
        join
          .onRef('input_tags.run_uuid', '=', 'run_inputs.run_uuid')
          .onRef('input_tags.dataset_uuid', '=', 'run_inputs.dataset_uuid')
          .on('input_tags.key', '=', 'mlflow.data.context'),
      )
      .select([
        'datasets.experiment_id',
        'datasets.name',
        'datasets.digest',
        sql<string | null>`input_tags.value`.as('context'),
      ])
      .distinct()
      .where('datasets.experiment_id', 'in', ids)
      .orderBy('datasets.experiment_id')
      .orderBy('datasets.name')
      .orderBy('datasets.digest')
      .orderBy('context')
      .limit(1000)
      .execute(),
  );
  return rows.map((r) => ({
    experiment_id: String(r.experiment_id),
    name: r.name,
    digest: r.digest,
    ...(r.context === null ? {} : { context: r.context }),
  }));
}
