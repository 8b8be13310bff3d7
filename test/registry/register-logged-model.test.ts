// The MLflow 3 registration flow over HTTP (registry-api.md §8): a logged model registered from
// `models:/m-<id>`, its download URI and run, and the `mlflow.modelVersions` link on the model.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '@keel/platform/testing';
import { type Client, client, expectError, expectOk } from '../support/http.js';

describe('registering a logged model', () => {
  let keel: TestServer;
  let api: Client;
  let runId: string;
  let modelId: string;
  let modelUri: string;
  before(async () => {
    keel = await startTestServer();
    api = client(keel);
    const exp = expectOk(await api.post('experiments/create', { name: 'reg' })).experiment_id;
    runId = expectOk(await api.post('runs/create', { experiment_id: exp })).run.info.run_id;
    const model = expectOk(
      await api.post('logged-models', { experiment_id: exp, name: 'model', source_run_id: runId }),
    );
    modelId = model.model.info.model_id;
    modelUri = model.model.info.artifact_uri;
  });
  after(() => keel.close());

  const modelVersionsTag = async () => {
    const model = expectOk(await api.get(`logged-models/${modelId}`)).model;
    return model.info.tags?.find((t: { key: string }) => t.key === 'mlflow.modelVersions')?.value;
  };

  it('creates the version from models:/<id>, defaulting its run and pointing at the model’s artifacts', async () => {
    // The Python client's sequence: create the model (tolerating "already exists"), then the version.
    expectOk(await api.post('registered-models/create', { name: 'reg' }));
    expectError(await api.post('registered-models/create', { name: 'reg' }), 400, 'RESOURCE_ALREADY_EXISTS');
    const version = expectOk(
      await api.post('model-versions/create', { name: 'reg', source: `models:/${modelId}`, model_id: modelId }),
    ).model_version;
    assert.equal(version.version, '1');
    assert.equal(version.run_id, runId);
    assert.equal(version.status, 'READY');
    const uri = expectOk(await api.get('model-versions/get-download-uri', { name: 'reg', version: '1' }));
    assert.equal(uri.artifact_uri, modelUri);
    assert.equal(await modelVersionsTag(), '[{"name": "reg", "version": 1}]');
  });

  it('appends each registration to mlflow.modelVersions once', async () => {
    expectOk(await api.post('registered-models/create', { name: 'reg-2' }));
    const source = `models:/${modelId}`;
    expectOk(await api.post('model-versions/create', { name: 'reg-2', source, model_id: modelId, run_id: runId }));
    assert.equal(await modelVersionsTag(), '[{"name": "reg", "version": 1}, {"name": "reg-2", "version": 1}]');
    // Versions made from another version resolve through it.
    const copy = expectOk(await api.post('model-versions/create', { name: 'reg-2', source: 'models:/reg/1' }));
    const uri = expectOk(
      await api.get('model-versions/get-download-uri', { name: 'reg-2', version: copy.model_version.version }),
    );
    assert.equal(uri.artifact_uri, modelUri);
  });

  it('refuses unknown logged models without creating anything', async () => {
    expectOk(await api.post('registered-models/create', { name: 'reg-3' }));
    const unknown = 'm-00000000000000000000000000000000';
    expectError(
      await api.post('model-versions/create', { name: 'reg-3', source: 's3://b/x', model_id: unknown }),
      404,
      'RESOURCE_DOES_NOT_EXIST',
    );
    expectError(
      await api.post('model-versions/create', { name: 'reg-3', source: `models:/${unknown}` }),
      400,
      'INVALID_PARAMETER_VALUE',
      /Unable to fetch model from model URI source artifact location/,
    );
    const first = expectOk(await api.post('model-versions/create', { name: 'reg-3', source: 's3://b/ok' }));
    assert.equal(first.model_version.version, '1');
  });

  it('accepts a local source only inside the logged model’s local artifact directory', async () => {
    const local = join(keel.config.artifactsDestination, 'local-store');
    const exp = expectOk(await api.post('experiments/create', { name: 'reg-local', artifact_location: local }));
    const model = expectOk(await api.post('logged-models', { experiment_id: exp.experiment_id, name: 'local' })).model;
    expectOk(await api.post('registered-models/create', { name: 'reg-local' }));
    const inside = join(model.info.artifact_uri, 'MLmodel');
    expectOk(
      await api.post('model-versions/create', { name: 'reg-local', source: inside, model_id: model.info.model_id }),
    );
    expectError(
      await api.post('model-versions/create', { name: 'reg-local', source: local, model_id: model.info.model_id }),
      400,
      'INVALID_PARAMETER_VALUE',
      /the model_id request parameter has to be specified and the local path has to be contained within the artifact directory of the model/,
    );
  });
});
