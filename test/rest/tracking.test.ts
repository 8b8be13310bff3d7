// Every experiment, run, logging and metric-history endpoint over real HTTP, with its main
// errors and MLflow's status codes.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '@keel/platform/testing';
import { mlflowApi } from '../support/http.js';

describe('REST tracking endpoints', () => {
  let keel: TestServer;
  let api: ReturnType<typeof mlflowApi>;
  let exp: string;
  let run: string;

  before(async () => {
    keel = await startTestServer();
    api = mlflowApi(keel.url);
    exp = (await api.post('/experiments/create', { name: 'rest', tags: [{ key: 'team', value: 'a' }] })).json
      .experiment_id;
    run = (await api.post('/runs/create', { experiment_id: exp, run_name: 'r', start_time: 1 })).json.run.info.run_id;
  });
  after(() => keel.close());

  it('experiments: create, get, get-by-name, update, tags, delete, restore', async () => {
    const got = await api.get('/experiments/get', { experiment_id: exp });
    assert.equal(got.json.experiment.name, 'rest');
    assert.equal(got.json.experiment.artifact_location, `mlflow-artifacts:/${exp}`);
    assert.equal(
      (await api.get('/experiments/get-by-name', { experiment_name: 'rest' })).json.experiment.experiment_id,
      exp,
    );
    const missingName = await api.get('/experiments/get-by-name', { experiment_name: 'nope' });
    assert.equal(missingName.status, 404);
    assert.equal(missingName.json.error_code, 'RESOURCE_DOES_NOT_EXIST');
    const dup = await api.post('/experiments/create', { name: 'rest' });
    assert.equal(dup.status, 400);
    assert.equal(dup.json.error_code, 'RESOURCE_ALREADY_EXISTS');

    const other = (await api.post('/experiments/create', { name: 'rest-2' })).json.experiment_id;
    const current = async () => (await api.get('/experiments/get', { experiment_id: other })).json.experiment;
    assert.equal((await api.post('/experiments/update', { experiment_id: other, new_name: 'rest-2b' })).status, 200);
    assert.equal((await current()).name, 'rest-2b');
    assert.equal(
      (await api.post('/experiments/set-experiment-tag', { experiment_id: other, key: 'k', value: 'v' })).status,
      200,
    );
    assert.deepEqual((await current()).tags, [{ key: 'k', value: 'v' }]);
    assert.equal(
      (await api.post('/experiments/delete-experiment-tag', { experiment_id: other, key: 'k' })).status,
      200,
    );
    assert.equal((await current()).tags, undefined);
    const missingTag = await api.post('/experiments/delete-experiment-tag', { experiment_id: other, key: 'k' });
    assert.equal(missingTag.status, 404);
    assert.equal((await api.post('/experiments/delete', { experiment_id: other })).status, 200);
    assert.equal((await current()).lifecycle_stage, 'deleted');
    const renameDeleted = await api.post('/experiments/update', { experiment_id: other, new_name: 'x' });
    assert.equal(renameDeleted.status, 400);
    assert.equal(renameDeleted.json.error_code, 'INVALID_STATE');
    assert.equal((await api.post('/experiments/restore', { experiment_id: other })).status, 200);
    assert.equal((await current()).lifecycle_stage, 'active');
    assert.equal((await api.get('/experiments/get', { experiment_id: '424242' })).status, 404);
    const noId = await api.get('/experiments/get');
    assert.equal(noId.status, 400);
    assert.equal(
      noId.json.message,
      "Missing value for required parameter 'experiment_id'. See the API docs for more information about request parameters.",
    );
  });

  it('runs: create, get, update, delete, restore', async () => {
    const created = await api.post('/runs/create', {
      experiment_id: exp,
      tags: [{ key: 'mlflow.user', value: 'u' }],
      start_time: 5,
    });
    const id = created.json.run.info.run_id;
    assert.equal(created.json.run.info.status, 'RUNNING');
    const updated = await api.post('/runs/update', { run_id: id, status: 'FINISHED', end_time: 10 });
    assert.equal(updated.json.run_info.status, 'FINISHED');
    assert.equal(updated.json.run_info.end_time, 10);
    const byNumber = await api.post('/runs/update', { run_uuid: id, status: 4 });
    assert.equal(byNumber.json.run_info.status, 'FAILED');
    assert.equal((await api.post('/runs/delete', { run_id: id })).status, 200);
    assert.equal((await api.get('/runs/get', { run_id: id })).json.run.info.lifecycle_stage, 'deleted');
    const logDeleted = await api.post('/runs/log-parameter', { run_id: id, key: 'a', value: '1' });
    assert.equal(logDeleted.status, 400);
    assert.equal((await api.post('/runs/restore', { run_id: id })).status, 200);
    const unknown = await api.get('/runs/get', { run_id: 'f'.repeat(32) });
    assert.equal(unknown.status, 404);
    assert.equal(unknown.json.message, `Run with id=${'f'.repeat(32)} not found`);
    const deletedExp = (await api.post('/experiments/create', { name: 'soon-deleted' })).json.experiment_id;
    await api.post('/experiments/delete', { experiment_id: deletedExp });
    assert.equal((await api.post('/runs/create', { experiment_id: deletedExp })).status, 400);
  });

  it('logging: metric, param, tag, delete-tag, batch, model, inputs, outputs', async () => {
    assert.equal(
      (await api.post('/runs/log-metric', { run_id: run, key: 'loss', value: 0.5, timestamp: 10, step: 1 })).status,
      200,
    );
    assert.equal(
      (await api.post('/runs/log-metric', { run_id: run, key: 'loss', value: 'NaN', timestamp: 11, step: 2 })).status,
      200,
    );
    assert.equal((await api.post('/runs/log-parameter', { run_id: run, key: 'lr', value: '0.1' })).status, 200);
    const overwrite = await api.post('/runs/log-parameter', { run_id: run, key: 'lr', value: '0.2' });
    assert.equal(overwrite.status, 400);
    assert.match(overwrite.json.message, /Changing param values is not allowed/);
    assert.equal((await api.post('/runs/set-tag', { run_id: run, key: 'color', value: 'red' })).status, 200);
    assert.equal((await api.post('/runs/delete-tag', { run_id: run, key: 'color' })).status, 200);
    assert.equal((await api.post('/runs/delete-tag', { run_id: run, key: 'color' })).status, 404);
    const batch = await api.post('/runs/log-batch', {
      run_id: run,
      metrics: [{ key: 'acc', value: 0.9, timestamp: 20, step: 3 }],
      params: [{ key: 'opt', value: 'adam' }],
      tags: [{ key: 'stage', value: 'train' }],
    });
    assert.equal(batch.status, 200);
    const nested = await api.post('/runs/log-batch', { run_id: run, metrics: [{ key: 'm', value: 1 }] });
    assert.equal(
      nested.json.message,
      "Missing value for required parameter 'metrics[0].timestamp'. See the API docs for more information about request parameters.",
    );
    const model = {
      artifact_path: 'model',
      flavors: { python_function: {} },
      utc_time_created: '2024-01-01 00:00:00.000000',
      run_id: run,
    };
    assert.equal((await api.post('/runs/log-model', { run_id: run, model_json: JSON.stringify(model) })).status, 200);
    const inputs = await api.post('/runs/log-inputs', {
      run_id: run,
      datasets: [
        {
          dataset: { name: 'train', digest: 'abc', source_type: 'local', source: '{}' },
          tags: [{ key: 'mlflow.data.context', value: 'training' }],
        },
      ],
    });
    assert.equal(inputs.status, 200);
    assert.equal(
      (await api.post('/runs/outputs', { run_id: run, models: [{ model_id: 'm-1', step: 2 }] })).status,
      200,
    );

    const fetched = (await api.get('/runs/get', { run_id: run })).json.run;
    const metrics = Object.fromEntries(fetched.data.metrics.map((m: { key: string }) => [m.key, m]));
    // The latest value of each metric, with its timestamp and step.
    assert.deepEqual(metrics.loss, { key: 'loss', value: 'NaN', timestamp: 11, step: 2 });
    assert.deepEqual(metrics.acc, { key: 'acc', value: 0.9, timestamp: 20, step: 3 });
    const params = Object.fromEntries(fetched.data.params.map((p: { key: string; value: string }) => [p.key, p.value]));
    assert.deepEqual(params, { lr: '0.1', opt: 'adam' });
    const tags = Object.fromEntries(fetched.data.tags.map((t: { key: string; value: string }) => [t.key, t.value]));
    assert.equal(tags.stage, 'train');
    assert.equal(tags.color, undefined);
    const history = JSON.parse(tags['mlflow.log-model.history']);
    assert.deepEqual(history, [model]);
    assert.deepEqual(fetched.inputs.dataset_inputs, [
      {
        tags: [{ key: 'mlflow.data.context', value: 'training' }],
        dataset: { name: 'train', digest: 'abc', source_type: 'local', source: '{}' },
      },
    ]);
    assert.deepEqual(fetched.outputs, { model_outputs: [{ model_id: 'm-1', step: 2 }] });
  });

  it('metric history: paged, bulk-interval, and the UI bulk route', async () => {
    const id = (await api.post('/runs/create', { experiment_id: exp })).json.run.info.run_id;
    const metrics = Array.from({ length: 7 }, (_, i) => ({ key: 'h', value: i / 10, timestamp: 100 + i, step: i }));
    await api.post('/runs/log-batch', { run_id: id, metrics });
    const all = await api.get('/metrics/get-history', { run_id: id, metric_key: 'h' });
    assert.equal(all.json.metrics.length, 7);
    assert.equal(all.json.next_page_token, undefined);
    const page = await api.get('/metrics/get-history', { run_id: id, metric_key: 'h', max_results: '3' });
    assert.equal(page.json.metrics.length, 3);
    const next = await api.get('/metrics/get-history', {
      run_id: id,
      metric_key: 'h',
      max_results: '3',
      page_token: page.json.next_page_token,
    });
    assert.deepEqual(
      next.json.metrics.map((m: { step: number }) => m.step),
      [3, 4, 5],
    );
    assert.equal((await api.get('/metrics/get-history', { run_id: id, metric_key: 'h', page_token: 'x' })).status, 400);
    const bulk = await api.get('/metrics/get-history-bulk-interval', {
      run_ids: [id, run],
      metric_key: 'h',
      max_results: '3',
    });
    assert.ok(bulk.json.metrics.every((m: { run_id: string }) => m.run_id === id));
    assert.ok(bulk.json.metrics.length >= 3);
    const range = await api.get('/metrics/get-history-bulk-interval', {
      run_ids: id,
      metric_key: 'h',
      start_step: '2',
    });
    assert.equal(range.status, 400);
    const ui = await mlflowApi(keel.url, '/ajax-api/2.0/mlflow').get('/metrics/get-history-bulk', {
      run_id: [id],
      metric_key: 'h',
    });
    assert.equal(ui.json.metrics.length, 7);
    assert.equal(ui.json.metrics[0].run_id, id);
    const uiMissing = await mlflowApi(keel.url, '/ajax-api/2.0/mlflow').get('/metrics/get-history-bulk', {
      run_id: [id],
    });
    assert.equal(uiMissing.json.message, 'GetMetricHistoryBulk request must specify a metric_key.');
    assert.equal((await api.get('/metrics/get-history-bulk', { run_id: id, metric_key: 'h' })).status, 404);
  });

  it('UI dataset summaries', async () => {
    const res = await mlflowApi(keel.url, '/ajax-api/2.0/mlflow').post('/experiments/search-datasets', {
      experiment_ids: [exp],
    });
    assert.deepEqual(res.json.dataset_summaries, [
      { experiment_id: exp, name: 'train', digest: 'abc', context: 'training' },
    ]);
  });
});
