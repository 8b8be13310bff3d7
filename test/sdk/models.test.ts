// The SDK's models: saveModel and loadModel of a local directory, logModel following MLflow 3's
// logged-model flow against a real Keel server (and the MLflow 2 run-artifact layout when the
// server has no logged models), registration in the same call, and loading back by every URI form.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  createClient,
  createTracker,
  type KeelClient,
  loadModel,
  logModel,
  saveModel,
  type Transport,
} from '@keel/client/node';
import { classifierLabel, classifierOnnxModel, writeJsModelDir } from '@keel/platform/testing';
import { startTestServer, type TestServer } from './support.js';

const ROWS = [
  [5.1, 3.5, 1.4, 0.2],
  [0, 1, 0, 0],
  [0, 0, 0, 1],
];

/** A transport that answers 404 ENDPOINT_NOT_FOUND for the logged-model endpoints, as an MLflow 2 server does. */
function withoutLoggedModels(inner: Transport): Transport {
  return {
    uri: inner.uri,
    request: async (request) => {
      if (request.path.includes('/logged-models') || request.path.endsWith('/runs/outputs')) {
        return { status: 404, headers: {}, body: '{"error_code": "ENDPOINT_NOT_FOUND", "message": "Not found"}' };
      }
      return inner.request(request);
    },
    close: () => inner.close?.() ?? Promise.resolve(),
  };
}

