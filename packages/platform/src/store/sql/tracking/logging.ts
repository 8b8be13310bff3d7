/**
 * Logging: metrics, params and tags in one atomic batch (the single-item endpoints are batches
 * of one), tag deletion, dataset/model inputs, model outputs and the legacy log-model history.
 * Everything is validated before the transaction starts, and a rejected batch writes nothing.
 */
import { invalidParameter, type KeyValue, notFound } from '@keel/contract';
import type { Kysely } from 'kysely';
import { pythonRepr } from '../../python-format.js';
import type { LogBatchInput, MetricInput, ParamConflictStyle } from '../../tracking-store.js';
import {
  checkLength,
  checkRunName,
  LIMITS,
  limitValue,
  validateBatchLimits,
  validateKeyName,
  validateMetricPoint,
} from '../../validation.js';
import { sizedChunks } from '../prepared.js';
import type { MetricsTable, TrackingSchema } from '../schema.js';
import { runsSingleStatements } from '../sql-database.js';
import { requireActiveRun, type SqlStoreContext } from './context.js';
import { writeMetricBatchInOneStatement } from './metric-batch-statement.js';
import { compareKeys, writeMetricPoints } from './metric-writes.js';
import { storedValue } from './rows.js';
import { RUN_NAME_TAG } from './runs.js';

type Db = Kysely<TrackingSchema>;

interface PreparedBatch {
  readonly metrics: MetricsTable[];
  readonly modelMetrics: { readonly row: MetricsTable; readonly input: MetricInput }[];
  readonly params: KeyValue[];
  readonly tags: KeyValue[];
}

/** Validates and normalises a batch without touching the database. */
function prepareBatch(
  ctx: SqlStoreContext,
  runId: string,
  batch: LogBatchInput,
  style: ParamConflictStyle,
): PreparedBatch {
  const inputMetrics = batch.metrics ?? [];
  const inputParams = batch.params ?? [];
  const inputTags = batch.tags ?? [];
  validateBatchLimits(inputMetrics.length, inputParams.length, inputTags.length);
  const single = style === 'single';
  const truncate = ctx.options.truncateLongValues;

  const metrics: MetricsTable[] = new Array(inputMetrics.length);
  const modelMetrics: PreparedBatch['modelMetrics'] = [];
  // A batch repeats a few keys many times: each distinct key is checked once, at its first
  // position, so the error names the same metric as checking every one would.
  const checkedKeys = new Set<string>();
  for (let i = 0; i < inputMetrics.length; i++) {
    const m = inputMetrics[i] as MetricInput;
    if (!checkedKeys.has(m.key)) {
      validateKeyName(m.key, single ? 'name' : `metrics[${i}].name`);
      checkLength('key', m.key, LIMITS.entityKey);
      checkedKeys.add(m.key);
    }
    validateMetricPoint(m.key, m.value, m.timestamp, single ? '' : `metrics[${i}].`);
    const stored = storedValue(m.value);
    const row = {
      run_uuid: runId,
      key: m.key,
      timestamp: m.timestamp,
      step: m.step ?? 0,
      value: stored.value,
      is_nan: stored.is_nan,
    };
    metrics[i] = row;
    if (m.model_id) modelMetrics.push({ row, input: m });
  }

  const seen = new Set<string>();
  const duplicates = new Set<string>();
  const params = inputParams.map((p, i) => {
    if (seen.has(p.key)) duplicates.add(p.key);
    seen.add(p.key);
    validateKeyName(p.key, single ? 'key' : `params[${i}].key`);
    checkLength('key', p.key, LIMITS.entityKey);
    return { key: p.key, value: limitValue('value', p.value ?? '', LIMITS.paramValue, truncate) };
  });
  if (duplicates.size > 0) {
    throw invalidParameter(
      `Duplicate parameter keys have been submitted: ${pythonRepr([...duplicates])}. Please ensure the request contains only one param value per param key.`,
    );
  }

  const tagsByKey = new Map<string, KeyValue>();
  inputTags.forEach((t, i) => {
    validateKeyName(t.key, single ? 'key' : `tags[${i}].key`);
    checkLength('key', t.key, LIMITS.entityKey);
    if (t.key === RUN_NAME_TAG) checkRunName(RUN_NAME_TAG, t.value);
    tagsByKey.set(t.key, { key: t.key, value: limitValue('value', t.value ?? '', LIMITS.runTagValue, truncate) });
  });
  return { metrics, modelMetrics, params, tags: [...tagsByKey.values()] };
}

