// Values come back exactly as they were logged, in every answer that carries them (a step of 0
// included), and a dataset that lacks a required field is refused with MLflow's error, storing
// nothing.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '@keel/platform/testing';
import { mlflowApi } from '../support/http.js';

const MISSING = (field: string) =>
  `Missing value for required parameter '${field}'. See the API docs for more information about request parameters.`;

describe('logged values round-trip', () => {
  let keel: TestServer;
  let api: ReturnType<typeof mlflowApi>;
  let ajax: ReturnType<typeof mlflowApi>;
  let exp: string;
  let run: string;

  before(async () => {
    keel = await startTestServer();
    api = mlflowApi(keel.url);
    ajax = mlflowApi(keel.url, '/ajax-api/2.0/mlflow');
    exp = (await api.post('/experiments/create', { name: 'values' })).json.experiment_id;
    run = (await api.post('/runs/create', { experiment_id: exp, start_time: 1 })).json.run.info.run_id;
    assert.equal(
      (await api.post('/runs/log-metric', { run_id: run, key: 'zero', value: 0.5, timestamp: 10, step: 0 })).status,
      200,
    );
    // No step at all: MLflow stores and answers 0.
    assert.equal(
      (await api.post('/runs/log-metric', { run_id: run, key: 'nostep', value: 2, timestamp: 11 })).status,
      200,
    );
  });
  after(() => keel.close());

  const zero = { key: 'zero', value: 0.5, timestamp: 10, step: 0 };
  const noStep = { key: 'nostep', value: 2, timestamp: 11, step: 0 };
  const byKey = (metrics: { key: string }[]) => [...metrics].sort((a, b) => a.key.localeCompare(b.key));

  it('runs/get answers step 0', async () => {
    const got = await api.get('/runs/get', { run_id: run });
    assert.deepEqual(byKey(got.json.run.data.metrics), [noStep, zero]);
  });

  it('runs/search answers step 0', async () => {
    const found = await api.post('/runs/search', { experiment_ids: [exp] });
    assert.deepEqual(byKey(found.json.runs[0].data.metrics), [noStep, zero]);
  });

  it('metrics/get-history answers step 0', async () => {
    const history = await api.get('/metrics/get-history', { run_id: run, metric_key: 'zero' });
    assert.deepEqual(history.json.metrics, [zero]);
  });

  it('metrics/get-history-bulk-interval and the UI bulk route answer step 0', async () => {
    const interval = await api.get('/metrics/get-history-bulk-interval', { run_ids: run, metric_key: 'zero' });
    assert.deepEqual(interval.json.metrics, [{ ...zero, run_id: run }]);
    const bulk = await ajax.get('/metrics/get-history-bulk', { run_id: [run], metric_key: 'zero' });
    assert.deepEqual(bulk.json.metrics, [{ ...zero, run_id: run }]);
  });

  it('refuses a dataset without a digest with MLflow error JSON and stores nothing of the batch', async () => {
    const res = await api.post('/runs/log-inputs', {
      run_id: run,
      datasets: [
        { dataset: { name: 'ok', digest: 'd1', source_type: 'local', source: '{}' } },
        { dataset: { name: 'x', source_type: 'local', source: '{}' } },
      ],
    });
    assert.equal(res.status, 400);
    assert.deepEqual(res.json, {
      error_code: 'INVALID_PARAMETER_VALUE',
      message: MISSING('datasets[1].dataset.digest'),
    });
    assert.deepEqual((await api.get('/runs/get', { run_id: run })).json.run.inputs, {});
  });

  it('refuses a dataset tag without a value and stores nothing', async () => {
    const res = await api.post('/runs/log-inputs', {
      run_id: run,
      datasets: [{ dataset: { name: 'y', digest: 'd2', source_type: 'local', source: '{}' }, tags: [{ key: 'k' }] }],
    });
    assert.equal(res.status, 400);
    assert.deepEqual(res.json, {
      error_code: 'INVALID_PARAMETER_VALUE',
      message: MISSING('datasets[0].tags[0].value'),
    });
    assert.deepEqual((await api.get('/runs/get', { run_id: run })).json.run.inputs, {});
  });
});