describe('SDK models: saveModel, logModel, loadModel', () => {
  let keel: TestServer;
  let client: KeelClient;
  let dir: string;
  let experimentId: string;
  before(async () => {
    keel = await startTestServer();
    client = createClient({ trackingUri: keel.url, env: {} });
    dir = mkdtempSync(join(tmpdir(), 'keel-sdk-models-'));
    experimentId = (await client.createExperiment({ name: 'sdk-models' })).experiment_id;
  });
  after(async () => {
    await client.close();
    await keel.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('saves an ONNX model with an inferred signature and loads it back from the directory', async () => {
    const target = join(dir, 'saved');
    const mlmodel = await saveModel(target, {
      flavor: 'onnx',
      model: classifierOnnxModel(),
      inputExample: ROWS.slice(0, 1),
    });
    assert.ok(mlmodel.flavors.onnx);
    assert.ok(readFileSync(join(target, 'serving_input_example.json'), 'utf8').includes('"inputs"'));
    const model = await loadModel(target);
    assert.equal(model.flavor, 'onnx');
    const out = (await model.predict(ROWS)) as { label: { toJSON(): unknown } };
    assert.deepEqual(out.label.toJSON(), ROWS.map(classifierLabel));
    await model.close();
  });

  it('logs a model the MLflow 3 way, registers it, and loads it by every URI form', async () => {
    const { run } = await client.createRun({ experiment_id: experimentId });
    const runId = run.info.run_id;
    await client.logBatch({
      run_id: runId,
      params: [{ key: 'lr', value: '0.1' }],
      metrics: [{ key: 'acc', value: 0.9, timestamp: Date.now(), step: 0 }],
    });
    const info = await logModel(client, {
      flavor: 'onnx',
      model: classifierOnnxModel(),
      runId,
      inputExample: ROWS.slice(0, 1),
      registeredModelName: 'iris-sdk',
      registration: { waitTimeoutMs: 10_000, pollIntervalMs: 50 },
    });
    assert.match(info.modelId ?? '', /^m-/);
    assert.equal(info.modelUri, `models:/${info.modelId}`);
    assert.equal(info.registeredVersion?.version, '1');
    assert.equal(info.mlmodel.model_id, info.modelId);
    assert.equal(info.mlmodel.artifact_path, info.artifactUri);

    const { model } = await client.getLoggedModel({ model_id: info.modelId as string });
    assert.equal(model.info.status, 'LOGGED_MODEL_READY');
    assert.equal(model.info.source_run_id, runId);
    assert.deepEqual(model.data.params, [{ key: 'lr', value: '0.1' }]);
    assert.deepEqual(
      model.data.metrics?.map((m) => [m.key, m.value]),
      [['acc', 0.9]],
    );
    const { run: after } = await client.getRun({ run_id: runId });
    assert.deepEqual(
      after.outputs?.model_outputs?.map((o) => o.model_id),
      [info.modelId],
    );

    await client.setRegisteredModelAlias({ name: 'iris-sdk', alias: 'champion', version: '1' });
    const { downloadModel } = await import('@keel/client/node');
    const fetched = await downloadModel(client, 'models:/iris-sdk@champion');
    assert.equal(
      readFileSync(join(fetched.dir, 'registered_model_meta'), 'utf8'),
      'model_name: "iris-sdk"\nmodel_version: "1"\n',
    );
    await fetched.remove();
    for (const uri of [
      info.modelUri,
      `runs:/${runId}/model`,
      'models:/iris-sdk/1',
      'models:/iris-sdk@champion',
      'models:/iris-sdk/latest',
    ]) {
      const loaded = await loadModel(uri, client);
      const out = (await loaded.predict([ROWS[2]])) as { label: { toJSON(): unknown } };
      assert.deepEqual(out.label.toJSON(), [classifierLabel(ROWS[2] as number[])], uri);
      await loaded.close();
    }
  });

  it('logs into the run’s artifacts (MLflow 2 layout) when the server has no logged models', async () => {
    const legacy = createClient({ trackingUri: keel.url, env: {}, transport: withoutLoggedModels(client.transport) });
    const { run } = await client.createRun({ experiment_id: experimentId });
    const source = writeJsModelDir(join(dir, 'js-src'));
    const info = await logModel(legacy, {
      flavor: 'js_function',
      module: join(source, 'code', 'model.mjs'),
      data: join(source, 'data', 'weights.json'),
      runId: run.info.run_id,
      name: 'scorer',
      inputExample: [{ x1: 1, x2: 2 }],
      registeredModelName: 'scorer-legacy',
      registration: { waitTimeoutMs: 10_000, pollIntervalMs: 50 },
    });
    assert.equal(info.modelId, undefined);
    assert.equal(info.modelUri, `runs:/${run.info.run_id}/scorer`);
    assert.equal(info.mlmodel.artifact_path, 'scorer');
    const { run: after } = await client.getRun({ run_id: run.info.run_id });
    const history = JSON.parse(after.data.tags?.find((t) => t.key === 'mlflow.log-model.history')?.value ?? '[]');
    assert.equal(history[0]?.artifact_path, 'scorer');
    const files = await client.listArtifacts({ run_id: run.info.run_id, path: 'scorer' });
    assert.ok(files.files?.some((f) => f.path === 'scorer/MLmodel'));
    assert.equal(info.registeredVersion?.version, '1');
    const loaded = await loadModel('models:/scorer-legacy/1', client);
    assert.equal(loaded.flavor, 'js_function');
    assert.deepEqual(await loaded.predict([{ x1: 1, x2: 2 }]), [9]);
    await loaded.close();
    await legacy.close();
  });

  it('tracker.logModel logs the active run’s model with the metrics still queued', async () => {
    const tracker = createTracker({ trackingUri: keel.url, env: {}, handleExit: false });
    await tracker.setExperiment('sdk-models-tracker');
    const info = await tracker.withRun(async (run) => {
      run.logMetric('loss', 0.25);
      return tracker.logModel({ flavor: 'onnx', model: classifierOnnxModel(), name: 'clf' });
    });
    const { model } = await client.getLoggedModel({ model_id: info.modelId as string });
    assert.equal(model.info.name, 'clf');
    assert.deepEqual(
      model.data.metrics?.map((m) => [m.key, m.value]),
      [['loss', 0.25]],
    );
    await tracker.close();
  });

  it('refuses what cannot be loaded, with the model URI resolver’s errors', async () => {
    await assert.rejects(loadModel('models:/no-such-model/1', client), { code: 'RESOURCE_DOES_NOT_EXIST' });
    await assert.rejects(loadModel('models:/iris-sdk/1'), /needs a tracking server/);
  });
});