function paramConflictError(
  runId: string,
  style: ParamConflictStyle,
  conflicts: { key: string; old: string; value: string }[],
): Error {
  const first = conflicts[0] as { key: string; old: string; value: string };
  if (style === 'single') {
    return invalidParameter(
      `Changing param values is not allowed. Param with key='${first.key}' was already logged with value='${first.old}' for run ID='${runId}'. Attempted logging new value '${first.value}'.`,
    );
  }
  const listed = pythonRepr(conflicts.map((c) => ({ key: c.key, old_value: c.old, new_value: c.value })));
  return invalidParameter(
    `Changing param values is not allowed. Params were already logged='${listed}' for run ID='${runId}'.`,
  );
}

/** Key/value rows of one run as positional values for a prepared multi-row insert. */
function keyValueValues(runId: string, rows: readonly KeyValue[]): unknown[] {
  const values: unknown[] = [];
  for (const row of rows) values.push(runId, row.key, row.value);
  return values;
}

function keyValuePlaceholders(count: number, p: (i: number) => never) {
  return Array.from({ length: count }, (_, r) => ({ run_uuid: p(3 * r), key: p(3 * r + 1), value: p(3 * r + 2) }));
}

async function writeParams(
  ctx: SqlStoreContext,
  db: Db,
  runId: string,
  params: KeyValue[],
  style: ParamConflictStyle,
): Promise<void> {
  if (params.length === 0) return;
  // All of the run's params in one cached statement (a run has at most a few hundred).
  const { rows: existing } = await db.executeQuery<{ key: string; value: string }>(
    ctx.prepared.bind('select-run-params', [runId], (q, p) =>
      q.selectFrom('params').select(['key', 'value']).where('run_uuid', '=', p(0)),
    ),
  );
  const known = new Map(existing.map((r) => [r.key, r.value]));
  const conflicts = params
    .filter((p) => known.has(p.key) && known.get(p.key) !== p.value)
    .map((p) => ({ key: p.key, old: known.get(p.key) as string, value: p.value }));
  if (conflicts.length > 0) throw paramConflictError(runId, style, conflicts);
  // Sorted, like every multi-row write of a run (see `writeMetricPoints`).
  const fresh = params.filter((p) => !known.has(p.key)).sort((a, b) => compareKeys(a.key, b.key));
  let raced = false;
  for (const rows of sizedChunks(fresh, Math.floor(ctx.database.maxParameters / 3))) {
    const size = rows.length;
    // A concurrent writer (another PostgreSQL transaction) may store the same key between the
    // read above and this insert: keep its row, then compare values below, instead of failing
    // on the primary key and retrying the whole batch.
    const result = await db.executeQuery(
      ctx.prepared.bind(`insert-params-${size}`, keyValueValues(runId, rows), (q, p) =>
        q
          .insertInto('params')
          .values(keyValuePlaceholders(size, p))
          .onConflict((oc) => oc.columns(['run_uuid', 'key']).doNothing()),
      ),
    );
    if (Number(result.numAffectedRows ?? size) < size) raced = true;
  }
  if (!raced) return;
  const { rows: stored } = await db.executeQuery<{ key: string; value: string }>(
    ctx.prepared.bind('select-run-params', [runId], (q, p) =>
      q.selectFrom('params').select(['key', 'value']).where('run_uuid', '=', p(0)),
    ),
  );
  const now = new Map(stored.map((r) => [r.key, r.value]));
  const lost = fresh
    .filter((p) => now.get(p.key) !== p.value)
    .map((p) => ({ key: p.key, old: now.get(p.key) ?? '', value: p.value }));
  if (lost.length > 0) throw paramConflictError(runId, style, lost);
}

