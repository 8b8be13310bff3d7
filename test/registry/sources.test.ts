// Model-version sources over HTTP (registry-api.md MV1, artifacts.md §7): no source, whatever
// its encoding or scheme, may point the server at files outside artifact storage.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { startTestServer, type TestServer } from '@keel/platform/testing';
import { type Client, client, expectError, expectOk } from '../support/http.js';

const RELATIVE =
  /^Invalid model version source: '.*'\. If supplying a source as an http, https, local file path, ftp, objectstore, or mlflow-artifacts uri, an absolute path must be provided without relative path references present\. Please provide an absolute path\.$/s;
const LOCAL = /To use a local path as a model version source, the run_id request parameter has to be specified/;

const TRAVERSALS = [
  'mlflow-artifacts://host:5000/../../etc',
  'mlflow-artifacts://localhost/..%2f..%2fsecret',
  'mlflow-artifacts://localhost/..%2F..%2Fsecret',
  'mlflow-artifacts:/%2e%2e/%2e%2e/etc/passwd',
  'mlflow-artifacts:/%252e%252e/%252e%252e/etc/passwd',
  'mlflow-artifacts:/%25252e%25252e%25252fetc',
  'mlflow-artifacts:/a/..%5c..%5cetc',
  'mlflow-artifacts:/a/.%2e/b',
  'mlflow-artifacts:////etc/passwd',
  'mlflow-artifacts:/a/./b',
  'mlflow-artifacts:/a/%2E/b',
  'http://h/api/2.0/mlflow-artifacts/artifacts/../../x',
  'http://h/api/2.0/mlflow-artifacts/artifacts%00',
  'http://h/api/2.0/mlflow-artifacts/artifacts/x%2500y',
  'https://h//etc/passwd',
  's3:/bucket/models/../../other',
  's3://bucket/models/..;x/..;y/other',
  's3://bucket/a/..+/../b',
  'gs://bucket/a/%2e%2e%2f%2e%2e%2fb',
  'ftp://h/a/../../b',
  'models:/iris/../other/1',
  'runs:/abc/../../def/model',
];

