import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ModelVersion } from './entities/registry.js';
import type { LoggedModel, Run } from './entities/tracking.js';
import { invalidParameter, MlflowError, notFound } from './errors.js';
import { type ArtifactProbe, type ModelUriClient, parseModelUri, resolveModelUri } from './model-uri.js';

const version = (v: string, stage: ModelVersion['current_stage']): ModelVersion => ({
  name: 'iris',
  version: v,
  creation_timestamp: 1,
  last_updated_timestamp: 1,
  current_stage: stage,
  source: `s3://b/iris/${v}`,
  status: 'READY',
});

const loggedModel = (id: string, name: string, runId: string, created = 1): LoggedModel => ({
  info: {
    model_id: id,
    experiment_id: '1',
    name,
    creation_timestamp_ms: created,
    last_updated_timestamp_ms: created,
    artifact_uri: `mlflow-artifacts:/1/models/${id}/artifacts`,
    status: 'LOGGED_MODEL_READY',
    source_run_id: runId,
  },
  data: {},
});

const RUN: Run = {
  info: {
    run_id: 'r1',
    run_uuid: 'r1',
    experiment_id: '1',
    status: 'FINISHED',
    start_time: 1,
    artifact_uri: 'mlflow-artifacts:/1/r1/artifacts',
    lifecycle_stage: 'active',
  },
  data: {},
  outputs: { model_outputs: [{ model_id: 'm-late', step: 5 }] },
};

/** A registry with versions 1 (Staging), 2 (Production), 3 (None) of `iris`, alias champion -> 2. */
function fakeClient(extra: Partial<ModelUriClient & ArtifactProbe> = {}): ModelUriClient & { calls: string[] } {
  const versions = [version('1', 'Staging'), version('2', 'Production'), version('3', 'None')];
  const models = [loggedModel('m-early', 'model', 'r1', 1), loggedModel('m-late', 'model', 'r1', 2)];
  const calls: string[] = [];
  const requireIris = (name: string) => {
    if (name !== 'iris') throw notFound(`Registered Model with name=${name} not found`);
  };
  return {
    calls,
    async getModelVersionDownloadUri(name, v) {
      calls.push(`download ${name}/${v}`);
      requireIris(name);
      const found = versions.find((x) => x.version === v);
      if (found === undefined) throw notFound(`Model Version (name=${name}, version=${v}) not found`);
      return found.source;
    },
    async getLatestVersions(name, stages) {
      requireIris(name);
      const wanted = stages?.map((s) => s.toLowerCase());
      return versions.filter((v) => wanted === undefined || wanted.includes(v.current_stage.toLowerCase()));
    },
    async getModelVersionByAlias(name, alias) {
      requireIris(name);
      if (alias !== 'champion') throw invalidParameter(`Registered model alias ${alias} not found.`);
      return versions[1] as ModelVersion;
    },
    async getLoggedModel(id) {
      const found = models.find((m) => m.info.model_id === id);
      if (found === undefined) throw notFound(`Logged model with ID '${id}' not found.`);
      return found;
    },
    async getRun(id) {
      if (id !== 'r1') throw notFound(`Run with id=${id} not found`);
      return RUN;
    },
    async searchLoggedModels(input) {
      calls.push(`search ${input.filter}`);
      return { models: models.filter((m) => input.filter === `name = '${m.info.name}'`) };
    },
    ...extra,
  };
}

async function rejectsWith(promise: Promise<unknown>, code: string, message: RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof MlflowError);
    assert.equal(error.code, code);
    assert.match(error.message, message);
    return true;
  });
}

describe('parseModelUri', () => {
  it('recognises every form', () => {
    assert.deepEqual(parseModelUri('models:/iris/3'), { kind: 'version', name: 'iris', version: '3', path: '' });
    assert.deepEqual(parseModelUri('models:/iris/Production'), {
      kind: 'stage',
      name: 'iris',
      stage: 'Production',
      path: '',
    });
    assert.deepEqual(parseModelUri('models:/iris/LATEST'), { kind: 'latest', name: 'iris', path: '' });
    assert.deepEqual(parseModelUri('models:/my@model@champion'), {
      kind: 'alias',
      name: 'my@model',
      alias: 'champion',
      path: '',
    });
    assert.deepEqual(parseModelUri('models:/m-abc'), { kind: 'logged-model', modelId: 'm-abc', path: '' });
    assert.deepEqual(parseModelUri('models:/iris/3/data/model.pkl'), {
      kind: 'version',
      name: 'iris',
      version: '3',
      path: 'data/model.pkl',
    });
    assert.deepEqual(parseModelUri('runs:/r1/model/MLmodel'), { kind: 'run', runId: 'r1', path: 'model/MLmodel' });
    assert.deepEqual(parseModelUri('runs:/r1'), { kind: 'run', runId: 'r1', path: '' });
    assert.deepEqual(parseModelUri('s3://b/m'), { kind: 'artifact', uri: 's3://b/m' });
    assert.deepEqual(parseModelUri('/tmp/model'), { kind: 'artifact', uri: '/tmp/model' });
  });

  it('refuses improper URIs', () => {
    for (const uri of ['models:/', 'models:iris/1', 'models:/@champion', 'models:/iris@', 'models:/iris//x']) {
      assert.throws(() => parseModelUri(uri), /Not a proper models:\/ URI/, uri);
    }
    assert.throws(() => parseModelUri('models://profile@databricks/iris/1'), /Remote model registries/);
    assert.throws(() => parseModelUri('runs:/'), /Not a proper runs:\/ URI/);
  });
});

