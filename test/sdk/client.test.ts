// The low-level client against a real Keel server: one method per endpoint, request encoding,
// wire entities back, and errors as MlflowError with MLflow's code and the HTTP status.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CLIENT_ENDPOINTS, HttpTransport, KeelClient, MlflowError, tracking } from '@keel/client';
import { QUICK_RETRY, recording, startTestServer, type TestServer } from './support.js';

async function rejectsWith(promise: Promise<unknown>, code: string, status: number): Promise<MlflowError> {
  const error = await promise.then(
    () => assert.fail('expected an MlflowError'),
    (e: unknown) => e,
  );
  assert.ok(error instanceof MlflowError, `expected MlflowError, got ${String(error)}`);
  assert.equal(error.code, code, error.message);
  assert.equal(error.status, status);
  return error;
}

describe('KeelClient (low level)', () => {
  let keel: TestServer;
  let client: KeelClient;
  before(async () => {
    keel = await startTestServer();
    client = new KeelClient({ trackingUri: keel.url, retry: QUICK_RETRY });
  });
  after(async () => {
    await client.close();
    await keel.close();
  });

  test('every client method reaches a route the server serves, with a method it accepts', async () => {
    // Called with placeholders only: each call must be answered by the endpoint itself (a result,
    // or MLflow's JSON error about the request), never by the framework's 404 or 405 page.
    const transport = recording(new HttpTransport({ baseUrl: keel.url, retry: QUICK_RETRY }));
    const probe = new KeelClient({ transport });
    const methods = probe as unknown as Record<string, (request: object) => Promise<unknown>>;
    for (const endpoint of CLIENT_ENDPOINTS) {
      const params = Object.fromEntries([...endpoint.path.matchAll(/\{(\w+)\}/g)].map((m) => [m[1], 'x']));
      const sentBefore = transport.sent.length;
      const error = await (methods[endpoint.name] as (request: object) => Promise<unknown>).call(probe, params).then(
        () => undefined,
        (e: unknown) => e,
      );
      const sent = transport.sent[sentBefore];
      assert.ok(sent, `${endpoint.name} sent a request`);
      assert.equal(sent.request.method, endpoint.methods[0], endpoint.name);
      if (error !== undefined) {
        assert.ok(error instanceof MlflowError, `${endpoint.name}: ${String(error)}`);
        assert.ok(
          ['INVALID_PARAMETER_VALUE', 'RESOURCE_DOES_NOT_EXIST'].includes(error.code),
          `${endpoint.name}: ${error.code} ${error.message}`,
        );
        assert.ok(!/failed with HTTP/.test(error.message), `${endpoint.name} got a non-JSON answer: ${error.message}`);
      }
    }
  });

  test('experiments: create, get, get by name, rename, tags, delete and restore', async () => {
    const { experiment_id } = await client.createExperiment({ name: 'client-exp', tags: [{ key: 'a', value: '1' }] });
    const { experiment } = await client.getExperiment({ experiment_id });
    assert.equal(experiment.name, 'client-exp');
    assert.deepEqual(experiment.tags, [{ key: 'a', value: '1' }]);
    await client.updateExperiment({ experiment_id, new_name: 'client-exp-2' });
    assert.equal(
      (await client.getExperimentByName({ experiment_name: 'client-exp-2' })).experiment.experiment_id,
      experiment_id,
    );
    await client.setExperimentTag({ experiment_id, key: 'b', value: '2' });
    await client.deleteExperimentTag({ experiment_id, key: 'a' });
    assert.deepEqual((await client.getExperiment({ experiment_id })).experiment.tags, [{ key: 'b', value: '2' }]);
    await client.deleteExperiment({ experiment_id });
    assert.equal((await client.getExperiment({ experiment_id })).experiment.lifecycle_stage, 'deleted');
    await client.restoreExperiment({ experiment_id });
    assert.equal((await client.getExperiment({ experiment_id })).experiment.lifecycle_stage, 'active');
  });

  test('runs: create, get, update, delete and restore return wire entities', async () => {
    const { run } = await client.createRun({
      experiment_id: '0',
      run_name: 'r1',
      start_time: 1000,
      tags: [{ key: 't', value: 'v' }],
    });
    assert.match(run.info.run_id, /^[0-9a-f]{32}$/);
    assert.equal(run.info.status, 'RUNNING');
    assert.equal(run.info.run_name, 'r1');
    const { run_info } = await client.updateRun({ run_id: run.info.run_id, status: 'FINISHED', end_time: 2000 });
    assert.equal(run_info.status, 'FINISHED');
    assert.equal(run_info.end_time, 2000);
    await client.deleteRun({ run_id: run.info.run_id });
    assert.equal((await client.getRun({ run_id: run.info.run_id })).run.info.lifecycle_stage, 'deleted');
    await client.restoreRun({ run_id: run.info.run_id });
    assert.equal((await client.getRun({ run_id: run.info.run_id })).run.info.lifecycle_stage, 'active');
  });

  test('logging: metric, param, tag, batch and inputs show up on the run', async () => {
    const { run } = await client.createRun({ experiment_id: '0' });
    const run_id = run.info.run_id;
    await client.logMetric({ run_id, key: 'loss', value: 0.5, timestamp: 10, step: 1 });
    await client.logMetric({ run_id, key: 'nan', value: 'NaN', timestamp: 10 });
    await client.logParam({ run_id, key: 'lr', value: '0.1' });
    await client.setTag({ run_id, key: 'team', value: 'ml' });
    await client.setTag({ run_id, key: 'gone', value: 'x' });
    await client.deleteTag({ run_id, key: 'gone' });
    await client.logBatch({
      run_id,
      metrics: [{ key: 'acc', value: 0.9, timestamp: 11, step: 2 }],
      params: [{ key: 'epochs', value: '3' }],
      tags: [{ key: 'stage', value: 'dev' }],
    });
    await client.logInputs({
      run_id,
      datasets: [
        {
          dataset: { name: 'iris', digest: 'abc', source_type: 'local', source: '{}' },
          tags: [{ key: 'mlflow.data.context', value: 'training' }],
        },
      ],
    });
    const got = (await client.getRun({ run_id })).run;
    const metrics = Object.fromEntries((got.data.metrics ?? []).map((m) => [m.key, m]));
    assert.deepEqual(metrics, {
      loss: { key: 'loss', value: 0.5, timestamp: 10, step: 1 },
      // No step given: MLflow stores and answers 0.
      nan: { key: 'nan', value: 'NaN', timestamp: 10, step: 0 },
      acc: { key: 'acc', value: 0.9, timestamp: 11, step: 2 },
    });
    assert.deepEqual(Object.fromEntries((got.data.params ?? []).map((p) => [p.key, p.value])), {
      lr: '0.1',
      epochs: '3',
    });
    const tags = Object.fromEntries((got.data.tags ?? []).map((t) => [t.key, t.value]));
    assert.equal(tags.team, 'ml');
    assert.equal(tags.stage, 'dev');
    assert.equal(tags.gone, undefined);
    assert.equal(got.inputs?.dataset_inputs?.[0]?.dataset.name, 'iris');
  });

  test('metric history: pages are followed, and GET lists travel as repeated query keys', async () => {
    const transport = recording(new HttpTransport({ baseUrl: keel.url, retry: QUICK_RETRY }));
    const seen = new KeelClient({ transport });
    const runs = [];
    for (let r = 0; r < 2; r++) {
      const { run } = await seen.createRun({ experiment_id: '0' });
      runs.push(run.info.run_id);
      await seen.logBatch({
        run_id: run.info.run_id,
        metrics: Array.from({ length: 5 }, (_, i) => ({ key: 'm', value: i, timestamp: 100 + i, step: i })),
      });
    }
    const points = [];
    for await (const m of seen.paginate(
      tracking.getMetricHistory,
      { run_id: runs[0] as string, metric_key: 'm', max_results: 2 },
      'metrics',
    )) {
      points.push(m.step);
    }
    assert.deepEqual(points, [0, 1, 2, 3, 4]);
    const bulk = await seen.getMetricHistoryBulkInterval({ run_ids: runs, metric_key: 'm' });
    assert.deepEqual(new Set(bulk.metrics?.map((m) => m.run_id)), new Set(runs));
    const last = transport.sent.at(-1)?.request;
    assert.equal(last?.method, 'GET');
    assert.deepEqual(
      last?.query?.filter(([k]) => k === 'run_ids').map(([, v]) => v),
      runs,
    );
  });

  test('errors carry the JSON error_code, its HTTP status and the message', async () => {
    const missing = await rejectsWith(client.getRun({ run_id: 'f'.repeat(32) }), 'RESOURCE_DOES_NOT_EXIST', 404);
    assert.match(missing.message, /not found/);
    await client.createExperiment({ name: 'dup' });
    await rejectsWith(client.createExperiment({ name: 'dup' }), 'RESOURCE_ALREADY_EXISTS', 400);
    const { run } = await client.createRun({ experiment_id: '0' });
    await client.logParam({ run_id: run.info.run_id, key: 'p', value: '1' });
    const changed = await rejectsWith(
      client.logParam({ run_id: run.info.run_id, key: 'p', value: '2' }),
      'INVALID_PARAMETER_VALUE',
      400,
    );
    assert.match(changed.message, /Changing param values is not allowed/);
  });

  test('non-JSON error bodies get a code derived from the HTTP status', async () => {
    const unknownRoute = { ...tracking.getRun, path: '/no-such-endpoint' };
    const error = await rejectsWith(client.call(unknownRoute, { run_id: 'x' }), 'ENDPOINT_NOT_FOUND', 404);
    assert.match(error.message, /no-such-endpoint/);
  });

  test('path parameters are filled from the request and percent-encoded', async () => {
    const transport = recording(new HttpTransport({ baseUrl: keel.url, retry: QUICK_RETRY }));
    const seen = new KeelClient({ transport });
    // Logged models land from another branch; whatever the server answers, the URL must be right.
    const error = await seen.getLoggedModel({ model_id: 'm-0/1' }).catch((e: unknown) => e);
    assert.ok(error instanceof MlflowError);
    assert.equal(error.status, 404);
    assert.equal(transport.sent[0]?.request.path, '/api/2.0/mlflow/logged-models/m-0%2F1');
    assert.deepEqual(transport.sent[0]?.request.query, []);
    await seen.deleteLoggedModelTag({ model_id: 'm-1', tag_key: 'a b' }).catch(() => undefined);
    assert.equal(transport.sent[1]?.request.path, '/api/2.0/mlflow/logged-models/m-1/tags/a%20b');
    assert.equal(transport.sent[1]?.request.method, 'DELETE');
  });

  test('serverVersion reads /version', async () => {
    assert.match(await client.serverVersion(), /^\d+\.\d+\.\d+/);
  });
});