describe('model version sources over HTTP', () => {
  let keel: TestServer;
  let api: Client;
  let runDir: string;
  let runId: string;
  before(async () => {
    keel = await startTestServer();
    api = client(keel);
    expectOk(await api.post('registered-models/create', { name: 'src' }));
    // An experiment on local disk (inside the artifact roots), so its runs own a local directory.
    const local = join(keel.config.artifactsDestination, 'local-artifacts');
    const exp = expectOk(await api.post('experiments/create', { name: 'local', artifact_location: local }));
    const run = expectOk(await api.post('runs/create', { experiment_id: exp.experiment_id }));
    runId = run.run.info.run_id;
    runDir = run.run.info.artifact_uri;
    mkdirSync(join(runDir, 'model'), { recursive: true });
  });
  after(() => keel.close());

  const create = (source: string, extra: Record<string, unknown> = {}) =>
    api.post('model-versions/create', { name: 'src', source, ...extra });

  for (const source of TRAVERSALS) {
    it(`refuses ${JSON.stringify(source)}`, async () => {
      expectError(await create(source), 400, 'INVALID_PARAMETER_VALUE', RELATIVE);
    });
  }

  it('refuses local paths without a run or outside the run’s artifact directory', async () => {
    expectError(await create('/models/golden-model'), 400, 'INVALID_PARAMETER_VALUE', LOCAL);
    expectError(await create(join(runDir, 'model')), 400, 'INVALID_PARAMETER_VALUE', LOCAL);
    expectError(await create(`${runDir}/../../..`, { run_id: runId }), 400, 'INVALID_PARAMETER_VALUE', LOCAL);
    expectError(await create(keel.dir, { run_id: runId }), 400, 'INVALID_PARAMETER_VALUE', LOCAL);
    expectError(
      await create(`file://${runDir}/%2e%2e/%2e%2e`, { run_id: runId }),
      400,
      'INVALID_PARAMETER_VALUE',
      LOCAL,
    );
    expectError(
      await create(`${pathToFileURL(runDir).href}%00`, { run_id: runId }),
      400,
      'INVALID_PARAMETER_VALUE',
      LOCAL,
    );
    expectError(await create('file://evil-host/share/model', { run_id: runId }), 400, 'INVALID_PARAMETER_VALUE');
    expectError(
      await create(join(runDir, 'model'), { run_id: 'no-such-run' }),
      404,
      'RESOURCE_DOES_NOT_EXIST',
      'Run with id=no-such-run not found',
    );
  });

  it('accepts safe sources; refused ones took no version number', async () => {
    const local = expectOk(await create(join(runDir, 'model'), { run_id: runId })).model_version;
    assert.equal(local.version, '1');
    const fileUri = expectOk(await create(pathToFileURL(join(runDir, 'model')).href, { run_id: runId }));
    assert.equal(fileUri.model_version.version, '2');
    for (const source of ['s3://bucket/models/v3', 'mlflow-artifacts:/1/abc/artifacts/model', 's3://b/a..b/c']) {
      expectOk(await create(source));
    }
  });

  it('derives the storage location of models:/<name>/<version> sources', async () => {
    const copy = expectOk(await create('models:/src/1')).model_version;
    assert.equal(copy.source, 'models:/src/1');
    const uri = expectOk(await api.get('model-versions/get-download-uri', { name: 'src', version: copy.version }));
    assert.equal(uri.artifact_uri, join(runDir, 'model'));
    expectError(
      await create('models:/src/99'),
      400,
      'INVALID_PARAMETER_VALUE',
      /Unable to fetch model from model URI source/,
    );
  });

  it('checks prompt sources like any other, recording only a bare label', async () => {
    const tags = [{ key: 'mlflow.prompt.is_prompt', value: 'true' }];
    expectError(await create('not/a/../uri', { tags }), 400, 'INVALID_PARAMETER_VALUE');
    expectError(await create('/etc', { tags }), 400, 'INVALID_PARAMETER_VALUE', LOCAL);
    const prompt = expectOk(await create('dummy-source', { tags })).model_version;
    assert.equal(prompt.source, 'dummy-source');
  });

  it('refuses schemes that name no artifact store', async () => {
    expectError(await create('ldap://b/a..b/c'), 400, 'INVALID_PARAMETER_VALUE', /Unsupported artifact location/);
  });

  it('accepts remote sources with a run_id as MLflow does, and reads none of them', async () => {
    // The cases of MLflow's own test_create_model_version_with_non_local_source.
    for (const source of [
      'mlflow-artifacts:/models',
      'mlflow-artifacts:/models/',
      'mlflow-artifacts:/models///',
      'mlflow-artifacts:/models/foo///bar',
      'mlflow-artifacts://host:9000/models',
      'mlflow-artifacts://host:9000/models/artifact/..../',
      's3://golden-bucket/models/m1',
      'gs://bucket/models/m1',
      'wasbs://c@account.blob.core.windows.net/models/m1',
      'hdfs://namenode:8020/models/m1',
      'https://models.example.com/golden/m2',
    ]) {
      expectOk(await create(source, { run_id: runId }));
    }
    for (const source of [
      'mlflow-artifacts://host:9000/models/../../../',
      'http://host:9000/models/../../../',
      'https://host/api/2.0/mlflow-artifacts/artifacts/../../../',
      's3a://my_bucket/api/2.0/mlflow-artifacts/artifacts/../../../',
      'ftp://host:8888/api/2.0/mlflow-artifacts/artifacts/../../../',
      'mlflow-artifacts://host:9000/models/..%2f..%2fartifacts',
      'mlflow-artifacts://host:9000/models/artifact%00',
      `dbfs:/${runId}/artifacts/a%3f/../../../../../../../../../../`,
    ]) {
      expectError(await create(source, { run_id: runId }), 400, 'INVALID_PARAMETER_VALUE', RELATIVE);
    }
    // A recorded gs: source is never opened: reading through it names the schemes Keel serves.
    const gs = expectOk(await create('gs://bucket/models/read-me', { run_id: runId })).model_version;
    const res = await fetch(`${keel.url}/model-versions/get-artifact?name=src&version=${gs.version}&path=MLmodel`);
    assert.equal(res.status, 400);
    assert.match(
      ((await res.json()) as { message: string }).message,
      /No artifact repository is available for scheme 'gs'/,
    );
  });

  it("accepts a local source that resolves inside the run's artifact directory (`model/..`)", async () => {
    expectOk(await create(`${runDir}/model/..`, { run_id: runId }));
    expectOk(await create(`${pathToFileURL(runDir).href}/model/..`, { run_id: runId }));
    expectOk(await create(`${runDir}/.`, { run_id: runId }));
    expectError(await create(`${runDir}/model/../..`, { run_id: runId }), 400, 'INVALID_PARAMETER_VALUE', LOCAL);
  });
});

describe('model version source pattern', () => {
  let keel: TestServer;
  before(async () => {
    keel = await startTestServer({ modelVersionSourceRegex: '^s3://approved/' });
    expectOk(await client(keel).post('registered-models/create', { name: 'p' }));
  });
  after(() => keel.close());

  it('accepts only matching sources', async () => {
    const api = client(keel);
    expectOk(await api.post('model-versions/create', { name: 'p', source: 's3://approved/m' }));
    expectError(
      await api.post('model-versions/create', { name: 'p', source: 's3://other/m' }),
      400,
      'INVALID_PARAMETER_VALUE',
      "Invalid model version source: 's3://other/m'.",
    );
  });
});