describe('resolveModelUri', () => {
  it('resolves versions, stages, latest and aliases through the download URI', async () => {
    const client = fakeClient();
    const cases: Array<[string, string, string]> = [
      ['models:/iris/1', 's3://b/iris/1', '1'],
      ['models:/iris/production', 's3://b/iris/2', '2'],
      ['models:/iris/latest', 's3://b/iris/3', '3'],
      ['models:/iris@champion', 's3://b/iris/2', '2'],
      ['models:/iris@champion/MLmodel', 's3://b/iris/2/MLmodel', '2'],
    ];
    for (const [uri, artifactUri, v] of cases) {
      const resolved = await resolveModelUri(uri, client);
      assert.equal(resolved.artifactUri, artifactUri, uri);
      assert.deepEqual(resolved.registered, { name: 'iris', version: v });
    }
  });

  it('names what was not found', async () => {
    const client = fakeClient();
    await rejectsWith(
      resolveModelUri('models:/iris/Archived', client),
      'RESOURCE_DOES_NOT_EXIST',
      /^No versions of model with name 'iris' and stage 'Archived' found$/,
    );
    await rejectsWith(resolveModelUri('models:/nope/1', client), 'RESOURCE_DOES_NOT_EXIST', /name=nope not found/);
    await rejectsWith(resolveModelUri('models:/iris/9', client), 'RESOURCE_DOES_NOT_EXIST', /version=9\) not found/);
    await rejectsWith(resolveModelUri('models:/iris@ghost', client), 'INVALID_PARAMETER_VALUE', /alias ghost/);
    await rejectsWith(resolveModelUri('models:/m-nope', client), 'RESOURCE_DOES_NOT_EXIST', /m-nope/);
    await rejectsWith(resolveModelUri('runs:/nope/model', client), 'RESOURCE_DOES_NOT_EXIST', /Run with id=nope/);
  });

  it('resolves logged models and plain artifact URIs', async () => {
    const client = fakeClient();
    const lm = await resolveModelUri('models:/m-early', client);
    assert.equal(lm.artifactUri, 'mlflow-artifacts:/1/models/m-early/artifacts');
    assert.equal(lm.modelId, 'm-early');
    assert.equal((await resolveModelUri('gs://b/model', client)).artifactUri, 'gs://b/model');
  });

  it("falls back from a run path to the run's logged model of that name, preferring the highest step", async () => {
    const client = fakeClient();
    const resolved = await resolveModelUri('runs:/r1/model/MLmodel', client);
    assert.equal(resolved.artifactUri, 'mlflow-artifacts:/1/models/m-late/artifacts/MLmodel');
    assert.equal(resolved.modelId, 'm-late');
    // No logged model of that name: the run's own artifact path.
    const plain = await resolveModelUri('runs:/r1/other/x', client);
    assert.equal(plain.artifactUri, 'mlflow-artifacts:/1/r1/artifacts/other/x');
    // A segment that cannot be a model name is never searched for.
    await resolveModelUri("runs:/r1/a'b", client);
    assert.ok(!client.calls.some((c) => c.includes("a'b")));
    assert.equal((await resolveModelUri('runs:/r1', client)).artifactUri, 'mlflow-artifacts:/1/r1/artifacts');
  });

  it('checks run artifacts first when the client can probe them', async () => {
    const existing = new Set(['mlflow-artifacts:/1/r1/artifacts/model']);
    const client = fakeClient({ artifactExists: async (uri) => existing.has(uri) });
    assert.equal(
      (await resolveModelUri('runs:/r1/model', client)).artifactUri,
      'mlflow-artifacts:/1/r1/artifacts/model',
    );
    existing.clear();
    assert.equal(
      (await resolveModelUri('runs:/r1/model', client)).artifactUri,
      'mlflow-artifacts:/1/models/m-late/artifacts',
    );
    await rejectsWith(
      resolveModelUri('runs:/r1/missing', client),
      'RESOURCE_DOES_NOT_EXIST',
      /No artifacts at 'mlflow-artifacts:\/1\/r1\/artifacts\/missing' and no logged model named 'missing'/,
    );
  });
});
