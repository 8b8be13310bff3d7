/**
 * The REST traffic of an MLflow 3 Python client's `mlflow.<flavor>.log_model(model, name="model")`
 * inside an active run, and of loading `runs:/<run>/model` back (tracking-api.md §9.1), minus the
 * artifact uploads.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { LoggedModel, Metric } from '@keel/contract';
import { startTestServer, type TestServer } from '@keel/platform/testing';
import { call, expectOk as ok } from '../support/http.js';

describe('MLflow 3 client flow: log_model in a run, then resolve runs:/<run>/model', () => {
  let keel: TestServer;
  let url: string;
  let exp: string;

  before(async () => {
    keel = await startTestServer();
    url = keel.url;
    exp = ok(await call(url, 'POST', 'experiments/create', { name: 'lm-client-flow' })).experiment_id;
  });
  after(() => keel.close());

  /** Runs the client's log_model sequence for one run and returns the new model id. */
  async function logModel(runId: string, step: number): Promise<string> {
    const run = ok(await call(url, 'GET', `runs/get?run_id=${runId}`)).run;
    // The client copies the run's params: the first 100 on create, the rest in batches of 100.
    const params: { key: string; value: string }[] = run.data.params ?? [];
    const contextTags = [
      { key: 'mlflow.user', value: 'keel-test' },
      { key: 'mlflow.source.name', value: 'train.py' },
      { key: 'mlflow.source.type', value: 'LOCAL' },
    ];
    const created = ok(
      await call(url, 'POST', 'logged-models', {
        experiment_id: run.info.experiment_id,
        name: 'model',
        source_run_id: runId,
        params: params.slice(0, 100),
        tags: contextTags,
      }),
    ).model;
    const modelId: string = created.info.model_id;
    assert.equal(created.info.status, 'LOGGED_MODEL_PENDING');
    if (params.length > 100) {
      ok(await call(url, 'POST', `logged-models/${modelId}/params`, { model_id: modelId, params: params.slice(100) }));
      assert.equal(ok(await call(url, 'GET', `logged-models/${modelId}`)).model.data.params.length, params.length);
    }
    ok(await call(url, 'POST', 'runs/outputs', { run_id: runId, models: [{ model_id: modelId, step }] }));
    // The run's metrics at the current step are copied onto the model through log-batch.
    const latest = ok(await call(url, 'GET', `runs/get?run_id=${runId}`)).run.data.metrics ?? [];
    const metrics = [];
    for (const metric of latest) {
      const history = ok(await call(url, 'GET', `metrics/get-history?run_id=${runId}&metric_key=${metric.key}`));
      for (const point of history.metrics ?? []) {
        if (point.step === step) metrics.push({ ...point, model_id: modelId });
      }
    }
    ok(await call(url, 'POST', 'runs/log-batch', { run_id: runId, metrics }));
    const ready = ok(
      await call(url, 'PATCH', `logged-models/${modelId}`, { model_id: modelId, status: 'LOGGED_MODEL_READY' }),
    ).model;
    assert.equal(ready.info.status, 'LOGGED_MODEL_READY');
    return modelId;
  }

  async function startRun(params: number): Promise<string> {
    const run = ok(await call(url, 'POST', 'runs/create', { experiment_id: exp, start_time: 1_700_000_000_000 })).run;
    const runId: string = run.info.run_id;
    for (let offset = 0; offset < params; offset += 100) {
      const batch = Array.from({ length: Math.min(100, params - offset) }, (_, i) => ({
        key: `p${offset + i}`,
        value: String(offset + i),
      }));
      ok(await call(url, 'POST', 'runs/log-batch', { run_id: runId, params: batch }));
    }
    ok(
      await call(url, 'POST', 'runs/log-batch', {
        run_id: runId,
        metrics: [
          { key: 'accuracy', value: 0.8, timestamp: 1_700_000_001_000, step: 1 },
          { key: 'accuracy', value: 0.9, timestamp: 1_700_000_002_000, step: 2 },
          { key: 'loss', value: 0.3, timestamp: 1_700_000_002_000, step: 2 },
        ],
      }),
    );
    return runId;
  }

  it('logs a model with its run params and step metrics, then finds it by name and source run', async () => {
    const runId = await startRun(150);
    const otherRunId = await startRun(1);
    const modelId = await logModel(runId, 2);
    const otherModelId = await logModel(otherRunId, 2);
    assert.notEqual(modelId, otherModelId);

    const run = ok(await call(url, 'GET', `runs/get?run_id=${runId}`)).run;
    assert.deepEqual(run.outputs, { model_outputs: [{ model_id: modelId, step: 2 }] });

    // runs:/<run>/model: search by name in the run's experiment, keep the run's own model.
    const found = ok(
      await call(url, 'POST', 'logged-models/search', {
        experiment_ids: [run.info.experiment_id],
        filter: "name = 'model'",
      }),
    ).models;
    assert.equal(found.length, 2);
    const mine = found.filter((m: LoggedModel) => m.info.source_run_id === runId);
    assert.equal(mine.length, 1);
    const model = mine[0];
    assert.equal(model.info.model_id, modelId);
    assert.equal(model.info.status, 'LOGGED_MODEL_READY');
    assert.equal(model.info.artifact_uri, `mlflow-artifacts:/${exp}/models/${modelId}/artifacts`);
    assert.equal(model.data.params.length, 150);
    assert.deepEqual(
      model.data.metrics.map((m: Metric) => [m.key, m.value, m.step, m.model_id, m.run_id]),
      [
        ['accuracy', 0.9, 2, modelId, runId],
        ['loss', 0.3, 2, modelId, runId],
      ],
    );
    assert.deepEqual(
      model.info.tags.map((t: { key: string }) => t.key),
      ['mlflow.source.name', 'mlflow.source.type', 'mlflow.user'],
    );

    // The same lookup with the source run in the filter, and models:/<id> through get.
    const bySource = ok(
      await call(url, 'POST', 'logged-models/search', {
        experiment_ids: [exp],
        filter: `name = 'model' AND source_run_id = '${runId}'`,
      }),
    ).models;
    assert.deepEqual(
      bySource.map((m: LoggedModel) => m.info.model_id),
      [modelId],
    );
    assert.deepEqual(ok(await call(url, 'GET', `logged-models/${modelId}`)).model, model);

    // The model's metrics are searchable: accuracy 0.9 was copied, the run's 0.8 at step 1 was not.
    const good = ok(
      await call(url, 'POST', 'logged-models/search', {
        experiment_ids: [exp],
        filter: 'metrics.accuracy > 0.85',
        order_by: [{ field_name: 'metrics.loss', ascending: true }],
      }),
    ).models;
    assert.equal(good.length, 2);
    const poor = ok(
      await call(url, 'POST', 'logged-models/search', { experiment_ids: [exp], filter: 'metrics.accuracy < 0.85' }),
    );
    assert.deepEqual(poor, {});
  });

  it('creates an external model without a run (source_run_id absent)', async () => {
    const model = ok(await call(url, 'POST', 'logged-models', { experiment_id: exp, name: 'external' })).model;
    assert.equal(model.info.source_run_id, '');
    const ready = ok(
      await call(url, 'PATCH', `logged-models/${model.info.model_id}`, { status: 'LOGGED_MODEL_READY' }),
    );
    assert.equal(ready.model.info.status, 'LOGGED_MODEL_READY');
  });
});