async function writeTags(ctx: SqlStoreContext, db: Db, runId: string, tags: KeyValue[]): Promise<void> {
  const sorted = [...tags].sort((a, b) => compareKeys(a.key, b.key));
  for (const rows of sizedChunks(sorted, Math.floor(ctx.database.maxParameters / 3))) {
    const size = rows.length;
    await db.executeQuery(
      ctx.prepared.bind(`upsert-tags-${size}`, keyValueValues(runId, rows), (q, p) =>
        q
          .insertInto('tags')
          .values(keyValuePlaceholders(size, p))
          .onConflict((oc) => oc.columns(['run_uuid', 'key']).doUpdateSet({ value: (eb) => eb.ref('excluded.value') })),
      ),
    );
  }
  const runName = tags.find((t) => t.key === RUN_NAME_TAG);
  if (runName !== undefined)
    await db.updateTable('runs').set({ name: runName.value }).where('run_uuid', '=', runId).execute();
}

/** The run's experiment when it exists and is active (same errors as `requireActiveRun`, one cached query). */
async function activeRunExperiment(ctx: SqlStoreContext, db: Db, runId: string): Promise<number> {
  const query = ctx.prepared.bind('select-run-state', [runId], (q, p) =>
    q.selectFrom('runs').select(['experiment_id', 'lifecycle_stage']).where('run_uuid', '=', p(0)),
  );
  const { rows } = await db.executeQuery<{ experiment_id: number; lifecycle_stage: string }>(query);
  const row = rows[0];
  if (row === undefined || row.lifecycle_stage !== 'active') await requireActiveRun(db, runId);
  return (row as { experiment_id: number }).experiment_id;
}

async function writeModelMetrics(
  db: Db,
  experimentId: number,
  runId: string,
  entries: PreparedBatch['modelMetrics'],
): Promise<void> {
  if (entries.length === 0) return;
  const modelIds = [...new Set(entries.map((e) => e.input.model_id as string))];
  const found = await db
    .selectFrom('logged_models')
    .select('model_id')
    .where('model_id', 'in', modelIds)
    .where('lifecycle_stage', '=', 'active')
    .execute();
  const known = new Set(found.map((r) => r.model_id));
  const missing = modelIds.find((id) => !known.has(id));
  if (missing !== undefined) throw notFound(`Logged model with ID '${missing}' not found.`);
  await db
    .insertInto('logged_model_metrics')
    .values(
      entries.map(({ row, input }) => ({
        model_id: input.model_id as string,
        key: row.key,
        timestamp: row.timestamp,
        step: row.step,
        value: row.value,
        is_nan: row.is_nan,
        experiment_id: experimentId,
        run_id: runId,
        dataset_name: input.dataset_name ?? '',
        dataset_digest: input.dataset_digest ?? '',
      })),
    )
    .onConflict((oc) => oc.doNothing())
    .execute();
}

export async function logBatch(
  ctx: SqlStoreContext,
  runId: string,
  batch: LogBatchInput,
  style: ParamConflictStyle = 'batch',
): Promise<void> {
  const prepared = prepareBatch(ctx, runId, batch, style);
  const metricsOnly = prepared.params.length === 0 && prepared.tags.length === 0 && prepared.modelMetrics.length === 0;
  if (metricsOnly && prepared.metrics.length > 0 && runsSingleStatements(ctx.database)) {
    await writeMetricBatchInOneStatement(ctx, ctx.database, runId, prepared.metrics);
    return;
  }
  await ctx.database.write(async (db) => {
    const experimentId = await activeRunExperiment(ctx, db, runId);
    await writeParams(ctx, db, runId, prepared.params, style);
    await writeTags(ctx, db, runId, prepared.tags);
    await writeMetricPoints(ctx, db, runId, prepared.metrics);
    await writeModelMetrics(db, experimentId, runId, prepared.modelMetrics);
  });
}

export async function deleteTag(ctx: SqlStoreContext, runId: string, key: string): Promise<void> {
  await ctx.database.transaction(async (db) => {
    await requireActiveRun(db, runId);
    const result = await db.deleteFrom('tags').where('run_uuid', '=', runId).where('key', '=', key).executeTakeFirst();
    if (Number(result.numDeletedRows) === 0) throw notFound(`No tag with name: ${key} in run with id ${runId}`);
  });
}
